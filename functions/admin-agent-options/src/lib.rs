//! `GET /api/businesses/{id}/agent-config/options`: what the agent form may offer, from the same
//! lists the agent-config route checks against: ElevenLabs' voices (`GET /v2/voices`, kept per
//! container for `VOICES_FRESH_FOR`), the agent languages, the language models, the `{{variables}}`
//! a text may use and the voice settings' ranges. Members may read it.
//!
//! ElevenLabs being down does not break the form: the last list this container fetched is served
//! (or none), with `voices_error` saying why.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use tokio::sync::Mutex;
use utoipa::ToSchema;

use shared::admin::openapi::RefusedOrMissing;
use shared::admin::{method_not_allowed, ok};
use shared::domain::VoiceSettings;
use shared::elevenlabs::agents::{DEFAULT_LLM, SUPPORTED_LANGUAGES, SUPPORTED_LLMS};
use shared::elevenlabs::api::ElevenLabsApi;
use shared::elevenlabs::voices::VoiceOption;
use shared::error::ApiError;
use shared::personalization::DYNAMIC_VARIABLES;

mod config;

pub use config::{SECRETS, State, VOICES_FRESH_FOR, VOICES_POLICY};

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentOptions {
    /// ElevenLabs' voices by name (empty when they could not be listed).
    pub voices: Vec<VoiceOption>,
    /// Why the voice list is empty or old, when ElevenLabs could not be reached.
    pub voices_error: Option<String>,
    /// The agent languages the configuration accepts.
    pub languages: Vec<&'static str>,
    /// The language models ElevenLabs runs agents with, as the configuration accepts them.
    pub llms: Vec<&'static str>,
    /// The model used when the configuration names none.
    pub default_llm: &'static str,
    /// The `{{name}}` variables greetings and the persona prompt may use.
    pub placeholders: Vec<Placeholder>,
    pub ranges: VoiceRanges,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Placeholder {
    pub name: &'static str,
    pub description: &'static str,
}

/// ElevenLabs' bounds for each voice setting.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoiceRanges {
    pub stability: Range,
    pub similarity_boost: Range,
    pub speed: Range,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    /// A slider's step.
    pub step: f64,
}

impl Range {
    /// The bounds as written (0.7, not the f32's 0.699999988...).
    fn of((min, max): (f32, f32)) -> Self {
        let exact = |x: f32| (f64::from(x) * 1000.0).round() / 1000.0;
        Self {
            min: exact(min),
            max: exact(max),
            step: 0.05,
        }
    }
}

/// The voice list one container fetched, and when; and when ElevenLabs last failed to give it.
pub struct VoiceCache {
    fresh_for: Duration,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    voices: Option<(Instant, Vec<VoiceOption>)>,
    failed_at: Option<Instant>,
}

/// After a failure, ElevenLabs is not asked again for this long: forms opened meanwhile get the
/// kept list (or none) at once instead of queueing behind one slow request after another.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

impl VoiceCache {
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// The voices, fetched when the kept list is missing or old; on a failure, and for
    /// `RETRY_AFTER_FAILURE` after it, the kept list (if any) and the reason. One fetch at a time:
    /// concurrent requests wait for it rather than each asking ElevenLabs.
    pub async fn voices(&self, api: &ElevenLabsApi) -> (Vec<VoiceOption>, Option<String>) {
        let mut kept = self.kept.lock().await;
        let stale = |k: &Kept| {
            k.voices
                .as_ref()
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        if let Some((at, voices)) = kept.voices.as_ref()
            && at.elapsed() < self.fresh_for
        {
            return (voices.clone(), None);
        }
        if kept
            .failed_at
            .is_some_and(|at| at.elapsed() < RETRY_AFTER_FAILURE)
        {
            return (stale(&kept), Some(UNAVAILABLE.into()));
        }
        match api.list_voices().await {
            Ok(voices) => {
                *kept = Kept {
                    voices: Some((Instant::now(), voices.clone())),
                    failed_at: None,
                };
                (voices, None)
            }
            Err(e) => {
                tracing::warn!(error = %e, "ElevenLabs voices could not be listed");
                kept.failed_at = Some(Instant::now());
                (stale(&kept), Some(UNAVAILABLE.into()))
            }
        }
    }
}

const UNAVAILABLE: &str = "ElevenLabs did not answer";

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    // The options are the same for every business; the business in the path is checked (the
    // tenant rule, and that it exists) so the route answers like every other one on a business.
    state.admin.business(req).await?;
    match *req.method() {
        Method::GET => get(state).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/agent-config/options", operation_id = "getAgentOptions", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = AgentOptions), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn get(state: &State) -> Result<Response<Body>, ApiError> {
    let (voices, voices_error) = state.voices.voices(&state.elevenlabs).await;
    ok(
        StatusCode::OK,
        &AgentOptions {
            voices,
            voices_error,
            languages: SUPPORTED_LANGUAGES.to_vec(),
            llms: SUPPORTED_LLMS.to_vec(),
            default_llm: DEFAULT_LLM,
            placeholders: DYNAMIC_VARIABLES
                .iter()
                .map(|v| Placeholder {
                    name: v.name,
                    description: v.description,
                })
                .collect(),
            ranges: VoiceRanges {
                stability: Range::of(VoiceSettings::STABILITY_RANGE),
                similarity_boost: Range::of(VoiceSettings::SIMILARITY_BOOST_RANGE),
                speed: Range::of(VoiceSettings::SPEED_RANGE),
            },
        },
    )
}
