//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::admin::AdminState;
use shared::agent_manager::AgentManager;
use shared::config::Env;
use shared::platform::Platform;
use shared::secrets::SecretName;

/// The admin key, and what the sync reads: the ElevenLabs API key, the tools' shared secret (it
/// registers the tools with it) and the Twilio account (it imports numbers).
pub const SECRETS: &[SecretName] = &[
    SecretName::AdminJwt,
    SecretName::EdgeOrigin,
    SecretName::ElevenLabsApi,
    SecretName::ElevenLabsTool,
    SecretName::Twilio,
];

pub struct State {
    pub admin: AdminState,
    pub agents: AgentManager,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            agents: AgentManager::from_platform(platform, &Env::process())?,
        })
    }
}
