//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use crate::worker::{
    DEFAULT_SUMMARY_ATTEMPTS, NOTIFICATION_CLAIM_TTL, NOTIFICATION_RECORD_TTL, Worker,
};
use shared::config::Env;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::idempotency::IdempotencyStore;
use shared::openai::OpenAi;
use shared::platform::Platform;
use shared::secrets::SecretName;
use shared::sendgrid::SendGrid;
use std::time::Duration;

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
                dashboard_url: platform.require_dashboard_url()?,
            },
            concurrency: env.parsed("WORKER_CONCURRENCY", 4)?,
        })
    }
}
