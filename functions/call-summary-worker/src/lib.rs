//! The call-summary worker, fed by the `call-summary` SQS queue (template.yaml `CallSummaryQueue`).
//! Each message is one post-call event; failures are reported per message so SQS redelivers only
//! those, and a message that keeps failing reaches the DLQ with its reason in the log.

mod lead;
mod summary;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod worker;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::jobs::process_batch;
use shared::post_call::CallEventJob;
use worker::Outcome;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, event: SqsEvent) -> SqsBatchResponse {
    process_batch(event, state.concurrency, |job: CallEventJob, delivery| async move {
        let conversation_id = job.conversation_id.clone();
        let event_type = job.event_type.clone();
        match state.worker.process(job, delivery).await? {
            Outcome::Recorded { call_log_id, lead_id, notified } => tracing::info!(
                conversation_id, event_type, %call_log_id, lead_id = lead_id.map(|l| l.to_string()), notified,
                "call recorded"
            ),
            Outcome::Ignored { reason } => tracing::info!(conversation_id, event_type, reason, "event ignored"),
        }
        Ok(())
    })
    .await
}
