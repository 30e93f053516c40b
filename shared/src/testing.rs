//! Test support for the crates' integration tests (feature `test-support`): the local emulator's
//! clients, throwaway queues, and the vendor payload fixtures under `shared/fixtures/`.
//! Run by ./infra/local/test, which provides AWS_ENDPOINT_URL and the provisioned resources.

use std::time::Duration;

use crate::aws::{AwsClients, sdk_config};
use crate::idempotency::IdempotencyStore;

pub async fn aws() -> AwsClients {
    AwsClients::new(&sdk_config().await)
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
    let mut bodies = Vec::new();
    loop {
        let out = aws
            .sqs
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
            aws.sqs
                .delete_message()
                .queue_url(queue_url)
                .receipt_handle(m.receipt_handle.unwrap_or_default())
                .send()
                .await
                .expect("deleting from a test queue");
        }
    }
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
