//! What a business configures of its agent: the voices, the language, the persona and the
//! greetings. Stored by the admin API, read by the initiation webhook for every call.

use super::VoiceSettings;

#[derive(Debug, Clone, Default)]
pub struct AgentSettings {
    /// A custom voice for every call; wins over the two below.
    pub voice_id: Option<String>,
    pub new_caller_voice_id: Option<String>,
    pub existing_client_voice_id: Option<String>,
    pub voice: VoiceSettings,
    pub language: String,
    pub persona_prompt: String,
    pub welcome_message: String,
    pub client_welcome_message: String,
    pub after_hours_message: String,
    /// Greetings per situation (`personalization::greeting`); empty means the built-in one.
    pub client_after_hours_message: String,
    pub holiday_message: String,
    pub client_holiday_message: String,
    /// What a caller recognised by caller ID alone hears before verifying.
    pub unverified_caller_access: super::catalog::CallerAccess,
    /// The short FAQ every call's prompt carries (`knowledge::document::MAX_FAQ_CHARS`).
    pub faq: String,
}

/// The language model an agent runs on when its configuration names none: ElevenLabs' documented
/// default (the list it accepts is `elevenlabs::agents::SUPPORTED_LLMS`).
pub const DEFAULT_LLM: &str = "gemini-2.0-flash";

/// A configuration as saved: what personalizes each call, and the model the agent sync sends
/// (the initiation webhook cannot change the model, so personalization never reads it).
#[derive(Debug, Clone)]
pub struct CheckedAgentConfig {
    pub settings: AgentSettings,
    pub llm: String,
}
