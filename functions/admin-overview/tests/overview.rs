//! The overview's figures on seeded calls and leads: today and the last 7 days start at the
//! business's own midnight, other tenants' rows never count, members may read it.

use chrono::{DateTime, TimeZone, Utc};
use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

/// Monday 2026-11-30, 12:00 in Los Angeles (Aurora's zone): today began at 08:00 UTC, the last 7
/// days on Tuesday the 24th at 08:00 UTC.
fn noon_monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap()
}

async fn seed(pool: &PgPool) {
    sqlx::raw_sql(
        r#"
INSERT INTO conversations (id, business_id, elevenlabs_conversation_id, initiation_data) VALUES
  ('f1000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'conv_ov_open',
   '{"dynamic_variables": {"office_status": "open"}}'),
  ('f1000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000001', 'conv_ov_closed',
   '{"dynamic_variables": {"office_status": "closed"}}');
INSERT INTO call_logs (business_id, call_key, conversation_id, status, started_at, duration_secs,
                       cost_credits, cost_amount, cost_currency, created_at) VALUES
  -- today (Los Angeles): answered, one of them before opening; one unanswered
  ('a0000000-0000-4000-8000-000000000001', 'ov1', 'f1000000-0000-4000-8000-000000000001', 'completed',
   '2026-11-30T18:00:00Z', 120, 500, 0.12, 'USD', '2026-11-30T18:02:00Z'),
  ('a0000000-0000-4000-8000-000000000001', 'ov2', 'f1000000-0000-4000-8000-000000000002', 'completed',
   '2026-11-30T15:00:00Z', 60, 300, 0.08, 'USD', '2026-11-30T15:02:00Z'),
  ('a0000000-0000-4000-8000-000000000001', 'ov3', NULL, 'no-answer',
   '2026-11-30T19:00:00Z', NULL, NULL, NULL, NULL, '2026-11-30T19:01:00Z'),
  -- earlier this week; a failed call logged without a start
  ('a0000000-0000-4000-8000-000000000001', 'ov4', NULL, 'completed',
   '2026-11-27T18:00:00Z', 300, 1000, 0.30, 'USD', '2026-11-27T18:06:00Z'),
  ('a0000000-0000-4000-8000-000000000001', 'ov6', NULL, 'failed',
   NULL, NULL, NULL, NULL, NULL, '2026-11-29T12:00:00Z'),
  -- 23:00 on the 23rd in Los Angeles (07:00 UTC on the 24th): before the 7 days began
  ('a0000000-0000-4000-8000-000000000001', 'ov5', NULL, 'completed',
   '2026-11-24T07:00:00Z', 45, 100, 0.01, 'USD', '2026-11-24T07:01:00Z'),
  -- another tenant's call today
  ('b0000000-0000-4000-8000-000000000002', 'ov7', NULL, 'completed',
   '2026-11-30T18:00:00Z', 30, 999, 9.99, 'USD', '2026-11-30T18:01:00Z');
INSERT INTO leads (business_id, caller_phone, status, priority, created_at) VALUES
  ('a0000000-0000-4000-8000-000000000001', '+14155550301', 'new', 'urgent', '2026-11-30T18:05:00Z'),
  ('a0000000-0000-4000-8000-000000000001', '+14155550302', 'contacted', 'normal', '2026-11-27T18:07:00Z'),
  ('b0000000-0000-4000-8000-000000000002', '+14155550303', 'new', 'urgent', '2026-11-30T18:05:00Z');
INSERT INTO integrations (business_id, provider, status, external_tenant_id, access_token, token_key_id, last_error)
VALUES ('a0000000-0000-4000-8000-000000000001', 'jira', 'error', 'cloud-1', '\x00', 'k1', 'token expired');
"#,
    )
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_figures_follow_the_business_day_and_its_own_rows(pool: PgPool) {
    let mut state = setup(&pool).await;
    state.now = noon_monday;
    seed(&pool).await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_overview::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["timezone"], "America/Los_Angeles");
    assert_eq!(
        body["today"],
        json!({"from": "2026-11-30T08:00:00Z", "calls_answered": 2, "calls_missed_or_failed": 1,
               "after_hours_calls": 1, "average_duration_secs": 90.0, "new_leads": 1,
               "cost_credits": 800, "costs": [{"amount": "0.200000", "currency": "USD"}]})
    );
    assert_eq!(
        body["last_7_days"],
        json!({"from": "2026-11-24T08:00:00Z", "calls_answered": 3, "calls_missed_or_failed": 2,
               "after_hours_calls": 1, "average_duration_secs": 160.0, "new_leads": 2,
               "cost_credits": 1800, "costs": [{"amount": "0.500000", "currency": "USD"}]})
    );
    // The fixture's urgent lead of the 20th and today's: both still `new`.
    assert_eq!(body["urgent_leads_waiting"], 2);
    assert_eq!(body["agent"]["state"], "not_synced");
    assert_eq!(body["agent"]["elevenlabs_agent_id"], "agent_aurora_01");
    assert_eq!(body["integrations"][0]["provider"], "jira");
    assert_eq!(body["integrations"][0]["status"], "error");
    assert_eq!(body["integrations"][0]["last_error"], "token expired");
    assert_eq!(body["integrations"].as_array().unwrap().len(), 1);

    sqlx::query("UPDATE agent_configs SET agent_synced_at = now() + interval '1 hour' WHERE business_id = $1::uuid")
        .bind(A)
        .execute(&pool)
        .await
        .unwrap();
    let (_, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_overview::handle(&state, r))
        .await;
    assert_eq!(body["agent"]["state"], "in_sync");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_member_reads_it_and_a_quiet_week_is_zeros(pool: PgPool) {
    use shared::domain::catalog::Role;
    let mut state = setup(&pool).await;
    state.now = noon_monday;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&token_for(Role::BusinessMember, Some(A)))
        .send(|r| admin_overview::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    // The fixtures' calls and leads are older than the week.
    assert_eq!(body["last_7_days"]["calls_answered"], 0);
    assert_eq!(
        body["last_7_days"]["average_duration_secs"],
        serde_json::Value::Null
    );
    assert_eq!(body["last_7_days"]["costs"], json!([]));
    assert_eq!(body["integrations"], json!([]));
    let (status, _) = call(Method::POST)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_overview::handle(&state, r))
        .await;
    assert_eq!(status, 405);
}
