//! The preview runs the real personalization on the posted, unsaved configuration: the stored one
//! is untouched and no call is recorded; a bad configuration is the same 400 as a save.

use chrono::{DateTime, TimeZone, Utc};
use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

/// Tuesday 2026-11-24, 10:00 in Los Angeles.
fn tuesday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_unsaved_greeting_is_previewed_for_each_caller_and_nothing_is_written(pool: PgPool) {
    let mut state = setup(&pool).await;
    state.now = tuesday_morning;
    sqlx::query("UPDATE businesses SET business_hours = $2::jsonb WHERE id = $1::uuid")
        .bind(A)
        .bind(json!({"weekly": {"tue": [{"open": "09:00", "close": "17:00"}]}}))
        .execute(&pool)
        .await
        .unwrap();
    let draft = json!({
        "welcome_message": "Aurora here, what's up?",
        "client_welcome_message": "Hey {{caller_first_name}}, good to hear from you.",
        "after_hours_message": "We're out until {{next_opening}}.",
        "persona_prompt": "You are Ava at {{business_name}}."
    });
    let (status, body) = call(Method::POST)
        .business(A)
        .token(&owner_a())
        .body(draft)
        .send(|r| admin_agent_preview::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    let previews = body["previews"].as_array().unwrap();
    let by = |situation: &str| {
        previews
            .iter()
            .find(|p| p["situation"] == situation)
            .unwrap_or_else(|| panic!("{situation}: {body}"))
            .clone()
    };
    let new = by("new_caller");
    assert_eq!(new["first_message"], "Aurora here, what's up?");
    assert_eq!(new["office_status"], "open");
    assert_eq!(new["at"], "2026-11-24T18:00:00Z");
    assert!(
        new["prompt"]
            .as_str()
            .unwrap()
            .starts_with("You are Ava at Aurora Branding.")
    );
    assert!(
        new["prompt"]
            .as_str()
            .unwrap()
            .contains("May I have your full name?"),
        "the stored questions"
    );
    let known = by("known_client");
    assert_eq!(known["first_message"], "Hey Dana, good to hear from you.");
    assert_eq!(known["sample_client"], false);
    // After hours: the next closing, 17:00 in Los Angeles, a minute in.
    let closed = by("after_hours");
    assert_eq!(closed["office_status"], "closed");
    assert_eq!(closed["at"], "2026-11-25T01:01:00Z");
    assert_eq!(
        closed["first_message"],
        "We're out until Tuesday, December 1 at 9:00 AM."
    );

    // Nothing was saved, no call was recorded.
    let (welcome, starts): (String, i64) = sqlx::query_as(
        "SELECT (SELECT welcome_message FROM agent_configs WHERE business_id = $1::uuid),
                (SELECT count(*) FROM call_starts)",
    )
    .bind(A)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(welcome, "");
    assert_eq!(starts, 0);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_bad_draft_is_a_400_naming_the_field_and_members_cannot_preview(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::POST)
        .business(A)
        .token(&owner_a())
        .body(json!({"welcome_message": "Hi {{nickname}}"}))
        .send(|r| admin_agent_preview::handle(&state, r))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).starts_with("welcome_message: {{nickname}} is not a known variable"));
    let (status, _) = call(Method::POST)
        .business(A)
        .token(&token_for(
            shared::domain::catalog::Role::BusinessMember,
            Some(A),
        ))
        .body(json!({}))
        .send(|r| admin_agent_preview::handle(&state, r))
        .await;
    assert_eq!(status, 403);
}
