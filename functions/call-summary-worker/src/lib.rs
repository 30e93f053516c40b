//! The call-summary worker, fed by the `call-summary` SQS queue (template.yaml `CallSummaryQueue`).
//! Each message is one post-call event; failures are reported per message so SQS redelivers only
//! those, and a message that keeps failing reaches the DLQ with its reason in the log.

mod lead;
mod summary;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod worker;

use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::config::Env;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::idempotency::IdempotencyStore;
use shared::jobs::process_batch;
use shared::openai::OpenAi;
use shared::platform::Platform;
use shared::post_call::CallEventJob;
use shared::secrets::SecretName;
use shared::sendgrid::SendGrid;
use worker::{
    DEFAULT_SUMMARY_ATTEMPTS, NOTIFICATION_CLAIM_TTL, NOTIFICATION_RECORD_TTL, Outcome, Worker,
};

/// The secrets this function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[SecretName::OpenAi, SecretName::SendGrid];

pub struct State {
    pub worker: Worker,
    /// Messages of one batch processed at once.
    pub concurrency: usize,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        let openai = OpenAi::new(
            HttpClient::new(
                "openai",
                HttpPolicy {
                    request_timeout: Duration::from_secs(20),
                    max_retries: 2,
                    ..HttpPolicy::default()
                },
            )?,
            &env.optional("OPENAI_BASE_URL")
                .unwrap_or_else(|| shared::openai::DEFAULT_BASE_URL.into()),
            platform.secrets.openai_api_key()?,
            &env.optional("OPENAI_MODEL")
                .unwrap_or_else(|| shared::openai::DEFAULT_MODEL.into()),
        );
        let sendgrid = SendGrid::from_env(
            &env,
            HttpClient::new(
                "sendgrid",
                HttpPolicy {
                    request_timeout: Duration::from_secs(10),
                    ..HttpPolicy::default()
                },
            )?,
            platform.secrets.sendgrid_api_key()?,
        )?;
        Ok(Self {
            worker: Worker {
                db: platform.db.clone(),
                openai,
                sendgrid,
                idempotency: IdempotencyStore::new(
                    platform.aws.dynamodb.clone(),
                    &platform.settings.tables.idempotency,
                    NOTIFICATION_RECORD_TTL,
                    NOTIFICATION_CLAIM_TTL,
                ),
                summary_attempts: env.parsed("SUMMARY_ATTEMPTS", DEFAULT_SUMMARY_ATTEMPTS)?,
                dashboard_url: env.required("DASHBOARD_URL")?,
            },
            concurrency: env.parsed("WORKER_CONCURRENCY", 4)?,
        })
    }
}

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
