//! Caller verification through the tool route: with the business's default (`name`), a known
//! caller hears no project until verified by a code texted to their own number or by their PIN;
//! three wrong answers end verification for the call; a stranger cannot be verified.

mod common;

use common::*;

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
    let pin_hash = shared::admin::auth::hash_password("4321").unwrap();
    sqlx::query("UPDATE clients SET pin_hash = $1")
        .bind(&pin_hash)
        .execute(&pool)
        .await
        .unwrap();
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
