//! Making a post-call event durable before ElevenLabs gets its 200: claim the event's key, queue the
//! job (or store an oversized body in Postgres and queue a reference), then mark the key done. If
//! nothing could be made durable the claim is released, so ElevenLabs' retry (or the reconciliation)
//! processes it.

use std::time::Duration;

use serde_json::Value;

use super::{CallEventJob, Payload, event_key};
use crate::db::Database;
use crate::idempotency::{IdempotencyStore, Once, OnceError};
use crate::jobs::{JobError, JobQueue};

/// How long a queued event suppresses redeliveries (ElevenLabs retries for 30 minutes at most; the
/// reconciliation looks back a day and also checks the call logs).
pub const EVENT_RECORD_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// A crashed invocation's claim lapses after this, so a retry can take over.
pub const EVENT_CLAIM_TTL: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct Intake {
    pub idempotency: IdempotencyStore,
    pub queue: JobQueue<CallEventJob>,
    pub db: Database,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// First delivery: queued under this SQS message id.
    Queued { message_id: String, stored: bool },
    /// Seen before: nothing was queued.
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Another delivery of the same event is being made durable right now.
    #[error("the same event is being processed; retry")]
    Busy,
    #[error("could not make the event durable: {0}")]
    Unavailable(String),
}

impl Intake {
    /// The deployed wiring: the idempotency table and the call-summary queue named by the settings.
    pub fn from_platform(platform: &crate::platform::Platform) -> Self {
        Self {
            idempotency: IdempotencyStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.idempotency,
                EVENT_RECORD_TTL,
                EVENT_CLAIM_TTL,
            ),
            queue: JobQueue::new(
                platform.aws.sqs.clone(),
                &platform.settings.queues.call_summary,
            ),
            db: platform.db.clone(),
        }
    }

    /// `raw` are the verified bytes (kept as they are if the event is too large for a message);
    /// `event` the same, parsed.
    pub async fn accept(
        &self,
        event_type: &str,
        conversation_id: &str,
        raw: &[u8],
        event: Value,
    ) -> Result<Accepted, IntakeError> {
        self.claim_and_queue(event_type, conversation_id, Some(raw), || async {
            Ok(event)
        })
        .await
    }

    /// Claims the event's key first and only then obtains the event (the reconciliation fetches it
    /// from ElevenLabs), so an event that was already queued is not fetched again.
    pub async fn accept_with<F, Fut>(
        &self,
        event_type: &str,
        conversation_id: &str,
        obtain: F,
    ) -> Result<Accepted, IntakeError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Value>>,
    {
        self.claim_and_queue(event_type, conversation_id, None, obtain)
            .await
    }

    /// Queues an event again without its claim: for a call whose first job was exhausted in the
    /// dead-letter queue (the worker is idempotent, so a copy still queued does no harm).
    pub async fn queue_again(
        &self,
        event_type: &str,
        conversation_id: &str,
        event: Value,
    ) -> Result<String, IntakeError> {
        self.make_durable(event_type, conversation_id, None, event)
            .await
            .map(|(message_id, _)| message_id)
            .map_err(IntakeError::Unavailable)
    }

    async fn claim_and_queue<F, Fut>(
        &self,
        event_type: &str,
        conversation_id: &str,
        raw: Option<&[u8]>,
        obtain: F,
    ) -> Result<Accepted, IntakeError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<Value>>,
    {
        let key = event_key(event_type, conversation_id);
        let work = || async {
            let event = obtain()
                .await
                .map_err(|e| format!("obtaining the event: {e:#}"))?;
            let (message_id, stored) = self
                .make_durable(event_type, conversation_id, raw, event)
                .await?;
            fail::fail_point!("post-call-after-queue", |_| {
                tracing::error!("failpoint fired: post-call-after-queue");
                Err("failpoint: queued, not yet recorded".to_owned())
            });
            Ok(((message_id.clone(), stored), Some(message_id)))
        };
        match self.idempotency.run_once(&key, work).await {
            Ok(Once::Ran((message_id, stored))) => Ok(Accepted::Queued { message_id, stored }),
            Ok(Once::AlreadyCompleted) => Ok(Accepted::Duplicate),
            Ok(Once::InProgress) => Err(IntakeError::Busy),
            Err(OnceError::Store(e)) => Err(IntakeError::Unavailable(e.to_string())),
            Err(OnceError::Work(reason)) => Err(IntakeError::Unavailable(reason)),
        }
    }

    async fn make_durable(
        &self,
        event_type: &str,
        conversation_id: &str,
        raw: Option<&[u8]>,
        event: Value,
    ) -> Result<(String, bool), String> {
        let inline = CallEventJob {
            event_type: event_type.to_owned(),
            conversation_id: conversation_id.to_owned(),
            payload: Payload::Inline { event },
        };
        match self.queue.send(&inline).await {
            Ok(id) => return Ok((id, false)),
            Err(JobError::TooLarge { size }) => {
                tracing::info!(
                    conversation_id,
                    size,
                    "event over the queue message limit; storing it"
                );
            }
            Err(e) => return Err(e.to_string()),
        }
        // Only an oversized event needs its bytes: the verified ones, else (fetched) serialised.
        let serialised;
        let bytes = match (raw, &inline.payload) {
            (Some(raw), _) => raw,
            (None, Payload::Inline { event }) => {
                serialised = serde_json::to_vec(event).map_err(|e| e.to_string())?;
                &serialised
            }
            (None, Payload::Stored { .. }) => return Err("an event without its body".into()),
        };
        let payload_id = super::store::save_payload(&self.db, event_type, conversation_id, bytes)
            .await
            .map_err(|e| format!("storing the oversized event: {e}"))?;
        let reference = CallEventJob {
            payload: Payload::Stored { payload_id },
            ..inline
        };
        let id = self
            .queue
            .send(&reference)
            .await
            .map_err(|e| e.to_string())?;
        Ok((id, true))
    }
}
