//! Typed job queues on SQS. One queue carries one job type; each message is an envelope naming the
//! job's kind, so a message sent to the wrong queue is refused (and reaches the DLQ) instead of
//! being misread. Workers hand a Lambda `SqsEvent` to `process_batch`, which reports partial batch
//! failures so only the failed messages are retried.

use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::Client;
use chrono::{DateTime, Utc};
use futures::{FutureExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// SQS allows 1 MiB since 2025, but the event source mapping and older tooling assume 256 KiB; bigger
/// payloads are stored elsewhere and the job carries a reference.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name written into every message of this type.
    const KIND: &'static str;
}

/// What every message carries. `id` is a string, not a UUID, because EventBridge Scheduler fills it
/// with its execution id when a schedule enqueues a job directly.
#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    kind: String,
    id: String,
    enqueued_at: DateTime<Utc>,
    job: T,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("job message is {size} bytes, over the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge { size: usize },
    #[error("could not enqueue job: {0}")]
    Send(String),
    /// SQS did not answer, or answered that it is overloaded (`aws::is_transient`): retry later.
    #[error("the queue is unavailable: {0}")]
    Unavailable(String),
    #[error("message {message_id} is not a {expected} job: {reason}")]
    Malformed {
        message_id: String,
        expected: &'static str,
        reason: String,
    },
}

#[derive(Clone, Debug)]
pub struct JobQueue<J> {
    sqs: Client,
    queue_url: String,
    _job: PhantomData<fn() -> J>,
}

impl<J: Job> JobQueue<J> {
    pub fn new(sqs: Client, queue_url: impl Into<String>) -> Self {
        Self {
            sqs,
            queue_url: queue_url.into(),
            _job: PhantomData,
        }
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Enqueues one job; returns the SQS message id.
    pub async fn send(&self, job: &J) -> Result<String, JobError> {
        let body = encode(job)?;
        let out = self
            .sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| {
                let described = crate::aws::describe_error(&e);
                if crate::aws::is_transient(&e) {
                    JobError::Unavailable(described)
                } else {
                    JobError::Send(described)
                }
            })?;
        Ok(out.message_id.unwrap_or_default())
    }
}

/// Moves up to `max` messages from a dead-letter queue back to the queue that feeds the worker,
/// once their cause is fixed. Each message is sent before it is deleted, so an interruption can
/// duplicate a message (the workers are idempotent) but never lose one. Returns how many moved.
/// In AWS, `aws sqs start-message-move-task --source-arn <DLQ ARN>` does the same server-side.
pub async fn redrive(
    sqs: &Client,
    from_url: &str,
    to_url: &str,
    max: usize,
) -> Result<usize, JobError> {
    let fail = |e: String| JobError::Send(e);
    let mut moved = 0;
    // A short poll samples some of the queue's servers and may answer empty while messages
    // remain (seen under load: 10 of 13 moved); the queue is taken as drained after a few
    // empty answers in a row.
    let mut empty_answers = 0;
    while moved < max {
        let received = sqs
            .receive_message()
            .queue_url(from_url)
            .max_number_of_messages(((max - moved).min(10)) as i32)
            .message_attribute_names("All")
            .wait_time_seconds(0)
            .send()
            .await
            .map_err(|e| fail(crate::aws::describe_error(&e)))?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            empty_answers += 1;
            if empty_answers == 3 {
                break;
            }
            continue;
        }
        empty_answers = 0;
        for message in messages {
            sqs.send_message()
                .queue_url(to_url)
                .message_body(message.body.clone().unwrap_or_default())
                .set_message_attributes(message.message_attributes.clone())
                .send()
                .await
                .map_err(|e| fail(crate::aws::describe_error(&e)))?;
            sqs.delete_message()
                .queue_url(from_url)
                .receipt_handle(message.receipt_handle.unwrap_or_default())
                .send()
                .await
                .map_err(|e| fail(crate::aws::describe_error(&e)))?;
            moved += 1;
        }
    }
    Ok(moved)
}

pub fn encode<J: Job>(job: &J) -> Result<String, JobError> {
    let envelope = Envelope {
        kind: J::KIND.to_owned(),
        id: Uuid::new_v4().to_string(),
        enqueued_at: Utc::now(),
        job,
    };
    let body = serde_json::to_string(&envelope).map_err(|e| JobError::Send(e.to_string()))?;
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(JobError::TooLarge { size: body.len() });
    }
    Ok(body)
}

pub fn decode<J: Job>(message: &SqsMessage) -> Result<J, JobError> {
    let message_id = message.message_id.as_deref().unwrap_or_default();
    match message.body.as_deref() {
        Some(body) => decode_body(message_id, body),
        None => Err(JobError::Malformed {
            message_id: message_id.to_owned(),
            expected: J::KIND,
            reason: "empty body".into(),
        }),
    }
}

/// `decode` for a message body alone (as received from the SQS API rather than a Lambda event).
pub fn decode_body<J: Job>(message_id: &str, body: &str) -> Result<J, JobError> {
    let malformed = |reason: String| JobError::Malformed {
        message_id: message_id.to_owned(),
        expected: J::KIND,
        reason,
    };
    let envelope: Envelope<serde_json::Value> =
        serde_json::from_str(body).map_err(|e| malformed(e.to_string()))?;
    if envelope.kind != J::KIND {
        return Err(malformed(format!("kind is {:?}", envelope.kind)));
    }
    serde_json::from_value(envelope.job).map_err(|e| malformed(e.to_string()))
}

/// Which delivery of its message a job is: a worker may act differently on the last allowed one
/// (give up on an optional enrichment rather than send the message to the DLQ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// SQS's ApproximateReceiveCount: 1 on the first delivery.
    pub receive_count: u32,
}

/// Runs `work` on every job of the batch (up to `concurrency` at once) and reports the failures, so
/// SQS redelivers only those and moves them to the DLQ after the queue's maxReceiveCount.
pub async fn process_batch<J, F, Fut>(
    event: SqsEvent,
    concurrency: usize,
    work: F,
) -> SqsBatchResponse
where
    J: Job,
    F: Fn(J, Delivery) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let work = &work;
    let outcomes: Vec<(String, bool)> = futures::stream::iter(event.records)
        .map(|message| async move {
            let id = message.message_id.clone().unwrap_or_default();
            let receives: u32 = message
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let ok = match decode::<J>(&message) {
                Err(e) => {
                    tracing::error!(message_id = %id, receives, error = %e, "poison message; it will reach the DLQ");
                    false
                }
                // A panic fails its own message only: the batch's others and the process go on.
                Ok(job) => match AssertUnwindSafe(async move {
                    work(job, Delivery { receive_count: receives }).await
                })
                .catch_unwind()
                    .await
                {
                    Ok(Ok(())) => true,
                    Ok(Err(e)) => {
                        tracing::warn!(message_id = %id, receives, kind = J::KIND, error = format!("{e:#}"), "job failed; SQS will retry it");
                        false
                    }
                    Err(panic) => {
                        tracing::error!(message_id = %id, receives, kind = J::KIND, panic = crate::runtime::panic_message(&panic), "job panicked; SQS will retry it");
                        false
                    }
                },
            };
            (id, ok)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    for (id, ok) in outcomes {
        if !ok {
            response.add_failure(id);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ping {
        n: u32,
    }
    impl Job for Ping {
        const KIND: &'static str = "ping";
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Pong {
        n: u32,
    }
    impl Job for Pong {
        const KIND: &'static str = "pong";
    }

    fn message(id: &str, body: &str) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.into());
        m.body = Some(body.into());
        m
    }

    #[tokio::test]
    async fn a_panic_fails_its_own_message_only() {
        let mut event = SqsEvent::default();
        event.records = (1..=3)
            .map(|n| message(&n.to_string(), &encode(&Ping { n }).unwrap()))
            .collect();
        let response = process_batch(event, 2, |job: Ping, _| async move {
            if job.n == 2 {
                panic!("a bug in one job");
            }
            Ok(())
        })
        .await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, ["2"]);
    }

    #[test]
    fn round_trips_and_refuses_other_kinds() {
        let body = encode(&Ping { n: 7 }).unwrap();
        assert_eq!(decode::<Ping>(&message("1", &body)).unwrap(), Ping { n: 7 });
        let err = decode::<Pong>(&message("1", &body))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a pong job"), "{err}");
        assert!(decode::<Ping>(&message("2", "not json")).is_err());
    }

    #[test]
    fn oversized_jobs_are_refused_before_sending() {
        #[derive(Serialize, Deserialize)]
        struct Big {
            s: String,
        }
        impl Job for Big {
            const KIND: &'static str = "big";
        }
        let err = encode(&Big {
            s: "x".repeat(MAX_MESSAGE_BYTES),
        })
        .unwrap_err();
        assert!(matches!(err, JobError::TooLarge { .. }));
    }

    #[tokio::test]
    async fn reports_only_failed_and_poison_messages() {
        let mut event = SqsEvent::default();
        event.records = vec![
            message("ok", &encode(&Ping { n: 1 }).unwrap()),
            message("fails", &encode(&Ping { n: 2 }).unwrap()),
            message("poison", "{]"),
        ];
        let resp = process_batch(event, 4, |job: Ping, _| async move {
            anyhow::ensure!(job.n != 2, "n=2 fails");
            Ok(())
        })
        .await;
        let mut failed: Vec<_> = resp
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        failed.sort();
        assert_eq!(failed, ["fails", "poison"]);
    }
}
