//! OpenAI's chat completions API (`POST /v1/chat/completions`), used to summarise calls when
//! ElevenLabs' analysis has no summary.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::http_client::{HttpClient, HttpError};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

#[derive(Clone)]
pub struct OpenAi {
    http: HttpClient,
    base_url: String,
    api_key: SecretString,
    model: String,
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: [ChatMessage<'a>; 2],
    max_completion_tokens: u32,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: AssistantMessage,
}

#[derive(Deserialize)]
struct AssistantMessage {
    #[serde(default)]
    content: Option<String>,
}

impl OpenAi {
    pub fn new(http: HttpClient, base_url: &str, api_key: SecretString, model: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            model: model.to_owned(),
        }
    }

    /// One completion: `instructions` as the system message, `input` as the user message.
    pub async fn complete(&self, instructions: &str, input: &str) -> Result<String, HttpError> {
        let body = ChatRequest {
            model: &self.model,
            messages: [
                ChatMessage {
                    role: "system",
                    content: instructions,
                },
                ChatMessage {
                    role: "user",
                    content: input,
                },
            ],
            max_completion_tokens: 300,
        };
        let request = self
            .http
            .request(
                reqwest::Method::POST,
                format!("{}/v1/chat/completions", self.base_url),
            )
            .bearer_auth(self.api_key.expose_secret())
            .json(&body);
        // A completion has no side effects: repeating it after a 5xx is safe.
        let response: ChatResponse = self.http.send_json_repeatable(request).await?;
        response
            .choices
            .into_iter()
            .find_map(|c| c.message.content.filter(|t| !t.trim().is_empty()))
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| HttpError::Decode {
                service: self.http.service(),
                reason: "the completion had no text".into(),
            })
    }
}
