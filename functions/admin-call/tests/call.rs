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
