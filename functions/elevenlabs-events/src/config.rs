//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use shared::platform::Platform;
use shared::post_call::intake::Intake;
use shared::secrets::SecretName;

pub struct State {
    pub intake: Intake,
    pub secret: SecretString,
    pub now: fn() -> DateTime<Utc>,
}

/// The secrets this function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[SecretName::ElevenLabsWebhook];

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            intake: Intake::from_platform(platform),
            secret: platform.secrets.elevenlabs_webhook_secret()?,
            now: Utc::now,
        })
    }
}
