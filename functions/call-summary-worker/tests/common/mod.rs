//! What these tests share: a real database, queues on the emulator, OpenAI and SendGrid faked over
//! HTTP, and post-call events as ElevenLabs sends them.
#![allow(dead_code, unused_imports)]

pub use std::time::Duration;

pub use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
pub use call_summary_worker::{State, handle};
pub use serde_json::{Value, json};
pub use shared::db::Database;
pub use shared::http_client::HttpPolicy;
pub use shared::jobs::encode;
pub use shared::post_call::{CallEventJob, Payload};
pub use shared::testing::{self, json_fixture};
pub use sqlx::PgPool;
pub use uuid::Uuid;
pub use wiremock::matchers::{body_string_contains, header, method, path};
pub use wiremock::{Mock, MockServer, ResponseTemplate};

pub const BUSINESS: &str = "a0000000-0000-4000-8000-000000000001";

pub struct Harness {
    pub state: State,
    pub vendors: MockServer,
    pub pool: PgPool,
}

pub async fn harness(pool: PgPool) -> Harness {
    testing::seed_tenant(&pool).await;
    let vendors = MockServer::start().await;
    let quick = HttpPolicy {
        request_timeout: Duration::from_secs(5),
        max_retries: 1,
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        ..HttpPolicy::default()
    };
    let worker = call_summary_worker::testing::worker(
        &testing::aws().await,
        pool.clone(),
        &vendors.uri(),
        quick,
    );
    Harness {
        state: State {
            worker,
            concurrency: 4,
        },
        vendors,
        pool,
    }
}

pub async fn sendgrid_accepts(h: &Harness) {
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(header("authorization", "Bearer SG.test"))
        .respond_with(
            ResponseTemplate::new(202)
                .insert_header("x-message-id", "14c5d75ce93.dfd.64b469.filter0001"),
        )
        .mount(&h.vendors)
        .await;
}

/// The documented transcription event for a new conversation id (and, optionally, another caller).
pub fn transcription(caller: Option<&str>) -> (Value, String) {
    let (mut event, id) = testing::transcription();
    if let Some(caller) = caller {
        event["data"]["metadata"]["phone_call"]["external_number"] = json!(caller);
    }
    (event, id)
}

pub fn job(event: &Value) -> CallEventJob {
    CallEventJob {
        event_type: event["type"].as_str().unwrap().to_owned(),
        conversation_id: event["data"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        payload: Payload::Inline {
            event: event.clone(),
        },
    }
}

pub fn message(id: &str, body: String, receives: u32) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.to_owned());
    m.body = Some(body);
    m.attributes
        .insert("ApproximateReceiveCount".into(), receives.to_string());
    m
}

pub fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages;
    event
}

/// Delivers jobs as one SQS batch; returns the ids SQS would redeliver.
pub async fn deliver(h: &Harness, jobs: &[&CallEventJob], receives: u32) -> Vec<String> {
    let messages = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| message(&format!("m{i}"), encode(*j).unwrap(), receives))
        .collect();
    let mut failed: Vec<String> = handle(&h.state, batch(messages))
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    failed.sort();
    failed
}

pub async fn emails(h: &Harness) -> Vec<Value> {
    h.vendors
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v3/mail/send")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

pub async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}
