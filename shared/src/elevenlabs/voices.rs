//! ElevenLabs' voice library as the voice picker shows it: `GET /v2/voices` (header `xi-api-key`),
//! paged by `next_page_token` (`page_size` at most 100).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::api::ElevenLabsApi;
use crate::http_client::HttpError;

/// Voices listed at most (pages of 100): a workspace's own voices and the premade ones fit.
pub const MAX_VOICES: usize = 500;

/// One voice, as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VoiceOption {
    pub voice_id: String,
    pub name: String,
    /// premade, cloned, generated, professional, famous or high_quality.
    pub category: Option<String>,
    pub description: Option<String>,
    /// Free-form tags, e.g. {"accent": "american", "gender": "female", "age": "young"}.
    pub labels: BTreeMap<String, String>,
    /// A short sample to play (ElevenLabs' storage; https only, as the dashboard's CSP allows).
    pub preview_url: Option<String>,
}

/// A voice as ElevenLabs sends it; every field but the id may be missing or null.
#[derive(Debug, Deserialize)]
struct RawVoice {
    voice_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    preview_url: Option<String>,
}

impl From<RawVoice> for VoiceOption {
    fn from(v: RawVoice) -> Self {
        Self {
            name: v
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| v.voice_id.clone()),
            voice_id: v.voice_id,
            category: v.category,
            description: v.description.filter(|d| !d.trim().is_empty()),
            // Only text labels are shown.
            labels: v
                .labels
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect(),
            preview_url: v.preview_url.filter(|u| u.starts_with("https://")),
        }
    }
}

#[derive(Debug, Deserialize)]
struct VoicePage {
    #[serde(default)]
    voices: Vec<Value>,
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    next_page_token: Option<String>,
}

type Value = serde_json::Value;

impl ElevenLabsApi {
    /// Every voice of the workspace, up to `MAX_VOICES`, by name. A voice ElevenLabs describes in a
    /// shape we do not read (no id or name) is skipped rather than failing the list.
    pub async fn list_voices(&self) -> Result<Vec<VoiceOption>, HttpError> {
        let url = self.url(&["v2", "voices"])?;
        let mut voices = Vec::new();
        let mut token: Option<String> = None;
        while voices.len() < MAX_VOICES {
            let mut request = self
                .request(reqwest::Method::GET, url.clone())
                .query(&[("page_size", "100")]);
            if let Some(t) = &token {
                request = request.query(&[("next_page_token", t)]);
            }
            let page: VoicePage = self.http().send_json(request).await?;
            voices.extend(
                page.voices
                    .into_iter()
                    .filter_map(|v| serde_json::from_value::<RawVoice>(v).ok())
                    .map(VoiceOption::from),
            );
            match page.next_page_token {
                Some(next)
                    if page.has_more && !next.is_empty() && token.as_ref() != Some(&next) =>
                {
                    token = Some(next)
                }
                _ => break,
            }
        }
        voices.truncate(MAX_VOICES);
        voices.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()));
        Ok(voices)
    }
}
