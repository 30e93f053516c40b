//! Qualifying a new caller through the tool route: step by step, the lead growing with each
//! answer, the state surviving a cold start, urgency flagged mid-qualification.

use crate::common::*;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_new_caller_is_qualified_step_by_step_and_the_lead_grows_with_each_answer(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    let ask = |answer: Option<&str>| {
        let fields = match answer {
            Some(a) => json!({"answer": a}),
            None => json!({}),
        };
        tool(&s, "qualification_next", &conv, NEW_CALLER, AURORA, fields)
    };
    let (status, first) = ask(None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "ask");
    assert_eq!(first["question"], "May I have your full name?");
    assert_eq!(first["progress"], "1 of 4");
    assert!(
        first.get("field_key").is_none(),
        "no configuration keys are spoken"
    );

    let (_, second) = ask(Some("Sam Rivera")).await;
    assert_eq!(second["question"], "What is the best email to reach you?");
    // The lead exists after the first answer: an abandoned call still leaves one.
    let (name, answers): (Option<String>, Value) =
        sqlx::query_as("SELECT contact_name, answers FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name.as_deref(), Some("Sam Rivera"));
    assert_eq!(answers["full_name"]["source"], "live");

    let (_, reask) = ask(Some("sam at rivera")).await;
    assert_eq!(reask["status"], "ask");
    assert_eq!(reask["question"], "What is the best email to reach you?");
    assert!(
        reask["reason"]
            .as_str()
            .unwrap()
            .contains("not an email address")
    );
    let (_, read_back) = ask(Some("sam@riverastudio.com")).await;
    assert_eq!(read_back["status"], "confirm", "{read_back}");
    assert_eq!(read_back["recorded"], "sam@riverastudio.com");
    let (_, third) = ask(Some("yes")).await;
    assert_eq!(third["progress"], "3 of 4");
    ask(Some("both")).await;
    let (_, done) = ask(Some("$8,000")).await;
    assert_eq!(done["status"], "complete", "{done}");
    assert_eq!(done["answered"], 4);

    let (email, answers, priority): (Option<String>, Value, String) =
        sqlx::query_as("SELECT email, answers, priority FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("sam@riverastudio.com"));
    assert_eq!(answers["project_type"]["value"], "Both");
    assert_eq!(answers["budget"]["value"], "8000");
    assert_eq!(priority, "normal");
    let leads: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(leads, 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_state_survives_a_cold_start_and_urgency_is_flagged_mid_qualification(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let conv = conversation();
    {
        let s = state(&pool, &server, open_now).await;
        tool(
            &s,
            "qualification_next",
            &conv,
            NEW_CALLER,
            AURORA,
            json!({}),
        )
        .await;
        tool(
            &s,
            "qualification_next",
            &conv,
            NEW_CALLER,
            AURORA,
            json!({"answer": "Sam"}),
        )
        .await;
    }
    // A fresh instance (a new Lambda after a cold start) picks the call up where it was.
    let s = state(&pool, &server, open_now).await;
    let (_, step) = tool(
        &s,
        "qualification_next",
        &conv,
        NEW_CALLER,
        AURORA,
        json!({"answer": "my site is down, sam@rivera.studio"}),
    )
    .await;
    assert_eq!(step["status"], "ask", "{step}");
    assert_eq!(step["escalate"], true);
    assert_eq!(
        step["escalation_reason"],
        "caller mentioned \"site is down\""
    );
    assert!(
        step["reason"].as_str().is_some(),
        "the answer itself was not an email"
    );
    let (priority, reasons): (String, Vec<String>) =
        sqlx::query_as("SELECT priority, urgency_reasons FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(priority, "urgent");
    assert_eq!(
        reasons,
        vec!["caller mentioned \"site is down\"".to_string()]
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_answer_longer_than_anyone_speaks_is_a_400_naming_it(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let (status, body) = tool(
        &s,
        "qualification_next",
        &conversation(),
        NEW_CALLER,
        AURORA,
        json!({"answer": "a".repeat(1_001)}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("answer:")
    );
}
