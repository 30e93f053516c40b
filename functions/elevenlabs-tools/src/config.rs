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
    /// The clock; tests pin it to exercise business hours.
    pub now: fn() -> DateTime<Utc>,
}

/// The secrets the tools function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[
    SecretName::ElevenLabsTool,
    SecretName::SendGrid,
    SecretName::Twilio,
];

impl ToolState {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        let quick = HttpPolicy {
            request_timeout: Duration::from_secs(4),
            max_retries: 1,
            ..HttpPolicy::default()
        };
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
                    platform.aws.dynamodb.clone(),
                    &platform.settings.tables.idempotency,
                    NOTICE_RECORD_TTL,
                    NOTICE_CLAIM_TTL,
                ),
                dashboard_url: env.required("DASHBOARD_URL")?,
            },
            now: Utc::now,
        })
    }
}
