//! The agent configuration round-trips and is checked against ElevenLabs' ranges.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_agent_config_round_trips_and_is_checked_against_elevenlabs_ranges(pool: PgPool) {
    let state = setup(&pool).await;
    let good = json!({"voice_id": "21m00Tcm4TlvDq8ikWAM", "stability": 0.4, "similarity_boost": 0.9,
        "speed": 1.1, "language": "es", "persona_prompt": "You work for {{business_name}}.",
        "welcome_message": "Hola, {{business_name}}.", "client_welcome_message": "Hola {{caller_name}}",
        "after_hours_message": "Cerrado; abrimos {{next_opening}}.",
        "client_after_hours_message": "Hola {{caller_first_name}}, estamos cerrados.",
        "holiday_message": "Cerrado por {{holiday_name}}.",
        "client_holiday_message": "Hola {{caller_first_name}}, cerrado por {{holiday_name}}."});
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(good.clone())
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["language"], "es");
    // Left out, the model is ElevenLabs' default.
    assert_eq!(body["llm"], "gemini-2.0-flash");
    for field in [
        "client_after_hours_message",
        "holiday_message",
        "client_holiday_message",
    ] {
        assert_eq!(body[field], good[field], "{field} round-trips");
    }
    assert_eq!(body["elevenlabs_agent_id"], "agent_aurora_01");
    // Left out, what an unverified caller hears is the default: their name, no projects.
    assert_eq!(body["unverified_caller_access"], "name");
    let stability = body["stability"].as_f64().unwrap();
    assert!((stability - 0.4).abs() < 1e-6);
    for (change, field) in [
        (json!({"stability": 1.5}), "stability:"),
        (json!({"speed": 0.5}), "speed:"),
        (json!({"similarity_boost": -0.1}), "similarity_boost:"),
        (json!({"language": "xx"}), "language:"),
        (json!({"llm": "gpt-99"}), "llm: \"gpt-99\" is not a model"),
        (json!({"llm": "custom-llm"}), "llm:"),
        (json!({"voice_id": "not a voice"}), "voice_id:"),
        (
            json!({"welcome_message": "x".repeat(1001)}),
            "welcome_message:",
        ),
        (
            json!({"welcome_message": "Hi {{first_name}}"}),
            "welcome_message: {{first_name}} is not a known variable",
        ),
        (json!({"speed": "fast"}), "speed: invalid type"),
        (
            json!({"client_holiday_message": "Hi {{nickname}}"}),
            "client_holiday_message: {{nickname}} is not a known variable",
        ),
        (
            json!({"holiday_message": "x".repeat(1001)}),
            "holiday_message:",
        ),
        (
            json!({"unverified_caller_access": "everything"}),
            "unverified_caller_access: unknown variant",
        ),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(body)
            .send(|r| admin_agent_config::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{change}: {resp}");
        assert!(message(&resp).starts_with(field), "{change}: {resp}");
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn what_an_unverified_caller_hears_is_saved(pool: PgPool) {
    let state = setup(&pool).await;
    for mode in ["anonymous", "projects", "name"] {
        let (status, body) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(json!({"unverified_caller_access": mode}))
            .send(|r| admin_agent_config::handle(&state, r))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["unverified_caller_access"], mode);
    }
}

/// What GET answers, PUT accepts: the agent id and sync time are read-only and ignored on write.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn what_get_answers_put_accepts_unchanged(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, loaded) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(loaded["elevenlabs_agent_id"], "agent_aurora_01");
    let mut forged = loaded.clone();
    forged["elevenlabs_agent_id"] = json!("agent_someone_elses");
    let (status, saved) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(forged)
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["elevenlabs_agent_id"], "agent_aurora_01",
        "read-only: ignored"
    );
    for field in [
        "welcome_message",
        "language",
        "llm",
        "unverified_caller_access",
        "voice_id",
    ] {
        assert_eq!(saved[field], loaded[field], "{field}");
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_language_model_is_saved(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(json!({"llm": " claude-sonnet-4-5 "}))
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["llm"], "claude-sonnet-4-5");
    let stored: String =
        sqlx::query_scalar("SELECT llm FROM agent_configs WHERE business_id = $1::uuid")
            .bind(A)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, "claude-sonnet-4-5");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_faq_is_saved_trimmed_and_bounded(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(json!({"faq": "  Parking: free, behind the studio.\r\nOpen 9 to 6.  "}))
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["faq"],
        "Parking: free, behind the studio.\nOpen 9 to 6."
    );
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(json!({"faq": "x".repeat(2001)}))
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("faq:"),
        "{body}"
    );
}
