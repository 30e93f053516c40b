//! ElevenLabs' REST API (header `xi-api-key`): what the backend reads and manages there.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::http_client::{HttpClient, HttpError};

pub const DEFAULT_BASE_URL: &str = "https://api.elevenlabs.io";

#[derive(Clone)]
pub struct ElevenLabsApi {
    http: HttpClient,
    base_url: String,
    api_key: SecretString,
}

/// One row of `GET /v1/convai/conversations`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConversationSummary {
    pub conversation_id: String,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub start_time_unix_secs: Option<i64>,
    #[serde(default)]
    pub call_duration_secs: Option<i64>,
    /// initiated | in-progress | processing | done | failed
    #[serde(default)]
    pub status: Option<String>,
}

/// What `list_conversations` read.
#[derive(Debug, Default)]
pub struct ConversationListing {
    pub conversations: Vec<ConversationSummary>,
    pub pages: usize,
    /// The listing stopped before ElevenLabs' last page.
    pub truncated: bool,
}

#[derive(Debug, Deserialize)]
struct ConversationPage {
    #[serde(default)]
    conversations: Vec<ConversationSummary>,
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    has_more: bool,
}

impl ElevenLabsApi {
    pub fn new(http: HttpClient, base_url: &str, api_key: SecretString) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
        }
    }

    pub(crate) fn http(&self) -> &HttpClient {
        &self.http
    }

    /// `{base}/{segments...}`, each segment percent-encoded so an id cannot change the path.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<reqwest::Url, HttpError> {
        let build = |reason: String| HttpError::Build {
            service: self.http.service(),
            reason,
        };
        let mut url = reqwest::Url::parse(&self.base_url).map_err(|e| build(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|_| build("base URL cannot have a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A request with the API key.
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        url: reqwest::Url,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header("xi-api-key", self.api_key.expose_secret())
    }

    /// Every conversation that started at or after `since_unix`, following the cursor to the end
    /// (bounded by `max_pages` so a runaway listing cannot exhaust the function's time).
    /// Every conversation that started after `since_unix`, page by page until ElevenLabs says
    /// there is no more, or until `max_pages` (then `truncated` says the window was not read to
    /// its end). A cursor that comes back twice ends the listing as truncated too.
    pub async fn list_conversations(
        &self,
        since_unix: i64,
        max_pages: usize,
    ) -> Result<ConversationListing, HttpError> {
        let url = self.url(&["v1", "convai", "conversations"])?;
        let mut listing = ConversationListing::default();
        let mut cursor: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            if listing.pages == max_pages {
                listing.truncated = true;
                break;
            }
            let mut request = self.request(reqwest::Method::GET, url.clone()).query(&[
                ("page_size", "100".to_owned()),
                ("call_start_after_unix", since_unix.to_string()),
            ]);
            if let Some(c) = &cursor {
                request = request.query(&[("cursor", c)]);
            }
            let page: ConversationPage = self.http.send_json(request).await?;
            listing.pages += 1;
            listing.conversations.extend(page.conversations);
            match page.next_cursor {
                Some(next) if page.has_more && !next.is_empty() => {
                    if !seen.insert(next.clone()) {
                        listing.truncated = true;
                        break;
                    }
                    cursor = Some(next);
                }
                _ => break,
            }
        }
        Ok(listing)
    }

    /// The full conversation: the same model as `post_call_transcription.data`.
    pub async fn conversation(&self, conversation_id: &str) -> Result<Value, HttpError> {
        // A path segment is percent-encoded: an id cannot change the path.
        let url = self.url(&["v1", "convai", "conversations", conversation_id])?;
        let request = self.request(reqwest::Method::GET, url);
        self.http.send_json(request).await
    }
}
