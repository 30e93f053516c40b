//! The agent configuration as the admin API takes it, checked against ElevenLabs' ranges so the
//! initiation webhook never has to: shared by the replace route (`admin-agent-config`) and the
//! preview route (`admin-agent-preview`), which personalizes calls with an unsaved one.

use serde::Deserialize;
use utoipa::ToSchema;

use super::request::invalid;
use crate::domain::VoiceSettings;
use crate::domain::agent::{AgentSettings, CheckedAgentConfig, DEFAULT_LLM};
use crate::domain::catalog::CallerAccess;
use crate::domain::knowledge::document::MAX_FAQ_CHARS;
use crate::elevenlabs::agents::{SUPPORTED_LANGUAGES, is_supported_llm, is_voice_id};
use crate::error::ApiError;
use crate::personalization::DYNAMIC_VARIABLES;
use crate::personalization::template::{self, placeholders};

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
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub stability: f32,
    /// 0 to 1.
    #[serde(default = "d_similarity")]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub similarity_boost: f32,
    /// 0.7 to 1.2.
    #[serde(default = "d_speed")]
    #[schema(minimum = 0.7, maximum = 1.2)]
    pub speed: f32,
    /// An ElevenLabs agent language code, e.g. `en`, `es`, `pt-br`.
    #[serde(default = "d_language")]
    pub language: String,
    /// The language model ElevenLabs runs the agent on, e.g. `gpt-4o-mini`,
    /// `claude-sonnet-4-5`, `gemini-2.0-flash` (GET .../agent-config/options lists them).
    #[serde(default = "d_llm")]
    pub llm: String,
    /// The persona and instructions; may use `{{variable}}` placeholders.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub persona_prompt: String,
    /// Greeting for new callers.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub welcome_message: String,
    /// Greeting for known clients, e.g. "Hi {{caller_name}}, welcome back".
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub client_welcome_message: String,
    /// Greeting for new callers when the office is closed (default: says when it opens and
    /// offers to take a message).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub after_hours_message: String,
    /// Greeting for known clients when the office is closed, e.g. "Hi {{caller_name}}, we're
    /// closed right now".
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub client_after_hours_message: String,
    /// Greeting for new callers on a holiday (`{{holiday_name}}`); default: the after-hours one.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub holiday_message: String,
    /// Greeting for known clients on a holiday; default: the clients' after-hours one.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub client_holiday_message: String,
    /// What a caller recognised by caller ID alone hears before the agent verifies them:
    /// `anonymous` (nothing of their account), `name` (greeted by name, general help; the
    /// default) or `projects` (also their projects: caller ID can be spoofed).
    #[serde(default)]
    #[schema(example = "name")]
    pub unverified_caller_access: CallerAccess,
    /// Short answers to what callers ask most, carried in every call's prompt (the knowledge
    /// base, which the agent searches, holds everything longer).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub faq: String,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only)]
    pub elevenlabs_agent_id: Option<String>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = DateTime)]
    pub agent_synced_at: Option<String>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = DateTime)]
    pub updated_at: Option<String>,
}

fn d_stability() -> f32 {
    VoiceSettings::DEFAULT.stability
}
fn d_similarity() -> f32 {
    VoiceSettings::DEFAULT.similarity_boost
}
fn d_speed() -> f32 {
    VoiceSettings::DEFAULT.speed
}
fn d_language() -> String {
    "en".into()
}
fn d_llm() -> String {
    DEFAULT_LLM.into()
}

impl AgentConfigInput {
    /// The checked settings: voices that are ElevenLabs voice ids, voice settings within its
    /// ranges, a language its agents speak, texts within their sizes and with known placeholders.
    pub fn validate(self) -> Result<CheckedAgentConfig, ApiError> {
        let mut c = self;
        c.llm = c.llm.trim().to_owned();
        if !is_supported_llm(&c.llm) {
            return Err(invalid(
                "llm",
                format!(
                    "{:?} is not a model ElevenLabs runs agents on (GET .../agent-config/options lists them)",
                    c.llm
                ),
            ));
        }
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
        let voice = VoiceSettings {
            stability: c.stability,
            similarity_boost: c.similarity_boost,
            speed: c.speed,
        }
        .check()
        .map_err(|(field, message)| invalid(field, message))?;
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
            (
                "client_after_hours_message",
                &c.client_after_hours_message,
                MAX_MESSAGE_CHARS,
            ),
            ("holiday_message", &c.holiday_message, MAX_MESSAGE_CHARS),
            (
                "client_holiday_message",
                &c.client_holiday_message,
                MAX_MESSAGE_CHARS,
            ),
        ] {
            check_template(field, value, max)?;
        }
        c.faq = c.faq.trim().replace("\r\n", "\n");
        if c.faq.chars().count() > MAX_FAQ_CHARS {
            return Err(invalid(
                "faq",
                format!(
                    "at most {MAX_FAQ_CHARS} characters; put longer answers in the knowledge base"
                ),
            ));
        }
        let settings = AgentSettings {
            voice_id: c.voice_id,
            new_caller_voice_id: c.new_caller_voice_id,
            existing_client_voice_id: c.existing_client_voice_id,
            voice,
            language: c.language,
            persona_prompt: c.persona_prompt,
            welcome_message: c.welcome_message,
            client_welcome_message: c.client_welcome_message,
            after_hours_message: c.after_hours_message,
            client_after_hours_message: c.client_after_hours_message,
            holiday_message: c.holiday_message,
            client_holiday_message: c.client_holiday_message,
            unverified_caller_access: c.unverified_caller_access,
            faq: c.faq,
        };
        Ok(CheckedAgentConfig {
            settings,
            llm: c.llm,
        })
    }
}

/// A text the agent says or is told: at most `max` characters, and only placeholders it can fill
/// (an unknown one would render empty on every call: refused now instead).
pub fn check_template(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(invalid(field, format!("must be at most {max} characters")));
    }
    if let Some(unknown) = placeholders(value).into_iter().find(|name| {
        !template::is_system_variable(name) && !DYNAMIC_VARIABLES.iter().any(|v| v.name == *name)
    }) {
        return Err(invalid(
            field,
            format!("{{{{{unknown}}}}} is not a known variable"),
        ));
    }
    Ok(())
}
