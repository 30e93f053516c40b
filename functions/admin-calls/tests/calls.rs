//! The call log: filters, pages, and one call with its transcript, cost and lead.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn calls_list_with_filters_and_show_transcript_cost_and_lead(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (_, busy) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "busy")
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(busy["items"].as_array().unwrap().len(), 1);
    assert_eq!(busy["items"][0]["status"], "busy");

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

    let (status, resp) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("direction", "sideways")
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(status, 400);
    assert!(message(&resp).starts_with("direction:"));
}
