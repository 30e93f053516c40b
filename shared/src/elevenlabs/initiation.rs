//! The conversation-initiation ("Twilio personalization") webhook: ElevenLabs posts
//! `{caller_id, called_number, agent_id, call_sid, conversation_id, ...}` while the phone rings and
//! waits for `conversation_initiation_client_data`. The webhook cannot be signed; ElevenLabs sends a
//! static secret header configured on the agent.

use serde::Serialize;
use serde_json::Value;

use crate::personalization::{DynamicVariables, Personalization};

/// The request's fields. Any field may be missing or of the wrong type: the call must still get an
/// answer, so fields are read leniently and unknown fields (the list grows) are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InitiationRequest {
    pub caller_id: Option<String>,
    pub called_number: Option<String>,
    pub agent_id: Option<String>,
    pub call_sid: Option<String>,
    pub conversation_id: Option<String>,
}

impl InitiationRequest {
    /// Reads the fields from a parsed JSON body (a non-object body yields no fields).
    pub fn from_json(body: &Value) -> Self {
        let field = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            caller_id: field("caller_id"),
            called_number: field("called_number"),
            agent_id: field("agent_id"),
            call_sid: field("call_sid"),
            conversation_id: field("conversation_id"),
        }
    }
}

/// Header carrying the shared secret on the initiation webhook and the webhook tools, unless
/// `ELEVENLABS_SECRET_HEADER` names another. The agent manager configures the same name.
pub const DEFAULT_SECRET_HEADER: &str = "x-studioconnect-secret";

/// The secret header's name from the environment (or the default).
pub fn secret_header_name<F: Fn(&str) -> Option<String>>(env: &crate::config::Env<F>) -> String {
    env.optional("ELEVENLABS_SECRET_HEADER")
        .unwrap_or_else(|| DEFAULT_SECRET_HEADER.into())
}

/// The shared secret ElevenLabs presents in a header on the initiation webhook and on every
/// webhook tool (it can sign neither), compared in constant time.
#[derive(Debug, Clone)]
pub struct SecretHeader {
    pub name: http::HeaderName,
    pub value: secrecy::SecretString,
}

impl SecretHeader {
    /// The header named by `ELEVENLABS_SECRET_HEADER` (or the default) carrying `value`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(
        env: &crate::config::Env<F>,
        value: secrecy::SecretString,
    ) -> anyhow::Result<Self> {
        let name = http::HeaderName::try_from(secret_header_name(env).to_ascii_lowercase())
            .map_err(|_| anyhow::anyhow!("ELEVENLABS_SECRET_HEADER is not a valid header name"))?;
        Ok(Self { name, value })
    }

    /// Missing or wrong: a 401 with the JSON error body.
    pub fn verify(&self, req: &lambda_http::Request) -> Result<(), crate::error::ApiError> {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        let presented = req
            .headers()
            .get(&self.name)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        let expected = self.value.expose_secret().as_bytes();
        if presented.is_empty() || !bool::from(presented.ct_eq(expected)) {
            return Err(crate::error::ApiError::unauthorized(
                "missing or wrong webhook secret",
            ));
        }
        Ok(())
    }
}

pub const RESPONSE_TYPE: &str = "conversation_initiation_client_data";

/// The response. Fields we do not override are omitted, never null or empty.
#[derive(Debug, Serialize)]
pub struct InitiationResponse {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub dynamic_variables: DynamicVariables,
    pub conversation_config_override: ConversationConfigOverride,
}

#[derive(Debug, Serialize)]
pub struct ConversationConfigOverride {
    pub agent: AgentOverride,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tts: Option<TtsOverride>,
}

#[derive(Debug, Serialize)]
pub struct AgentOverride {
    pub prompt: PromptOverride,
    pub first_message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PromptOverride {
    pub prompt: String,
}

#[derive(Debug, Serialize)]
pub struct TtsOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_id: Option<String>,
    pub stability: f32,
    pub similarity_boost: f32,
    pub speed: f32,
}

/// Every `conversation_config_override` field this webhook may send, as dotted paths. ElevenLabs
/// honours an override only if the agent enables it, so the agent manager enables exactly these; a
/// test holds the list to the response type above.
pub const OVERRIDDEN_FIELDS: &[&str] = &[
    "agent.prompt.prompt",
    "agent.first_message",
    "agent.language",
    "tts.voice_id",
    "tts.stability",
    "tts.similarity_boost",
    "tts.speed",
];

impl From<Personalization> for InitiationResponse {
    fn from(p: Personalization) -> Self {
        let tts = p.voice.map(|v| {
            let settings = v.settings.clamped();
            TtsOverride {
                voice_id: v.voice_id,
                stability: settings.stability,
                similarity_boost: settings.similarity_boost,
                speed: settings.speed,
            }
        });
        InitiationResponse {
            kind: RESPONSE_TYPE,
            dynamic_variables: p.variables,
            conversation_config_override: ConversationConfigOverride {
                agent: AgentOverride {
                    prompt: PromptOverride { prompt: p.prompt },
                    first_message: p.first_message,
                    language: p.language,
                },
                tts,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personalization::platform_default;

    fn leaf_paths(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaf_paths(&path, child, out);
                }
            }
            _ => out.push(prefix.to_owned()),
        }
    }

    #[test]
    fn the_override_list_is_every_field_a_full_response_sends() {
        let full = InitiationResponse {
            kind: RESPONSE_TYPE,
            dynamic_variables: DynamicVariables::defaults(),
            conversation_config_override: ConversationConfigOverride {
                agent: AgentOverride {
                    prompt: PromptOverride { prompt: "p".into() },
                    first_message: "hi".into(),
                    language: Some("en".into()),
                },
                tts: Some(TtsOverride {
                    voice_id: Some("21m00Tcm4TlvDq8ikWAM".into()),
                    stability: 0.5,
                    similarity_boost: 0.8,
                    speed: 1.0,
                }),
            },
        };
        let json = serde_json::to_value(&full).unwrap();
        let mut paths = Vec::new();
        leaf_paths("", &json["conversation_config_override"], &mut paths);
        paths.sort();
        let mut expected: Vec<String> = OVERRIDDEN_FIELDS.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(paths, expected);
    }

    #[test]
    fn reads_fields_leniently_and_ignores_unknown_ones() {
        let body = serde_json::json!({"caller_id": "+14155552671", "called_number": 42, "agent_id": " ", "call_sid": "CA1",
                                      "sip_headers": {"x": "y"}, "new_field": [1]});
        let r = InitiationRequest::from_json(&body);
        assert_eq!(r.caller_id.as_deref(), Some("+14155552671"));
        assert_eq!((r.called_number, r.agent_id), (None, None));
        assert_eq!(r.call_sid.as_deref(), Some("CA1"));
        assert_eq!(
            InitiationRequest::from_json(&serde_json::json!([1, 2])),
            InitiationRequest::default()
        );
    }

    #[test]
    fn the_default_response_has_the_mandatory_type_and_no_nulls() {
        let json = serde_json::to_value(InitiationResponse::from(platform_default(None))).unwrap();
        assert_eq!(json["type"], "conversation_initiation_client_data");
        assert!(
            json["conversation_config_override"]["agent"]["first_message"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert!(json["conversation_config_override"].get("tts").is_none());
        assert!(
            json["conversation_config_override"]["agent"]
                .get("language")
                .is_none()
        );
        assert!(!json.to_string().contains("null"));
    }
}
