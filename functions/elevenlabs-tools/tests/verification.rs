//! Caller verification through the tool route: with the business's default (`name`), a known
//! caller hears no project until verified by a code texted to their own number or by their PIN;
//! three wrong answers end verification for the call; a stranger cannot be verified.

use crate::common::*;

async fn set_access(pool: &PgPool, mode: &str) {
    sqlx::query(
        "UPDATE agent_configs SET unverified_caller_access = $1
         WHERE business_id = 'a0000000-0000-4000-8000-000000000001'",
    )
    .bind(mode)
    .execute(pool)
    .await
    .unwrap();
}

async fn set_pin(pool: &PgPool, pin: &str) {
    sqlx::query("UPDATE clients SET pin_hash = $1")
        .bind(shared::admin::auth::hash_password(pin).unwrap())
        .execute(pool)
        .await
        .unwrap();
}

/// The 6-digit code in the last text message sent.
async fn texted_code(server: &MockServer) -> String {
    let last = texts(server).await.pop().expect("a text was sent");
    let body: String = form_urlencoded::parse(last.as_bytes())
        .find(|(k, _)| k == "Body")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    body.chars().take_while(char::is_ascii_digit).collect()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_known_caller_hears_projects_only_after_the_texted_code(pool: PgPool) {
    seed(&pool).await;
    set_access(&pool, "name").await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    let (status, body) = tool(&s, "get_project_status", &conv, DANA, AURORA, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verification_required"], true);
    assert!(
        body.get("projects").is_none(),
        "nothing before verification: {body}"
    );

    let (_, sent) = tool(&s, "verify_caller", &conv, DANA, AURORA, json!({})).await;
    assert_eq!(sent["code_sent"], true, "{sent}");
    assert!(
        sent["say"].as_str().unwrap().contains("ending in 71"),
        "{sent}"
    );
    let code = texted_code(&server).await;
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (_, answer) = tool(
        &s,
        "verify_caller",
        &conv,
        DANA,
        AURORA,
        json!({"code": wrong}),
    )
    .await;
    assert_eq!(
        (answer["verified"].clone(), answer["attempts_left"].clone()),
        (json!(false), json!(2))
    );
    // Read back the way speech-to-text writes it.
    let spoken = code.chars().map(|c| format!("{c} ")).collect::<String>();
    let (_, answer) = tool(
        &s,
        "verify_caller",
        &conv,
        DANA,
        AURORA,
        json!({"code": spoken}),
    )
    .await;
    assert_eq!(answer["verified"], true, "{answer}");
    let (_, body) = tool(&s, "get_project_status", &conv, DANA, AURORA, json!({})).await;
    assert!(
        body["projects"].as_array().is_some_and(|p| !p.is_empty()),
        "{body}"
    );
    // The code belongs to that call: on another call of the same client, with its own code sent,
    // the first call's code is a wrong answer.
    let other_call = conversation();
    let (_, sent) = tool(&s, "verify_caller", &other_call, DANA, AURORA, json!({})).await;
    assert_eq!(sent["code_sent"], true);
    let other_code = texted_code(&server).await;
    if other_code != code {
        let (_, other) = tool(
            &s,
            "verify_caller",
            &other_call,
            DANA,
            AURORA,
            json!({"code": code}),
        )
        .await;
        assert_eq!(
            (other["verified"].clone(), other["attempts_left"].clone()),
            (json!(false), json!(2)),
            "{other}"
        );
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn three_wrong_answers_end_verification_and_a_pin_works(pool: PgPool) {
    seed(&pool).await;
    set_access(&pool, "anonymous").await;
    set_pin(&pool, "4321").await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    tool(&s, "verify_caller", &conv, DANA, AURORA, json!({})).await;
    let code = texted_code(&server).await;
    for pin in ["1111", "2222"] {
        tool(
            &s,
            "verify_caller",
            &conv,
            DANA,
            AURORA,
            json!({"pin": pin}),
        )
        .await;
    }
    let (_, locked) = tool(
        &s,
        "verify_caller",
        &conv,
        DANA,
        AURORA,
        json!({"code": "999999"}),
    )
    .await;
    assert_eq!(locked["attempts_left"], 0, "{locked}");
    let (_, still) = tool(
        &s,
        "verify_caller",
        &conv,
        DANA,
        AURORA,
        json!({"code": code}),
    )
    .await;
    assert_eq!(
        still["verified"], false,
        "even the right code, after three wrong answers"
    );
    let (_, body) = tool(&s, "get_project_status", &conv, DANA, AURORA, json!({})).await;
    assert_eq!(body["verification_required"], true);
    assert!(
        body.get("known_client").is_none(),
        "anonymous: not even that the number is a client's: {body}"
    );
    // A fresh call: the PIN verifies at once.
    let fresh = conversation();
    let (_, ok) = tool(
        &s,
        "verify_caller",
        &fresh,
        DANA,
        AURORA,
        json!({"pin": "4 3 2 1"}),
    )
    .await;
    assert_eq!(ok["verified"], true, "{ok}");
    // A caller who is not a client cannot be verified, and a code that is not digits is a 400.
    let (_, stranger) = tool(
        &s,
        "verify_caller",
        &conversation(),
        NEW_CALLER,
        AURORA,
        json!({}),
    )
    .await;
    assert_eq!(stranger["verified"], false);
    let (status, body) = tool(
        &s,
        "verify_caller",
        &fresh,
        DANA,
        AURORA,
        json!({"code": "abc"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("code:")
    );
}

/// An hour after `open_now`: another instance whose clock runs ahead.
fn an_hour_later() -> chrono::DateTime<chrono::Utc> {
    open_now() + chrono::Duration::hours(1)
}

/// A day after `open_now`: the client's window has moved on.
fn next_day() -> chrono::DateTime<chrono::Utc> {
    open_now() + chrono::Duration::hours(26)
}

async fn pin_on_a_new_call(state: &elevenlabs_tools::ToolState, pin: &str) -> Value {
    let conv = conversation();
    tool(
        state,
        "verify_caller",
        &conv,
        DANA,
        AURORA,
        json!({"pin": pin}),
    )
    .await
    .1
}

async fn steps(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM caller_verification_events ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Spoofing a client's caller ID call after call does not buy more guesses: the client gets five
/// wrong answers in any 24 hours across all calls, also when the calls come at once and whatever
/// each instance's clock says; then even the right PIN is refused until the window moves on.
/// Every step is audited.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_client_gets_five_wrong_answers_a_day_across_calls_even_at_once(pool: PgPool) {
    seed(&pool).await;
    set_access(&pool, "name").await;
    set_pin(&pool, "4321").await;
    let server = vendors().await;
    let ahead = state(&pool, &server, an_hour_later).await;
    // Eight calls at once, one wrong PIN each, on an instance whose clock runs ahead.
    let calls: Vec<String> = (0..8).map(|_| conversation()).collect();
    let guesses = calls.iter().map(|conv| {
        let s = &ahead;
        async move {
            tool(
                s,
                "verify_caller",
                conv,
                DANA,
                AURORA,
                json!({"pin": "1111"}),
            )
            .await
            .1
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let wrong = answers
        .iter()
        .filter(|a| a["attempts_left"] == json!(2))
        .count();
    let locked = answers
        .iter()
        .filter(|a| {
            a["say"]
                .as_str()
                .unwrap()
                .contains("can't verify you today")
        })
        .count();
    assert_eq!((wrong, locked), (4, 4), "{answers:#?}");
    // The next call reaches an instance whose clock is behind: the steps still count.
    let s = state(&pool, &server, open_now).await;
    let refused = pin_on_a_new_call(&s, "4321").await;
    assert_eq!(refused["verified"], false, "even the right PIN: {refused}");
    let kinds = steps(&pool).await;
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(
        (count("failed"), count("locked"), count("refused")),
        (5, 1, 4),
        "{kinds:?}"
    );
    // A day later the client verifies, which also clears the wrong answers before it.
    let later = state(&pool, &server, next_day).await;
    let ok = pin_on_a_new_call(&later, "4321").await;
    assert_eq!(ok["verified"], true, "{ok}");
    assert_eq!(steps(&pool).await.last().unwrap(), "verified");
}

/// Codes cost a text message each: a client is sent five in any 24 hours, however many calls ask.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_client_is_sent_five_codes_a_day_across_calls(pool: PgPool) {
    seed(&pool).await;
    set_access(&pool, "name").await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let mut sent = Vec::new();
    for _ in 0..3 {
        let conv = conversation();
        for _ in 0..2 {
            let (_, answer) = tool(&s, "verify_caller", &conv, DANA, AURORA, json!({})).await;
            sent.push(answer["code_sent"] == json!(true));
        }
    }
    assert_eq!(sent, [true, true, true, true, true, false]);
    assert_eq!(texts(&server).await.len(), 5);
    let kinds = steps(&pool).await;
    assert_eq!(kinds.iter().filter(|k| *k == "code_sent").count(), 5);
    assert_eq!(kinds.last().unwrap(), "refused");
}
