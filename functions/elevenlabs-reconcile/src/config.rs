//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use crate::DEFAULT_LOOKBACK;
use chrono::{DateTime, Utc};
use shared::config::Env;
use shared::db::Database;
use shared::elevenlabs::api::ElevenLabsApi;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::platform::Platform;
use shared::post_call::intake::Intake;
use shared::secrets::SecretName;
use std::time::Duration;

/// The secrets this function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[SecretName::ElevenLabsApi];

pub struct State {
    pub db: Database,
    pub api: ElevenLabsApi,
    pub intake: Intake,
    pub lookback: Duration,
    pub now: fn() -> DateTime<Utc>,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        let api = ElevenLabsApi::new(
            HttpClient::new("elevenlabs", HttpPolicy::default())?,
            &env.optional("ELEVENLABS_BASE_URL")
                .unwrap_or_else(|| shared::elevenlabs::api::DEFAULT_BASE_URL.into()),
            platform.secrets.elevenlabs_api_key()?,
        );
        let lookback_hours: u64 = env.parsed(
            "RECONCILE_LOOKBACK_HOURS",
            DEFAULT_LOOKBACK.as_secs() / 3600,
        )?;
        Ok(Self {
            db: platform.db.clone(),
            api,
            intake: Intake::from_platform(platform),
            lookback: Duration::from_secs(lookback_hours * 3600),
            now: Utc::now,
        })
    }
}
