//! A business's agent configuration: voice, language, persona and messages, and the ElevenLabs
//! agent it is synced to. A business that never saved one reads as the defaults.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::BusinessId;
use crate::domain::VoiceSettings;
use crate::domain::agent::{CheckedAgentConfig, DEFAULT_LLM};
use crate::domain::catalog::CallerAccess;
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgentConfig {
    pub voice_id: Option<String>,
    pub new_caller_voice_id: Option<String>,
    pub existing_client_voice_id: Option<String>,
    pub stability: f32,
    pub similarity_boost: f32,
    pub speed: f32,
    pub language: String,
    /// The language model the agent runs on.
    pub llm: String,
    pub persona_prompt: String,
    pub welcome_message: String,
    pub client_welcome_message: String,
    pub after_hours_message: String,
    pub client_after_hours_message: String,
    pub holiday_message: String,
    pub client_holiday_message: String,
    /// What a caller recognised by caller ID alone hears before the agent verifies them:
    /// `anonymous`, `name` (the default) or `projects`.
    #[schema(example = "name")]
    pub unverified_caller_access: CallerAccess,
    /// Short answers every call's prompt carries (up to 2,000 characters): what callers ask most.
    /// Everything longer belongs in the knowledge base, which the agent searches.
    pub faq: String,
    /// The business's ElevenLabs agent, once the agent manager has created it.
    pub elevenlabs_agent_id: Option<String>,
    pub agent_synced_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl AgentConfig {
    pub fn voice(&self) -> VoiceSettings {
        VoiceSettings {
            stability: self.stability,
            similarity_boost: self.similarity_boost,
            speed: self.speed,
        }
    }
}

/// The configuration as the API shows it; 404 when there is no such business.
pub async fn load(pool: &sqlx::PgPool, business_id: BusinessId) -> Result<AgentConfig, ApiError> {
    let row = sqlx::query!(
        r#"SELECT ac.voice_id AS "voice_id?", ac.new_caller_voice_id AS "new_caller_voice_id?",
                  ac.existing_client_voice_id AS "existing_client_voice_id?",
                  ac.stability AS "stability?", ac.similarity_boost AS "similarity_boost?",
                  ac.speed AS "speed?", ac.language AS "language?", ac.llm AS "llm?",
                  ac.persona_prompt AS "persona_prompt?", ac.welcome_message AS "welcome_message?",
                  ac.client_welcome_message AS "client_welcome_message?",
                  ac.after_hours_message AS "after_hours_message?",
                  ac.client_after_hours_message AS "client_after_hours_message?",
                  ac.holiday_message AS "holiday_message?",
                  ac.client_holiday_message AS "client_holiday_message?",
                  ac.unverified_caller_access AS "unverified_caller_access?",
                  ac.faq AS "faq?",
                  ac.elevenlabs_agent_id AS "elevenlabs_agent_id?",
                  ac.agent_synced_at AS "agent_synced_at?", ac.updated_at AS "updated_at?"
           FROM businesses b LEFT JOIN agent_configs ac ON ac.business_id = b.id
           WHERE b.id = $1"#,
        business_id.get()
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such business"))?;
    let voice = VoiceSettings::stored(row.stability, row.similarity_boost, row.speed);
    Ok(AgentConfig {
        voice_id: row.voice_id,
        new_caller_voice_id: row.new_caller_voice_id,
        existing_client_voice_id: row.existing_client_voice_id,
        stability: voice.stability,
        similarity_boost: voice.similarity_boost,
        speed: voice.speed,
        language: row.language.unwrap_or_else(|| "en".into()),
        llm: row.llm.unwrap_or_else(|| DEFAULT_LLM.into()),
        persona_prompt: row.persona_prompt.unwrap_or_default(),
        welcome_message: row.welcome_message.unwrap_or_default(),
        client_welcome_message: row.client_welcome_message.unwrap_or_default(),
        after_hours_message: row.after_hours_message.unwrap_or_default(),
        client_after_hours_message: row.client_after_hours_message.unwrap_or_default(),
        holiday_message: row.holiday_message.unwrap_or_default(),
        client_holiday_message: row.client_holiday_message.unwrap_or_default(),
        unverified_caller_access: row
            .unverified_caller_access
            .map(|a| a.parse().map_err(super::corrupt))
            .transpose()?
            .unwrap_or_default(),
        faq: row.faq.unwrap_or_default(),
        elevenlabs_agent_id: row.elevenlabs_agent_id,
        agent_synced_at: row.agent_synced_at,
        updated_at: row.updated_at,
    })
}

/// Saves a checked configuration (the agent id and sync time are the agent manager's and stay).
pub async fn save(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    checked: &CheckedAgentConfig,
) -> Result<(), ApiError> {
    super::require_business(pool, business_id).await?;
    let c = &checked.settings;
    sqlx::query!(
        "INSERT INTO agent_configs (business_id, voice_id, new_caller_voice_id, existing_client_voice_id,
             stability, similarity_boost, speed, language, persona_prompt, welcome_message,
             client_welcome_message, after_hours_message, unverified_caller_access,
             client_after_hours_message, holiday_message, client_holiday_message, llm, faq, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, now())
         ON CONFLICT (business_id) DO UPDATE SET voice_id = EXCLUDED.voice_id,
             new_caller_voice_id = EXCLUDED.new_caller_voice_id,
             existing_client_voice_id = EXCLUDED.existing_client_voice_id,
             stability = EXCLUDED.stability, similarity_boost = EXCLUDED.similarity_boost,
             speed = EXCLUDED.speed, language = EXCLUDED.language,
             persona_prompt = EXCLUDED.persona_prompt, welcome_message = EXCLUDED.welcome_message,
             client_welcome_message = EXCLUDED.client_welcome_message,
             after_hours_message = EXCLUDED.after_hours_message,
             unverified_caller_access = EXCLUDED.unverified_caller_access,
             client_after_hours_message = EXCLUDED.client_after_hours_message,
             holiday_message = EXCLUDED.holiday_message,
             client_holiday_message = EXCLUDED.client_holiday_message, llm = EXCLUDED.llm,
             faq = EXCLUDED.faq, updated_at = now()",
        business_id.get(),
        c.voice_id,
        c.new_caller_voice_id,
        c.existing_client_voice_id,
        c.voice.stability,
        c.voice.similarity_boost,
        c.voice.speed,
        c.language,
        c.persona_prompt,
        c.welcome_message,
        c.client_welcome_message,
        c.after_hours_message,
        c.unverified_caller_access.as_str(),
        c.client_after_hours_message,
        c.holiday_message,
        c.client_holiday_message,
        checked.llm,
        c.faq,
    )
    .execute(pool)
    .await?;
    Ok(())
}
