//! Test support for the crates' integration tests (feature `test-support`): the local emulator's
//! clients, throwaway queues, and the vendor payload fixtures under `shared/fixtures/`.
//! Run by ./infra/local/test, which provides AWS_ENDPOINT_URL and the provisioned resources.

pub mod admin;
pub mod knowledge;
pub mod pm;

use std::time::Duration;

use sqlx::PgPool;

use crate::aws::AwsClients;
use crate::db::Database;
use crate::idempotency::IdempotencyStore;
use crate::jobs::{Job, JobQueue};
use crate::post_call::intake::Intake;

/// Clients with the bounds the functions get from the same variables (the local stacks widen
/// them for the emulator: README, "Local details").
pub async fn aws() -> AwsClients {
    AwsClients::new(&sdk_config().await)
}

/// The SDK configuration with those bounds, for clients `AwsClients` does not hold.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let timeouts = crate::config::AwsTimeouts::from_env(&crate::config::Env::process())
        .expect("AWS_*_TIMEOUT_MS are whole milliseconds");
    crate::aws::sdk_config_with(timeouts).await
}

/// AWS clients whose every call fails at once (nothing listens on 127.0.0.1:9), and a database
/// pool that cannot connect: for proving a handler refuses before it reaches either.
pub async fn unreachable_dependencies() -> (AwsClients, Database) {
    let nowhere = "http://127.0.0.1:9";
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(nowhere)
        .region(aws_config::Region::new("us-east-1"))
        .load()
        .await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy("postgres://nobody@127.0.0.1:9/nothing")
        .expect("a well-formed URL");
    (AwsClients::new(&config), Database::from_pool(pool))
}

pub fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the tests with ./infra/local/test"))
}

/// The provisioned idempotency table; keys in tests are unique per test, so tests never collide.
pub fn idempotency(
    aws: &AwsClients,
    record_ttl: Duration,
    in_progress_ttl: Duration,
) -> IdempotencyStore {
    IdempotencyStore::new(
        aws.dynamodb.clone(),
        env("IDEMPOTENCY_TABLE"),
        record_ttl,
        in_progress_ttl,
    )
}

/// A new empty queue of its own, so a test can count exactly what it enqueued.
pub async fn fresh_queue(aws: &AwsClients, prefix: &str) -> String {
    let name = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    aws.sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("creating a test queue")
        .queue_url
        .expect("queue url")
}

/// Every message body currently on the queue (received and deleted).
pub async fn drain(aws: &AwsClients, queue_url: &str) -> Vec<String> {
    drain_queue(&aws.sqs, queue_url).await
}

/// `drain`, with an SQS client.
pub async fn drain_queue(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .expect("receiving from a test queue");
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return bodies;
        }
        for m in messages {
            bodies.push(m.body.clone().unwrap_or_default());
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(m.receipt_handle.unwrap_or_default())
                .send()
                .await
                .expect("deleting from a test queue");
        }
    }
}

/// A handler's answer as its status and JSON body (`Null` when the body is empty).
pub fn status_and_json(resp: lambda_http::Response<lambda_http::Body>) -> (u16, serde_json::Value) {
    let status = resp.status().as_u16();
    let body = if resp.body().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(resp.body().as_ref()).expect("a JSON body")
    };
    (status, body)
}

/// A vendor payload fixture, e.g. `fixture("elevenlabs/post_call_transcription.json")`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// `fixture` parsed as JSON.
pub fn json_fixture(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

/// Every job on the queue (received and deleted), decoded.
pub async fn drain_jobs<J: Job>(aws: &AwsClients, queue_url: &str) -> Vec<J> {
    drain(aws, queue_url)
        .await
        .iter()
        .map(|body| crate::jobs::decode_body("test", body).expect("a job of the expected kind"))
        .collect()
}

/// The post-call test tenant (shared/fixtures/elevenlabs/tenant.sql): business, number, agent,
/// questions, urgency keywords and a known client.
pub async fn seed_tenant(pool: &PgPool) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(fixture("elevenlabs/tenant.sql")))
        .execute(pool)
        .await
        .expect("seeding the test tenant");
}

/// ElevenLabs' documented transcription event with a conversation id and call SID of its own (the
/// idempotency table is shared by every test of a run); returns the event and the conversation id.
pub fn transcription() -> (serde_json::Value, String) {
    let mut event = json_fixture("elevenlabs/post_call_transcription.json");
    let id = format!("conv_{}", uuid::Uuid::new_v4().simple());
    event["data"]["conversation_id"] = serde_json::json!(id);
    event["data"]["metadata"]["phone_call"]["call_sid"] =
        serde_json::json!(format!("CA{}", uuid::Uuid::new_v4().simple()));
    (event, id)
}

/// The post-call intake on the provisioned idempotency table and the given queue, with the
/// deployed record and claim lifetimes.
pub fn intake(aws: &AwsClients, queue_url: &str, pool: PgPool) -> Intake {
    use crate::post_call::intake::{EVENT_CLAIM_TTL, EVENT_RECORD_TTL};
    Intake {
        idempotency: idempotency(aws, EVENT_RECORD_TTL, EVENT_CLAIM_TTL),
        queue: JobQueue::new(aws.sqs.clone(), queue_url),
        db: Database::from_pool(pool),
    }
}

/// The nearest-rank percentile (`p` in 0..=1) of sorted samples: the one definition every bench
/// reports with.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(sorted.len() - 1)]
}

/// Fails unless every `tests/*.rs` file of the crate at `manifest_dir` is compiled: declared as a
/// module of the crate's one integration-test binary (`tests/main.rs`, whose source is
/// `main_source`) or as a test target of its own in its `Cargo.toml`. The crates that merge their
/// integration tests into one binary turn off cargo's discovery of test files (`autotests =
/// false`), so a new file nobody declares would otherwise never run.
pub fn assert_every_test_file_compiled(manifest_dir: &str, main_source: &str) {
    let manifest = std::fs::read_to_string(format!("{manifest_dir}/Cargo.toml")).unwrap();
    let dir = std::path::Path::new(manifest_dir).join("tests");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "rs") || stem == "main" {
            continue;
        }
        let declared = main_source
            .lines()
            .any(|l| l.trim() == format!("mod {stem};"));
        let own_target = manifest.contains(&format!("path = \"tests/{stem}.rs\""));
        if !declared && !own_target {
            missing.push(stem.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{{{}}}.rs: declare each as `mod` in tests/main.rs",
        missing.join(",")
    );
}
