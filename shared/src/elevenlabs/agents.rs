//! ElevenLabs' agents, phone numbers, workspace secrets and tools API (reference §1-4): what the
//! agent manager sends and reads. The agent body is built by `super::agent_body`; this module only
//! knows the endpoints, their answers, and ElevenLabs' value sets.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::ElevenLabsApi;
use crate::http_client::HttpError;

/// The language models an agent runs on (`conversation_config.agent.prompt.llm`), as ElevenLabs'
/// Python SDK lists them (`types/llm.py`, v2.59.0, 2026-07), less `custom-llm`, which needs a
/// model endpoint of the business's own that we do not configure.
pub const SUPPORTED_LLMS: &[&str] = &[
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4",
    "gpt-4-turbo",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5.1",
    "gpt-5.2",
    "gpt-5.2-chat-latest",
    "gpt-5.4",
    "gpt-5.4-mini",
    "gpt-5.4-nano",
    "gpt-5.5",
    "gpt-5.6-sol",
    "gpt-5.6-terra",
    "gpt-5.6-luna",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-3.5-turbo",
    "gemini-1.5-pro",
    "gemini-1.5-flash",
    "gemini-2.0-flash",
    "gemini-2.0-flash-lite",
    "gemini-2.5-flash-lite",
    "gemini-2.5-flash",
    "gemini-3-pro-preview",
    "gemini-3-flash-preview",
    "gemini-3.1-pro-preview",
    "gemini-3.1-flash-lite-preview",
    "gemini-3.1-flash-lite",
    "gemini-3.5-flash",
    "claude-sonnet-4-5",
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-sonnet-4-6",
    "claude-sonnet-5",
    "claude-sonnet-4",
    "claude-haiku-4-5",
    "claude-3-7-sonnet",
    "claude-3-5-sonnet",
    "claude-3-5-sonnet-v1",
    "claude-3-haiku",
    "grok-beta",
    "qwen3-4b",
    "qwen3-30b-a3b",
    "qwen36-35b-a3b",
    "qwen35-397b-a17b",
    "gpt-oss-20b",
    "gpt-oss-120b",
    "glm-45-air-fp8",
    "gemini-2.5-flash-preview-09-2025",
    "gemini-2.5-flash-lite-preview-09-2025",
    "gemini-2.5-flash-preview-05-20",
    "gemini-2.5-flash-preview-04-17",
    "gemini-2.5-flash-lite-preview-06-17",
    "gemini-2.0-flash-lite-001",
    "gemini-2.0-flash-001",
    "gemini-1.5-flash-002",
    "gemini-1.5-flash-001",
    "gemini-1.5-pro-002",
    "gemini-1.5-pro-001",
    "claude-sonnet-4@20250514",
    "claude-sonnet-4-5@20250929",
    "claude-haiku-4-5@20251001",
    "claude-3-7-sonnet@20250219",
    "claude-3-5-sonnet@20240620",
    "claude-3-5-sonnet-v2@20241022",
    "claude-3-haiku@20240307",
    "gpt-5-2025-08-07",
    "gpt-5.1-2025-11-13",
    "gpt-5.2-2025-12-11",
    "gpt-5.4-2026-03-05",
    "gpt-5.4-mini-2026-03-17",
    "gpt-5.4-nano-2026-03-17",
    "gpt-5.5-2026-04-23",
    "gpt-5-mini-2025-08-07",
    "gpt-5-nano-2025-08-07",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4o-mini-2024-07-18",
    "gpt-4o-2024-11-20",
    "gpt-4o-2024-08-06",
    "gpt-4o-2024-05-13",
    "gpt-4-0613",
    "gpt-4-0314",
    "gpt-4-turbo-2024-04-09",
    "gpt-3.5-turbo-0125",
    "gpt-3.5-turbo-1106",
    "watt-tool-8b",
    "watt-tool-70b",
];

pub use crate::domain::agent::DEFAULT_LLM;

/// Whether ElevenLabs runs agents on `llm`.
pub fn is_supported_llm(llm: &str) -> bool {
    SUPPORTED_LLMS.contains(&llm)
}

/// Languages an ElevenLabs agent speaks (ISO 639-1, with ElevenLabs' `pt-br`).
pub const SUPPORTED_LANGUAGES: &[&str] = &[
    "en", "ar", "bg", "cs", "da", "de", "el", "es", "fi", "fil", "fr", "hi", "hr", "hu", "id",
    "it", "ja", "ko", "ms", "nl", "no", "pl", "pt", "pt-br", "ro", "ru", "sk", "sv", "ta", "tr",
    "uk", "vi", "zh",
];

/// A premade ElevenLabs voice ("Rachel"), used when a business has chosen none.
pub const DEFAULT_VOICE_ID: &str = "21m00Tcm4TlvDq8ikWAM";

/// ElevenLabs voice ids are short opaque alphanumeric strings (20 characters today).
pub fn is_voice_id(s: &str) -> bool {
    (10..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The TTS model for an agent language: English agents may use the English-only Flash v2; any
/// other language needs a multilingual v2.5 model (reference §4).
pub fn tts_model_for(language: &str) -> &'static str {
    if language == "en" {
        "eleven_flash_v2"
    } else {
        "eleven_flash_v2_5"
    }
}

/// A number as `GET /v1/convai/phone-numbers` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct PhoneNumberRecord {
    pub phone_number: String,
    pub phone_number_id: String,
    #[serde(default)]
    pub assigned_agent: Option<AssignedAgent>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AssignedAgent {
    pub agent_id: String,
}

#[derive(Debug, Deserialize)]
struct AgentCreated {
    agent_id: String,
}

#[derive(Debug, Deserialize)]
struct AgentPage {
    #[serde(default)]
    agents: Vec<AgentListed>,
}

#[derive(Debug, Deserialize)]
struct AgentListed {
    agent_id: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
struct SecretCreated {
    secret_id: String,
}

#[derive(Debug, Deserialize)]
struct SecretPage {
    #[serde(default)]
    secrets: Vec<SecretListed>,
}

#[derive(Debug, Deserialize)]
struct SecretListed {
    secret_id: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct PhoneNumberCreated {
    phone_number_id: String,
}

#[derive(Debug, Deserialize)]
struct ToolCreated {
    id: String,
}

/// What importing a Twilio number needs (`POST /v1/convai/phone-numbers`).
pub struct TwilioImport<'a> {
    pub phone_number: &'a str,
    pub label: &'a str,
    pub account_sid: &'a str,
    pub auth_token: &'a SecretString,
    pub agent_id: &'a str,
}

fn is_not_found(e: &HttpError) -> bool {
    matches!(e, HttpError::Status { status, .. } if status.as_u16() == 404)
}

impl ElevenLabsApi {
    /// `POST /v1/convai/agents/create` -> the new agent's id.
    pub async fn create_agent(&self, body: &Value) -> Result<String, HttpError> {
        let url = self.url(&["v1", "convai", "agents", "create"])?;
        let created: AgentCreated = self
            .http()
            .send_json(self.request(reqwest::Method::POST, url).json(body))
            .await?;
        Ok(created.agent_id)
    }

    /// `PATCH /v1/convai/agents/{id}`; `false` when the agent no longer exists.
    pub async fn update_agent(&self, agent_id: &str, body: &Value) -> Result<bool, HttpError> {
        let url = self.url(&["v1", "convai", "agents", agent_id])?;
        // The body is the whole desired state: sending it twice is harmless.
        match self
            .http()
            .send_json_repeatable::<Value>(self.request(reqwest::Method::PATCH, url).json(body))
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The agent named exactly `name`, if one exists (found through the listing's search).
    pub async fn find_agent_named(&self, name: &str) -> Result<Option<String>, HttpError> {
        let url = self.url(&["v1", "convai", "agents"])?;
        let page: AgentPage = self
            .http()
            .send_json(
                self.request(reqwest::Method::GET, url)
                    .query(&[("search", name), ("page_size", "100")]),
            )
            .await?;
        Ok(page
            .agents
            .into_iter()
            .find(|a| a.name == name)
            .map(|a| a.agent_id))
    }

    /// The workspace secret named exactly `name`, if one exists.
    pub async fn find_secret_named(&self, name: &str) -> Result<Option<String>, HttpError> {
        let url = self.url(&["v1", "convai", "secrets"])?;
        let page: SecretPage = self
            .http()
            .send_json(
                self.request(reqwest::Method::GET, url)
                    .query(&[("search", name)]),
            )
            .await?;
        Ok(page
            .secrets
            .into_iter()
            .find(|s| s.name == name)
            .map(|s| s.secret_id))
    }

    /// `POST /v1/convai/secrets` -> the secret's id.
    pub async fn create_secret(
        &self,
        name: &str,
        value: &SecretString,
    ) -> Result<String, HttpError> {
        let url = self.url(&["v1", "convai", "secrets"])?;
        let body = json!({"type": "new", "name": name, "value": value.expose_secret()});
        let created: SecretCreated = self
            .http()
            .send_json(self.request(reqwest::Method::POST, url).json(&body))
            .await?;
        Ok(created.secret_id)
    }

    /// `PATCH /v1/convai/secrets/{id}`: a new value under the same id (secret rotation).
    pub async fn update_secret(
        &self,
        secret_id: &str,
        name: &str,
        value: &SecretString,
    ) -> Result<(), HttpError> {
        let url = self.url(&["v1", "convai", "secrets", secret_id])?;
        let body = json!({"type": "update", "name": name, "value": value.expose_secret()});
        self.http()
            .send_json_repeatable::<Value>(self.request(reqwest::Method::PATCH, url).json(&body))
            .await
            .map(|_| ())
    }

    /// Every phone number of the workspace.
    pub async fn list_phone_numbers(&self) -> Result<Vec<PhoneNumberRecord>, HttpError> {
        let url = self.url(&["v1", "convai", "phone-numbers"])?;
        self.http()
            .send_json(self.request(reqwest::Method::GET, url))
            .await
    }

    /// Imports a Twilio number and assigns it to the agent -> its phone_number_id.
    pub async fn import_twilio_number(
        &self,
        import: &TwilioImport<'_>,
    ) -> Result<String, HttpError> {
        let url = self.url(&["v1", "convai", "phone-numbers"])?;
        let body = json!({
            "provider": "twilio",
            "phone_number": import.phone_number,
            "label": import.label,
            "sid": import.account_sid,
            "token": import.auth_token.expose_secret(),
            "agent_id": import.agent_id,
        });
        let created: PhoneNumberCreated = self
            .http()
            .send_json(self.request(reqwest::Method::POST, url).json(&body))
            .await?;
        Ok(created.phone_number_id)
    }

    /// `PATCH /v1/convai/phone-numbers/{id}` `{agent_id}`: the agent answers the number. False
    /// when ElevenLabs no longer has the number.
    pub async fn assign_phone_number(
        &self,
        phone_number_id: &str,
        agent_id: &str,
    ) -> Result<bool, HttpError> {
        self.patch_phone_number(phone_number_id, json!({"agent_id": agent_id}))
            .await
    }

    /// The same PATCH with `agent_id: null`: no agent answers the number any more. False when
    /// ElevenLabs no longer has the number (nothing left to release).
    pub async fn release_phone_number(&self, phone_number_id: &str) -> Result<bool, HttpError> {
        self.patch_phone_number(phone_number_id, json!({"agent_id": null}))
            .await
    }

    async fn patch_phone_number(
        &self,
        phone_number_id: &str,
        body: Value,
    ) -> Result<bool, HttpError> {
        let url = self.url(&["v1", "convai", "phone-numbers", phone_number_id])?;
        match self
            .http()
            .send_json_repeatable::<Value>(self.request(reqwest::Method::PATCH, url).json(&body))
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `POST /v1/convai/tools` -> the tool's id.
    pub async fn create_tool(&self, tool_config: &Value) -> Result<String, HttpError> {
        let url = self.url(&["v1", "convai", "tools"])?;
        let created: ToolCreated = self
            .http()
            .send_json(
                self.request(reqwest::Method::POST, url)
                    .json(&json!({"tool_config": tool_config})),
            )
            .await?;
        Ok(created.id)
    }

    /// `PATCH /v1/convai/tools/{id}`; `false` when the tool no longer exists.
    pub async fn update_tool(&self, tool_id: &str, tool_config: &Value) -> Result<bool, HttpError> {
        let url = self.url(&["v1", "convai", "tools", tool_id])?;
        match self
            .http()
            .send_json_repeatable::<Value>(
                self.request(reqwest::Method::PATCH, url)
                    .json(&json!({"tool_config": tool_config})),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// ElevenLabs' own words from an error response: `{"detail": {"message": ..}}`,
/// `{"detail": [{"msg": .., "loc": [..]}]}` (validation) or `{"detail": ".."}`.
pub fn vendor_message(e: &HttpError) -> String {
    let HttpError::Status { status, body, .. } = e else {
        return e.to_string();
    };
    let detail = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("detail").cloned());
    let text = match &detail {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("message").and_then(Value::as_str).map(str::to_owned),
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| {
                    let msg = i.get("msg")?.as_str()?;
                    let loc = i
                        .get("loc")
                        .and_then(Value::as_array)
                        .map(|l| {
                            l.iter()
                                .map(|p| {
                                    p.as_str()
                                        .map(str::to_owned)
                                        .unwrap_or_else(|| p.to_string())
                                })
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .unwrap_or_default();
                    Some(if loc.is_empty() {
                        msg.to_owned()
                    } else {
                        format!("{loc}: {msg}")
                    })
                })
                .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        _ => None,
    };
    match text {
        Some(t) => format!("ElevenLabs answered {}: {t}", status.as_u16()),
        None => format!("ElevenLabs answered {}: {body}", status.as_u16()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, body: &str) -> HttpError {
        HttpError::Status {
            service: "elevenlabs",
            status: reqwest::StatusCode::from_u16(code).unwrap(),
            body: body.into(),
        }
    }

    #[test]
    fn vendor_messages_are_read_from_each_error_shape() {
        assert_eq!(
            vendor_message(&status(
                400,
                r#"{"detail":{"status":"invalid_voice","message":"Voice not found"}}"#
            )),
            "ElevenLabs answered 400: Voice not found"
        );
        assert_eq!(
            vendor_message(&status(
                422,
                r#"{"detail":[{"loc":["body","conversation_config","tts","speed"],"msg":"must be <= 1.2","type":"value_error"}]}"#
            )),
            "ElevenLabs answered 422: body.conversation_config.tts.speed: must be <= 1.2"
        );
        assert_eq!(
            vendor_message(&status(401, r#"{"detail":"Invalid API key"}"#)),
            "ElevenLabs answered 401: Invalid API key"
        );
        assert_eq!(
            vendor_message(&status(502, "Bad gateway")),
            "ElevenLabs answered 502: Bad gateway"
        );
    }

    #[test]
    fn languages_pick_a_compatible_model() {
        assert_eq!(tts_model_for("en"), "eleven_flash_v2");
        for l in SUPPORTED_LANGUAGES.iter().filter(|l| **l != "en") {
            assert!(tts_model_for(l).ends_with("_v2_5"), "{l}");
        }
        assert!(is_voice_id(DEFAULT_VOICE_ID));
        assert!(!is_voice_id("voice with spaces"));
    }
}
