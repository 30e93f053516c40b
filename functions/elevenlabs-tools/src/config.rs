//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use crate::NOTICE_CLAIM_TTL;
use crate::NOTICE_RECORD_TTL;
use crate::Notifier;
use crate::session::SessionStore;
use chrono::{DateTime, Utc};
use shared::config::Env;
use shared::db::Database;
use shared::elevenlabs::initiation::SecretHeader;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::idempotency::IdempotencyStore;
use shared::platform::Platform;
use shared::secrets::SecretName;
use shared::sendgrid::SendGrid;
use shared::twilio::Twilio;
use std::time::Duration;

pub struct ToolState {
    pub db: Database,
    pub secret: SecretHeader,
    pub sessions: SessionStore,
    pub notifier: Notifier,
    /// `search_knowledge_base`'s embedder and relevance cut.
    pub knowledge: crate::KnowledgeSearch,
    /// The clock; tests pin it to exercise business hours.
    pub now: fn() -> DateTime<Utc>,
}

/// How a notification's email and text are sent: two attempts of two seconds at most, half a
/// second apart, so that with the claim and its completion (`NOTICE_STORE_TIMEOUT` each) the
/// whole send fits in `NOTIFY_DEADLINE` (`notice_budget`).
pub(crate) fn notice_http_policy() -> HttpPolicy {
    HttpPolicy {
        connect_timeout: Duration::from_millis(1_000),
        request_timeout: Duration::from_millis(2_000),
        max_retries: 1,
        min_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_millis(500),
        max_retry_after: Duration::from_millis(500),
        ..HttpPolicy::default()
    }
}

/// Each DynamoDB call of a notification's claim, completion or release gives up after this.
pub(crate) const NOTICE_STORE_TIMEOUT: Duration = Duration::from_millis(500);

/// The longest a notification can take: the claim, the sends with every retry, then its
/// completion or release. Never more than `NOTIFY_DEADLINE`, so nothing cuts a send off halfway
/// and leaves a claim that a later tool call would take over and send again.
pub(crate) fn notice_budget() -> Duration {
    NOTICE_STORE_TIMEOUT * 2 + notice_http_policy().worst_case()
}

/// The notices' own DynamoDB client, bounded by `NOTICE_STORE_TIMEOUT` per call.
fn notice_dynamodb(sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let bounded = aws_sdk_dynamodb::config::Builder::from(sdk)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(NOTICE_STORE_TIMEOUT)
                .operation_attempt_timeout(NOTICE_STORE_TIMEOUT)
                .operation_timeout(NOTICE_STORE_TIMEOUT)
                .build(),
        )
        .build();
    aws_sdk_dynamodb::Client::from_conf(bounded)
}

/// The secrets the tools function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[
    SecretName::ElevenLabsTool,
    SecretName::SendGrid,
    SecretName::Twilio,
    SecretName::OpenAi,
];

impl ToolState {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        anyhow::ensure!(
            notice_budget() <= crate::NOTIFY_DEADLINE,
            "a notification could outlast NOTIFY_DEADLINE: {:?}",
            notice_budget()
        );
        let quick = notice_http_policy();
        let sendgrid = SendGrid::from_env(
            &env,
            HttpClient::new("sendgrid", quick.clone())?,
            platform.secrets.sendgrid_api_key()?,
        )?;
        // Read even when no Twilio account is configured: a granted secret is checked at start.
        let twilio_auth_token = platform.secrets.twilio_auth_token()?;
        let twilio = match env.optional("TWILIO_ACCOUNT_SID") {
            Some(sid) => Some(Twilio::new(
                HttpClient::new("twilio", quick)?,
                &env.optional("TWILIO_BASE_URL")
                    .unwrap_or_else(|| shared::twilio::DEFAULT_BASE_URL.into()),
                sid,
                twilio_auth_token,
            )),
            None => None,
        };
        Ok(Self {
            db: platform.db.clone(),
            secret: SecretHeader::from_env(&env, platform.secrets.elevenlabs_tool_secret()?)?,
            sessions: SessionStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.call_sessions,
            ),
            notifier: Notifier {
                sendgrid,
                twilio,
                idempotency: IdempotencyStore::new(
                    notice_dynamodb(&platform.sdk),
                    &platform.settings.tables.idempotency,
                    NOTICE_RECORD_TTL,
                    NOTICE_CLAIM_TTL,
                ),
                dashboard_url: platform.require_dashboard_url()?,
            },
            knowledge: {
                // A caller is waiting: two seconds an attempt (`from_env` retries twice).
                let embedder = shared::knowledge::embedder::from_env(
                    &env,
                    &platform.secrets,
                    Duration::from_secs(2),
                )?;
                let cut = shared::knowledge::embedder::relevance_cut(&env, embedder.model())?;
                crate::KnowledgeSearch { embedder, cut }
            },
            now: Utc::now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_fits_in_its_deadline_with_every_retry() {
        assert!(
            notice_budget() <= crate::NOTIFY_DEADLINE,
            "{:?} > {:?}",
            notice_budget(),
            crate::NOTIFY_DEADLINE
        );
        // The claim outlives any send, so no second sender takes it over while one is running.
        assert!(crate::NOTICE_CLAIM_TTL > crate::NOTIFY_DEADLINE * 2);
    }
}
