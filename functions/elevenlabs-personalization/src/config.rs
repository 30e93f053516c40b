//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use crate::DEFAULT_BUDGET;
use chrono::{DateTime, Utc};
use shared::config::Env;
use shared::db::Database;
use shared::elevenlabs::initiation::SecretHeader;
use shared::platform::Platform;
use shared::secrets::SecretName;
use shared::store::call_context::ConfigCache;
use std::time::Duration;

/// The secrets this function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[SecretName::ElevenLabsTool];

pub struct State {
    pub db: Database,
    pub secret: SecretHeader,
    pub budget: Duration,
    /// The clock; tests pin it to exercise business hours.
    pub now: fn() -> DateTime<Utc>,
    /// Business configurations seen by this container, checked against the database every call.
    pub configs: ConfigCache,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        let budget_ms = env.parsed(
            "PERSONALIZATION_BUDGET_MS",
            DEFAULT_BUDGET.as_millis() as u64,
        )?;
        Ok(Self {
            db: platform.db.clone(),
            secret: SecretHeader::from_env(&env, platform.secrets.elevenlabs_tool_secret()?)?,
            budget: Duration::from_millis(budget_ms),
            now: Utc::now,
            configs: ConfigCache::default(),
        })
    }
}
