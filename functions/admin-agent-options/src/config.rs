//! What this function reads from its environment at cold start: the admin token key and the
//! ElevenLabs API key (`SECRETS`, which template.yaml grants and nothing else), and
//! `ELEVENLABS_BASE_URL` (the fake vendors locally).

use std::time::Duration;

use shared::admin::AdminState;
use shared::config::Env;
use shared::elevenlabs::api::ElevenLabsApi;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::platform::Platform;
use shared::secrets::SecretName;

use crate::VoiceCache;

pub const SECRETS: &[SecretName] = &[
    SecretName::AdminJwt,
    SecretName::EdgeOrigin,
    SecretName::ElevenLabsApi,
];

/// How long a container keeps ElevenLabs' voice list: voices change rarely, and the form is
/// opened often.
pub const VOICES_FRESH_FOR: Duration = Duration::from_secs(600);

/// A form is waiting: one retry, short timeouts (the last list kept, or none, is served instead).
pub const VOICES_POLICY: HttpPolicy = HttpPolicy {
    connect_timeout: Duration::from_secs(2),
    request_timeout: Duration::from_secs(5),
    max_retries: 1,
    min_backoff: Duration::from_millis(100),
    max_backoff: Duration::from_millis(500),
    max_retry_after: Duration::from_secs(1),
    breaker_failures: 4,
    breaker_open_for: Duration::from_secs(30),
};

pub struct State {
    pub admin: AdminState,
    pub elevenlabs: ElevenLabsApi,
    pub voices: VoiceCache,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            elevenlabs: ElevenLabsApi::new(
                HttpClient::new("elevenlabs", VOICES_POLICY)?,
                &env.optional("ELEVENLABS_BASE_URL")
                    .unwrap_or_else(|| shared::elevenlabs::api::DEFAULT_BASE_URL.into()),
                platform.secrets.elevenlabs_api_key()?,
            ),
            voices: VoiceCache::new(VOICES_FRESH_FOR),
        })
    }
}
