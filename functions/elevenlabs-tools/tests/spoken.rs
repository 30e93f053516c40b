//! A whole qualification through the tool route with every answer given as a caller speaks it:
//! the tool records the normalised values, reads the email and number back, takes a correction,
//! and the lead ends with what the caller meant.

use crate::common::*;

const AURORA_ID: &str = "a0000000-0000-4000-8000-000000000001";

/// Aurora asks one question of every format, mapped onto the lead's columns where one fits.
async fn every_format(pool: &PgPool) {
    sqlx::query("DELETE FROM qualification_questions WHERE business_id = $1::uuid")
        .bind(AURORA_ID)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        r#"INSERT INTO qualification_questions
               (business_id, position, question, field_key, expected_format, choices, choice_synonyms, maps_to_lead_field)
           VALUES ($1::uuid, 0, 'May I have your full name?', 'full_name', 'text', '{}', '{}', 'contact_name'),
                  ($1::uuid, 1, 'What is the best email to reach you?', 'email', 'email', '{}', '{}', 'email'),
                  ($1::uuid, 2, 'And a phone number?', 'phone', 'phone', '{}', '{}', 'phone'),
                  ($1::uuid, 3, 'Is this about a website, branding, or both?', 'project_type', 'choice',
                   '{Website,Branding,Both}', '{"Website": ["site", "online shop"]}', NULL),
                  ($1::uuid, 4, 'What budget do you have in mind?', 'budget', 'number', '{}', '{}', NULL),
                  ($1::uuid, 5, 'When would you like to start?', 'start', 'date', '{}', '{}', NULL),
                  ($1::uuid, 6, 'Do you have a website today?', 'has_site', 'yes_no', '{}', '{}', NULL)"#,
    )
    .bind(AURORA_ID)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_answered_in_spoken_form_ends_with_the_normalised_lead(pool: PgPool) {
    seed(&pool).await;
    every_format(&pool).await;
    let server = vendors().await;
    // Tuesday 2026-11-24, 10:00 in Los Angeles.
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    let say = |answer: Option<&'static str>| {
        let fields = match answer {
            Some(a) => json!({"answer": a}),
            None => json!({}),
        };
        let (s, conv) = (&s, conv.clone());
        async move {
            let (status, body) =
                tool(s, "qualification_next", &conv, NEW_CALLER, AURORA, fields).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };

    assert_eq!(say(None).await["question"], "May I have your full name?");
    let step = say(Some("Sam Rivera")).await;
    assert_eq!(step["recorded"], "Sam Rivera");

    // The email is read back letter by letter; the caller corrects the name part only.
    let step = say(Some("it's sam at rivera studio dot com")).await;
    assert_eq!(step["status"], "confirm", "{step}");
    assert_eq!(step["recorded"], "sam@riverastudio.com");
    assert_eq!(
        step["say"],
        "Thanks. I have the email address as s, a, m at r, i, v, e, r, a, s, t, u, d, i, o dot com. Is that right?"
    );
    let step = say(Some("no, it's s-a-m-m")).await;
    assert_eq!(step["status"], "confirm", "{step}");
    assert_eq!(step["recorded"], "samm@riverastudio.com");
    // The lead already holds the correction: a call dropped now keeps the right address.
    let email: Option<String> =
        sqlx::query_scalar("SELECT email FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("samm@riverastudio.com"));
    let step = say(Some("yes, that's right")).await;
    assert_eq!(step["question"], "And a phone number?", "{step}");

    let step = say(Some("four one five, five five five, oh one two three")).await;
    assert_eq!(step["status"], "confirm");
    assert_eq!(step["recorded"], "+14155550123");
    assert!(
        step["say"]
            .as_str()
            .unwrap()
            .contains("4 1 5, 5 5 5, 0 1 2 3"),
        "{step}"
    );
    assert_eq!(
        say(Some("yep")).await["question"],
        "Is this about a website, branding, or both?"
    );

    let step = say(Some("the online shop one")).await;
    assert_eq!(step["recorded"], "Website", "a configured synonym");
    let step = say(Some("about eight grand")).await;
    assert_eq!(step["recorded"], "8000");
    let step = say(Some("next Monday")).await;
    assert_eq!(
        step["recorded"], "2026-11-30",
        "the Monday after Tuesday the 24th"
    );
    assert_eq!(
        step["say"],
        "Thanks. I have Monday, November 30, 2026. Question 7 of 7: Do you have a website today?"
    );
    let done = say(Some("yeah, we do")).await;
    assert_eq!(done["status"], "complete", "{done}");
    assert_eq!(done["recorded"], "yes");

    let (name, email, phone, answers): (Option<String>, Option<String>, Option<String>, Value) =
        sqlx::query_as(
            "SELECT contact_name, email, phone, answers FROM leads WHERE caller_phone = $1",
        )
        .bind(NEW_CALLER)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("Sam Rivera"));
    assert_eq!(email.as_deref(), Some("samm@riverastudio.com"));
    assert_eq!(phone.as_deref(), Some("+14155550123"));
    for (key, value, raw) in [
        ("email", "samm@riverastudio.com", "no, it's s-a-m-m"),
        (
            "phone",
            "+14155550123",
            "four one five, five five five, oh one two three",
        ),
        ("project_type", "Website", "the online shop one"),
        ("budget", "8000", "about eight grand"),
        ("start", "2026-11-30", "next Monday"),
        ("has_site", "yes", "yeah, we do"),
    ] {
        assert_eq!(answers[key]["value"], value, "{key}: {answers}");
        assert_eq!(
            answers[key]["raw"], raw,
            "{key}: the caller's words are kept"
        );
        assert_eq!(answers[key]["valid"], true);
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_range_is_recorded_with_both_ends_and_a_plain_no_asks_again(pool: PgPool) {
    seed(&pool).await;
    every_format(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    let say = |answer: &'static str| {
        let (s, conv) = (&s, conv.clone());
        async move {
            let fields = json!({"answer": answer});
            tool(s, "qualification_next", &conv, NEW_CALLER, AURORA, fields)
                .await
                .1
        }
    };
    tool(
        &s,
        "qualification_next",
        &conv,
        NEW_CALLER,
        AURORA,
        json!({}),
    )
    .await;
    say("Sam").await;
    say("sam at example dot com").await;
    let step = say("no").await;
    assert_eq!(step["status"], "ask", "{step}");
    assert_eq!(step["question"], "What is the best email to reach you?");
    // The rejected address no longer stands anywhere: a call dropped now leaves no wrong email.
    let (email, answers): (Option<String>, Value) =
        sqlx::query_as("SELECT email, answers FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(email, None);
    assert_eq!(answers["email"]["valid"], false);
    assert_eq!(
        answers["email"]["raw"], "sam at example dot com",
        "kept, flagged"
    );
    assert_eq!(
        say("dana at example dot org").await["recorded"],
        "dana@example.org"
    );
    for answer in [
        "yes",
        "four one five five five five oh one two three",
        "yes",
        "both",
    ] {
        say(answer).await;
    }
    assert_eq!(say("ten to fifteen thousand").await["recorded"], "12500");
    let answers: Value = sqlx::query_scalar("SELECT answers FROM leads WHERE caller_phone = $1")
        .bind(NEW_CALLER)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(answers["email"]["value"], "dana@example.org");
    assert_eq!(answers["budget"]["value"], "12500");
    assert_eq!(
        answers["budget"]["range"],
        json!({"low": "10000", "high": "15000"})
    );
}
