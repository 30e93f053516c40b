//! `GET/PUT /api/businesses/{id}/agent-config`: the agent's voice, language, persona and messages.
//! Values are checked against ElevenLabs' ranges here, so the initiation webhook never has to.

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::request::invalid;
use super::{AdminState, method_not_allowed, ok};
use crate::elevenlabs::agents::{SUPPORTED_LANGUAGES, is_voice_id};
use crate::elevenlabs::initiation::{SIMILARITY_BOOST_RANGE, SPEED_RANGE, STABILITY_RANGE};
use crate::error::ApiError;
use crate::personalization::DYNAMIC_VARIABLES;
use crate::personalization::template::placeholders;
use crate::web::parse_json;

pub const MAX_PROMPT_CHARS: usize = 20_000;
pub const MAX_MESSAGE_CHARS: usize = 1_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentConfigInput {
    /// Custom voice for every call; wins over the two below.
    #[serde(default)]
    pub voice_id: Option<String>,
    #[serde(default)]
    pub new_caller_voice_id: Option<String>,
    #[serde(default)]
    pub existing_client_voice_id: Option<String>,
    /// 0 to 1.
    #[serde(default = "d_stability")]
    pub stability: f32,
    /// 0 to 1.
    #[serde(default = "d_similarity")]
    pub similarity_boost: f32,
    /// 0.7 to 1.2.
    #[serde(default = "d_speed")]
    pub speed: f32,
    /// An ElevenLabs agent language code, e.g. `en`, `es`, `pt-br`.
    #[serde(default = "d_language")]
    pub language: String,
    /// The persona and instructions; may use `{{variable}}` placeholders.
    #[serde(default)]
    pub persona_prompt: String,
    /// Greeting for new callers.
    #[serde(default)]
    pub welcome_message: String,
    /// Greeting for known clients, e.g. "Hi {{caller_name}}, welcome back".
    #[serde(default)]
    pub client_welcome_message: String,
    #[serde(default)]
    pub after_hours_message: String,
}

fn d_stability() -> f32 {
    0.5
}
fn d_similarity() -> f32 {
    0.8
}
fn d_speed() -> f32 {
    1.0
}
fn d_language() -> String {
    "en".into()
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct AgentConfig {
    pub voice_id: Option<String>,
    pub new_caller_voice_id: Option<String>,
    pub existing_client_voice_id: Option<String>,
    pub stability: f32,
    pub similarity_boost: f32,
    pub speed: f32,
    pub language: String,
    pub persona_prompt: String,
    pub welcome_message: String,
    pub client_welcome_message: String,
    pub after_hours_message: String,
    /// The business's ElevenLabs agent, once the agent manager has created it.
    pub elevenlabs_agent_id: Option<String>,
    pub agent_synced_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[utoipa::path(get, path = "/api/businesses/{id}/agent-config", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = AgentConfig), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get(state: &AdminState, business_id: Uuid) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(StatusCode::OK, &load(pool, business_id).await?)
}

#[utoipa::path(put, path = "/api/businesses/{id}/agent-config", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = AgentConfigInput,
    responses((status = 200, body = AgentConfig),
        (status = 400, body = crate::admin::openapi::ErrorBody, description = "a field is invalid; the message names it"),
        (status = 401, body = crate::admin::openapi::ErrorBody), (status = 403, body = crate::admin::openapi::ErrorBody),
        (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn put(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let input: AgentConfigInput = parse_json(req)?;
    let c = validate(input)?;
    let pool = state.db.pool().await?;
    super::require_business(pool, business_id).await?;
    sqlx::query(
        "INSERT INTO agent_configs (business_id, voice_id, new_caller_voice_id, existing_client_voice_id,
             stability, similarity_boost, speed, language, persona_prompt, welcome_message,
             client_welcome_message, after_hours_message, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
         ON CONFLICT (business_id) DO UPDATE SET voice_id = EXCLUDED.voice_id,
             new_caller_voice_id = EXCLUDED.new_caller_voice_id,
             existing_client_voice_id = EXCLUDED.existing_client_voice_id,
             stability = EXCLUDED.stability, similarity_boost = EXCLUDED.similarity_boost,
             speed = EXCLUDED.speed, language = EXCLUDED.language,
             persona_prompt = EXCLUDED.persona_prompt, welcome_message = EXCLUDED.welcome_message,
             client_welcome_message = EXCLUDED.client_welcome_message,
             after_hours_message = EXCLUDED.after_hours_message, updated_at = now()",
    )
    .bind(business_id)
    .bind(&c.voice_id)
    .bind(&c.new_caller_voice_id)
    .bind(&c.existing_client_voice_id)
    .bind(c.stability)
    .bind(c.similarity_boost)
    .bind(c.speed)
    .bind(&c.language)
    .bind(&c.persona_prompt)
    .bind(&c.welcome_message)
    .bind(&c.client_welcome_message)
    .bind(&c.after_hours_message)
    .execute(pool)
    .await?;
    ok(StatusCode::OK, &load(pool, business_id).await?)
}

pub async fn handle(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => get(state, business_id).await,
        Method::PUT => put(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

fn validate(mut c: AgentConfigInput) -> Result<AgentConfigInput, ApiError> {
    for (field, value) in [
        ("voice_id", &mut c.voice_id),
        ("new_caller_voice_id", &mut c.new_caller_voice_id),
        ("existing_client_voice_id", &mut c.existing_client_voice_id),
    ] {
        *value = value
            .take()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(v) = value
            && !is_voice_id(v)
        {
            return Err(invalid(
                field,
                format!("{v:?} is not an ElevenLabs voice id"),
            ));
        }
    }
    for (field, value, (lo, hi)) in [
        ("stability", c.stability, STABILITY_RANGE),
        (
            "similarity_boost",
            c.similarity_boost,
            SIMILARITY_BOOST_RANGE,
        ),
        ("speed", c.speed, SPEED_RANGE),
    ] {
        if !(lo..=hi).contains(&value) {
            return Err(invalid(field, format!("must be between {lo} and {hi}")));
        }
    }
    c.language = c.language.trim().to_lowercase();
    if !SUPPORTED_LANGUAGES.contains(&c.language.as_str()) {
        return Err(invalid(
            "language",
            format!(
                "{:?} is not a language ElevenLabs agents speak ({})",
                c.language,
                SUPPORTED_LANGUAGES.join(", ")
            ),
        ));
    }
    for (field, value, max) in [
        ("persona_prompt", &c.persona_prompt, MAX_PROMPT_CHARS),
        ("welcome_message", &c.welcome_message, MAX_MESSAGE_CHARS),
        (
            "client_welcome_message",
            &c.client_welcome_message,
            MAX_MESSAGE_CHARS,
        ),
        (
            "after_hours_message",
            &c.after_hours_message,
            MAX_MESSAGE_CHARS,
        ),
    ] {
        if value.chars().count() > max {
            return Err(invalid(field, format!("must be at most {max} characters")));
        }
        // An unknown placeholder would render empty on every call: refuse it now instead.
        if let Some(unknown) = placeholders(value).into_iter().find(|name| {
            !name.starts_with("system__") && !DYNAMIC_VARIABLES.iter().any(|v| v.name == *name)
        }) {
            return Err(invalid(
                field,
                format!("{{{{{unknown}}}}} is not a known variable"),
            ));
        }
    }
    Ok(c)
}

pub async fn load(pool: &PgPool, business_id: Uuid) -> Result<AgentConfig, ApiError> {
    let row = sqlx::query_as::<_, AgentConfig>(
        "SELECT ac.voice_id, ac.new_caller_voice_id, ac.existing_client_voice_id,
                COALESCE(ac.stability, 0.5::real) AS stability, COALESCE(ac.similarity_boost, 0.8::real) AS similarity_boost,
                COALESCE(ac.speed, 1.0::real) AS speed, COALESCE(ac.language, 'en') AS language,
                COALESCE(ac.persona_prompt, '') AS persona_prompt,
                COALESCE(ac.welcome_message, '') AS welcome_message,
                COALESCE(ac.client_welcome_message, '') AS client_welcome_message,
                COALESCE(ac.after_hours_message, '') AS after_hours_message,
                ac.elevenlabs_agent_id, ac.agent_synced_at, ac.updated_at
         FROM businesses b LEFT JOIN agent_configs ac ON ac.business_id = b.id
         WHERE b.id = $1",
    )
    .bind(business_id)
    .fetch_optional(pool)
    .await?;
    row.ok_or_else(|| ApiError::not_found("no such business"))
}
