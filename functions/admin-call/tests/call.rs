//! One call with its transcript, summary, cost and lead.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_shows_its_transcript_cost_summary_and_lead(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, call_body) = call(Method::GET)
        .business(A)
        .param("callId", A_CALL)
        .token(&owner_a())
        .send(|r| admin_call::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{call_body}");
    assert_eq!(call_body["lead_id"], A_LEAD);
    assert_eq!(call_body["summary"], "Sam's site is down before a launch.");
    assert_eq!(
        call_body["cost"],
        json!({"credits": 812, "amount": "0.084000", "currency": "USD"})
    );
    assert_eq!(
        call_body["transcript"][0]["text"],
        "Thanks for calling Aurora Branding."
    );
    assert_eq!(call_body["elevenlabs_conversation_id"], "conv_admin_1");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_shows_its_analysis_and_the_messages_taken_in_it(pool: PgPool) {
    let state = setup(&pool).await;
    sqlx::raw_sql(
        r#"UPDATE conversations SET analysis = '{"call_successful": "success", "evaluation_criteria_results": {"urgent": {"criteria_id": "urgent", "result": "success", "rationale": "site down"}}}'
           WHERE elevenlabs_conversation_id = 'conv_admin_1';
           INSERT INTO call_messages (business_id, elevenlabs_conversation_id, caller_name, callback_phone, message, preferred_time, created_at) VALUES
             ('a0000000-0000-4000-8000-000000000001', 'conv_admin_1', 'Sam', '+14155550123', 'Please call me back about the launch.', 'after 3pm', '2026-11-20T10:01:00Z'),
             ('a0000000-0000-4000-8000-000000000001', 'conv_admin_1', 'Sam', NULL, 'Also: the logo files.', NULL, '2026-11-20T10:01:30Z'),
             ('b0000000-0000-4000-8000-000000000002', 'conv_admin_1', 'Not Sam', NULL, 'Another tenant, same id.', NULL, '2026-11-20T10:01:00Z');"#,
    )
    .execute(&pool)
    .await
    .unwrap();
    let (status, body) = call(Method::GET)
        .business(A)
        .param("callId", A_CALL)
        .token(&owner_a())
        .send(|r| admin_call::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["analysis"]["evaluation_criteria_results"]["urgent"]["result"],
        "success"
    );
    let messages: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Please call me back about the launch.",
            "Also: the logo files."
        ]
    );
    assert_eq!(body["messages"][0]["callback_phone"], "+14155550123");
    assert_eq!(body["messages"][0]["preferred_time"], "after 3pm");
    // A call without a conversation has neither.
    let (_, busy) = call(Method::GET)
        .business(A)
        .param("callId", "e0000000-0000-4000-8000-000000000003")
        .token(&owner_a())
        .send(|r| admin_call::handle(&state, r))
        .await;
    assert_eq!(busy["messages"], json!([]));
    assert_eq!(busy["analysis"], serde_json::Value::Null);
}
