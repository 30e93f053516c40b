//! The reconciliation against ElevenLabs' conversations API faked at the HTTP level: only finished
//! conversations of our agents without a call log are queued, once; the whole window is read; a
//! call whose job died in the dead-letter queue is queued again, once per window.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use elevenlabs_reconcile::{State, reconcile};
use serde_json::json;
use shared::db::Database;
use shared::elevenlabs::api::ElevenLabsApi;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::post_call::{CallEventJob, Payload};
use shared::testing::{self, drain, drain_jobs, fresh_queue, json_fixture};
use sqlx::PgPool;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn state(pool: PgPool, aws: &shared::aws::AwsClients, queue_url: &str, elevenlabs: &str) -> State {
    State {
        db: Database::from_pool(pool.clone()),
        api: ElevenLabsApi::new(
            HttpClient::new("elevenlabs", HttpPolicy::default()).unwrap(),
            elevenlabs,
            "xi-test".to_owned().into(),
        ),
        intake: testing::intake(aws, queue_url, pool),
        lookback: Duration::from_secs(24 * 3600),
        now,
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.timestamp_opt(1_764_000_000, 0).unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn only_finished_conversations_of_our_agents_without_a_call_log_are_queued(pool: PgPool) {
    testing::seed_tenant(&pool).await;
    // conv_recorded_0001 arrived by webhook and has its call log.
    sqlx::query(
        "INSERT INTO call_logs (business_id, call_key, elevenlabs_conversation_id, status)
         VALUES ('a0000000-0000-4000-8000-000000000001', 'CArecorded', 'conv_recorded_0001', 'completed')",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Unique per run: the idempotency table is shared by all tests.
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let page = testing::fixture("elevenlabs/conversations_page.json")
        .replace("conv_missing_0002", &format!("conv_missing_{suffix}"));
    let missing_id = format!("conv_missing_{suffix}");

    let elevenlabs = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .and(header("xi-api-key", "xi-test"))
        .and(query_param(
            "call_start_after_unix",
            (1_764_000_000 - 24 * 3600).to_string(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page, "application/json"))
        .mount(&elevenlabs)
        .await;
    let mut conversation = json_fixture("elevenlabs/post_call_transcription.json")["data"].clone();
    conversation["conversation_id"] = json!(missing_id);
    Mock::given(method("GET"))
        .and(path(format!("/v1/convai/conversations/{missing_id}")))
        .and(header("xi-api-key", "xi-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation))
        .expect(1)
        .mount(&elevenlabs)
        .await;

    let aws = testing::aws().await;
    let queue_url = fresh_queue(&aws, "reconcile-test").await;
    let state = state(pool, &aws, &queue_url, &elevenlabs.uri());

    let report = reconcile(&state).await.unwrap();
    assert_eq!((report.listed, report.ours, report.missing), (4, 2, 1));
    assert_eq!(report.enqueued, vec![missing_id.clone()]);
    let mut jobs: Vec<CallEventJob> = drain_jobs(&aws, &queue_url).await;
    assert_eq!(jobs.len(), 1);
    let job = jobs.remove(0);
    assert_eq!(job.conversation_id, missing_id);
    let Payload::Inline { event } = job.payload else {
        panic!("inline expected")
    };
    assert_eq!(
        event["type"], "post_call_transcription",
        "the webhook's envelope"
    );
    assert_eq!(
        event["data"]["metadata"]["phone_call"]["agent_number"],
        "+14155552600"
    );

    // A second run (the worker has not caught up yet) queues nothing new.
    let again = reconcile(&state).await.unwrap();
    assert!(again.enqueued.is_empty());
    assert_eq!(again.already_queued, 1);
    assert!(drain(&aws, &queue_url).await.is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_conversation_that_cannot_be_fetched_is_retried_on_the_next_run(pool: PgPool) {
    testing::seed_tenant(&pool).await;
    let id = format!("conv_flaky_{}", uuid::Uuid::new_v4().simple());
    let elevenlabs = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [{"agent_id": "agent_aurora_01", "conversation_id": id, "start_time_unix_secs": 1763990000,
                               "call_duration_secs": 30, "message_count": 3, "status": "done", "call_successful": "success"}],
            "has_more": false, "next_cursor": null
        })))
        .mount(&elevenlabs)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/convai/conversations/{id}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"detail": {"status": "conversation_not_found", "message": "not yet"}}),
        ))
        .up_to_n_times(1)
        .mount(&elevenlabs)
        .await;
    let mut conversation = json_fixture("elevenlabs/post_call_transcription.json")["data"].clone();
    conversation["conversation_id"] = json!(id);
    Mock::given(method("GET"))
        .and(path(format!("/v1/convai/conversations/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation))
        .mount(&elevenlabs)
        .await;
    let aws = testing::aws().await;
    let queue_url = fresh_queue(&aws, "reconcile-retry").await;
    let state = state(pool, &aws, &queue_url, &elevenlabs.uri());
    let first = reconcile(&state).await.unwrap();
    assert_eq!((first.failed, first.enqueued.len()), (1, 0));
    assert!(drain(&aws, &queue_url).await.is_empty());
    let second = reconcile(&state).await.unwrap();
    assert_eq!(second.enqueued, vec![id], "the failed claim was released");
    assert_eq!(drain(&aws, &queue_url).await.len(), 1);
}

fn summary(id: &str, started: i64) -> serde_json::Value {
    json!({"agent_id": "agent_aurora_01", "conversation_id": id, "start_time_unix_secs": started,
           "call_duration_secs": 30, "message_count": 3, "status": "done", "call_successful": "success"})
}

async fn serve_conversation(elevenlabs: &MockServer, id: &str) {
    let mut conversation = json_fixture("elevenlabs/post_call_transcription.json")["data"].clone();
    conversation["conversation_id"] = json!(id);
    Mock::given(method("GET"))
        .and(path(format!("/v1/convai/conversations/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation))
        .mount(elevenlabs)
        .await;
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_whole_window_is_read_and_a_listing_that_loops_is_reported(pool: PgPool) {
    testing::seed_tenant(&pool).await;
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let (first, second) = (format!("conv_p1_{suffix}"), format!("conv_p2_{suffix}"));
    let elevenlabs = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [summary(&first, 1_763_999_000)], "has_more": true, "next_cursor": "page-2"
        })))
        .mount(&elevenlabs)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .and(query_param("cursor", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [summary(&second, 1_763_998_000)], "has_more": false, "next_cursor": null
        })))
        .with_priority(1)
        .mount(&elevenlabs)
        .await;
    serve_conversation(&elevenlabs, &first).await;
    serve_conversation(&elevenlabs, &second).await;
    let aws = testing::aws().await;
    let queue_url = fresh_queue(&aws, "reconcile-pages").await;
    let paged = state(pool.clone(), &aws, &queue_url, &elevenlabs.uri());
    let report = reconcile(&paged).await.unwrap();
    assert_eq!((report.listed, report.truncated), (2, false));
    assert_eq!(
        report.enqueued,
        vec![second.clone(), first.clone()],
        "oldest first"
    );

    // A listing whose cursor comes back forever stops, and says so.
    let looping = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [], "has_more": true, "next_cursor": "same"
        })))
        .mount(&looping)
        .await;
    let looped = state(pool, &aws, &queue_url, &looping.uri());
    let report = reconcile(&looped).await.unwrap();
    assert!(report.truncated);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_whose_job_ended_in_the_dead_letter_queue_is_queued_again(pool: PgPool) {
    testing::seed_tenant(&pool).await;
    let id = format!("conv_dead_{}", uuid::Uuid::new_v4().simple());
    let elevenlabs = MockServer::start().await;
    // Ended four hours before `now`: well past five twelve-minute receives.
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [summary(&id, 1_764_000_000 - 4 * 3600)], "has_more": false, "next_cursor": null
        })))
        .mount(&elevenlabs)
        .await;
    serve_conversation(&elevenlabs, &id).await;
    let aws = testing::aws().await;
    let queue_url = fresh_queue(&aws, "reconcile-dlq").await;
    let state = state(pool, &aws, &queue_url, &elevenlabs.uri());
    // The webhook queued it; its job then failed five times and went to the dead-letter queue.
    state
        .intake
        .accept(
            "post_call_transcription",
            &id,
            b"{}",
            json!({"type": "post_call_transcription", "data": {"conversation_id": id}}),
        )
        .await
        .unwrap();
    drain(&aws, &queue_url).await;

    let report = reconcile(&state).await.unwrap();
    assert_eq!(report.requeued_stuck, vec![id.clone()]);
    let jobs: Vec<CallEventJob> = drain_jobs(&aws, &queue_url).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].conversation_id, id);
    // Once per window: the next run (the cause not fixed yet) adds no copy.
    let again = reconcile(&state).await.unwrap();
    assert!(again.requeued_stuck.is_empty());
    assert_eq!(again.already_queued, 1);
    assert!(drain(&aws, &queue_url).await.is_empty());
}

/// Call starts older than their retention are pruned on the same schedule; younger ones stay.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn call_starts_past_their_retention_are_pruned(pool: PgPool) {
    testing::seed_tenant(&pool).await;
    let retention = shared::store::call_context::CALL_START_RETENTION;
    let old = now() - chrono::Duration::from_std(retention).unwrap() - chrono::Duration::hours(1);
    let recent =
        now() - chrono::Duration::from_std(retention).unwrap() + chrono::Duration::hours(1);
    for (id, started) in [
        ("conv_old_1", old),
        ("conv_old_2", old),
        ("conv_recent", recent),
    ] {
        sqlx::query(
            "INSERT INTO call_starts (conversation_id, business_id, direction, started_at)
             VALUES ($1, 'a0000000-0000-4000-8000-000000000001', 'inbound', $2)",
        )
        .bind(id)
        .bind(started)
        .execute(&pool)
        .await
        .unwrap();
    }
    let elevenlabs = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/conversations"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"conversations": [], "has_more": false, "next_cursor": null}),
            ),
        )
        .mount(&elevenlabs)
        .await;
    let aws = testing::aws().await;
    let queue_url = fresh_queue(&aws, "reconcile-prune").await;
    let state = state(pool.clone(), &aws, &queue_url, &elevenlabs.uri());

    let report = reconcile(&state).await.unwrap();
    assert_eq!(report.pruned_call_starts, 2);
    let left: Vec<String> = sqlx::query_scalar("SELECT conversation_id FROM call_starts")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(left, ["conv_recent"]);
    assert_eq!(reconcile(&state).await.unwrap().pruned_call_starts, 0);
}
