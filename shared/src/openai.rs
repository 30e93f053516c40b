//! OpenAI's API: chat completions (`POST /v1/chat/completions`), used to summarise calls when
//! ElevenLabs' analysis has no summary, and embeddings (`POST /v1/embeddings`), the knowledge
//! base's vectors (`crate::embeddings`).

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::http_client::{HttpClient, HttpError};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// The embedding model, at the dimension the knowledge base's column has.
pub const EMBEDDING_MODEL: &str = "text-embedding-3-small";

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

#[derive(Serialize)]
struct EmbeddingRequest<'a> {
    model: &'a str,
    input: &'a [String],
    dimensions: usize,
    encoding_format: &'static str,
}

#[derive(Deserialize)]
struct EmbeddingResponse {
    data: Vec<EmbeddingData>,
}

#[derive(Deserialize)]
struct EmbeddingData {
    index: usize,
    embedding: Vec<f32>,
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

    /// The embeddings of `inputs` (in their order) by `model` at `dimensions` components.
    pub async fn embed(
        &self,
        model: &str,
        dimensions: usize,
        inputs: &[String],
    ) -> Result<Vec<Vec<f32>>, HttpError> {
        let body = EmbeddingRequest {
            model,
            input: inputs,
            dimensions,
            encoding_format: "float",
        };
        let request = self
            .http
            .request(
                reqwest::Method::POST,
                format!("{}/v1/embeddings", self.base_url),
            )
            .bearer_auth(self.api_key.expose_secret())
            .json(&body);
        // An embedding has no side effects: repeating it after a 5xx is safe.
        let response: EmbeddingResponse = self.http.send_json_repeatable(request).await?;
        let decode = |reason: String| HttpError::Decode {
            service: self.http.service(),
            reason,
        };
        let mut out = vec![Vec::new(); inputs.len()];
        for item in response.data {
            let slot = out
                .get_mut(item.index)
                .ok_or_else(|| decode(format!("an embedding for input {}", item.index)))?;
            *slot = item.embedding;
        }
        if let Some(i) = out.iter().position(|v| v.len() != dimensions) {
            return Err(decode(format!(
                "input {i}'s embedding has {} components, not {dimensions}",
                out[i].len()
            )));
        }
        Ok(out)
    }
}
