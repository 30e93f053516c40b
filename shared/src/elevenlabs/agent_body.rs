//! The ElevenLabs agent as we define it: the body `POST /v1/convai/agents/create` and
//! `PATCH /v1/convai/agents/{id}` take, and the webhook tools' shape (reference §1-3). The agent
//! manager decides when to send it; only this module builds it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::agents::tts_model_for;
use super::initiation::OVERRIDDEN_FIELDS;
use crate::domain::BusinessId;
use crate::domain::VoiceSettings;
use crate::domain::urgency::URGENT_CRITERION_ID;
use crate::personalization::DYNAMIC_VARIABLES;
use crate::personalization::variables::DefaultValue;

/// The events our post-call webhook handles (reference §2); audio is never subscribed.
pub const POST_CALL_EVENTS: &[&str] = &["transcript", "call_initiation_failure"];
pub const INITIATION_PATH: &str = "/api/voice/elevenlabs-personalization";

/// The agent's own first message; the initiation webhook replaces it on every call, so this only
/// speaks if the webhook cannot be reached.
pub const DEFAULT_FIRST_MESSAGE: &str =
    "Hello {{caller_name}}, thank you for calling {{business_name}}. How can I help you today?";

/// A webhook tool the agent may call mid-call, defined once for the whole platform and registered
/// in the ElevenLabs workspace by name (reference §3); `call_tools::definitions` defines them.
#[derive(Debug, Clone)]
pub struct WebhookTool {
    pub name: String,
    /// `tool_config` as `POST /v1/convai/tools` takes it.
    pub tool_config: Value,
}

/// What a webhook tool is, for `webhook_tool_config`: its name and description for the model, its
/// URL and secret header, the body fields taken from the call's system dynamic variables, and
/// those the model fills from the conversation.
pub struct WebhookToolSpec<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub secret_header: &'a str,
    /// The workspace secret holding the header's value.
    pub secret_id: &'a str,
    pub response_timeout_secs: u64,
    /// (body field, `system__*` dynamic variable): filled by ElevenLabs, never by the model.
    pub from_call: &'a [(&'a str, &'a str)],
    pub required_from_call: &'a [&'a str],
    pub described: Vec<BodyField<'a>>,
}

/// A body field the language model fills.
pub struct BodyField<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub required: bool,
}

/// A webhook tool's `tool_config` as `POST /v1/convai/tools` takes it (reference §3): a POST with
/// the secret header by `secret_id`, and a JSON body schema whose call fields are dynamic variables
/// and whose other fields are described for the model (one source per field).
pub fn webhook_tool_config(spec: &WebhookToolSpec<'_>) -> Value {
    let mut properties = Map::new();
    let mut required: Vec<&str> = spec.required_from_call.to_vec();
    for (name, variable) in spec.from_call {
        properties.insert(
            (*name).into(),
            json!({"type": "string", "dynamic_variable": variable}),
        );
    }
    for field in &spec.described {
        properties.insert(
            field.name.into(),
            json!({"type": "string", "description": field.description}),
        );
        if field.required {
            required.push(field.name);
        }
    }
    json!({
        "type": "webhook",
        "name": spec.name,
        "description": spec.description,
        "response_timeout_secs": spec.response_timeout_secs,
        "api_schema": {
            "url": spec.url,
            "method": "POST",
            "request_headers": {spec.secret_header: {"secret_id": spec.secret_id}},
            "request_body_schema": {
                "type": "object",
                "description": format!("The {} request.", spec.name),
                "properties": properties,
                "required": required,
            },
        },
    })
}

/// Where and how the agent reaches this deployment, known only during a sync.
pub struct AgentWiring<'a> {
    /// e.g. `https://api.studioconnect.example`; the initiation webhook is under it.
    pub public_base_url: &'a str,
    /// The header carrying the initiation secret, and the workspace secret holding its value.
    pub secret_header: &'a str,
    pub secret_id: &'a str,
    pub post_call_webhook_id: &'a str,
    /// The voice of a business that chose none.
    pub default_voice_id: &'a str,
    /// The workspace webhook tools the agent may call.
    pub tool_ids: &'a [String],
}

/// What the agent is built from.
#[derive(Debug, Clone)]
pub struct AgentInputs {
    pub business_id: BusinessId,
    pub business_name: String,
    pub language: String,
    /// The language model (`prompt.llm`), one of `agents::SUPPORTED_LLMS`.
    pub llm: String,
    pub voice_id: Option<String>,
    pub voice: VoiceSettings,
    pub agent_id: Option<String>,
    /// (phone, condition)
    pub transfers: Vec<(String, String)>,
    /// (field_key, question, expected format)
    pub questions: Vec<(String, String, String)>,
    /// The business's numbers, as the admin API shows them.
    pub phone_numbers: Vec<crate::store::business::PhoneNumber>,
}

/// The agent's name in ElevenLabs. It carries the business id so a re-run after a lost create
/// response finds the agent instead of creating a second one.
pub fn agent_name(inputs: &AgentInputs) -> String {
    let name: String = inputs.business_name.chars().take(80).collect();
    format!("{name} receptionist [{}]", inputs.business_id)
}

/// The default system prompt: every dynamic variable, so the agent knows each call's facts even
/// if the initiation webhook's prompt override were refused.
pub fn default_prompt() -> String {
    let mut prompt = String::from(
        "You are the friendly phone receptionist of {{business_name}}. Be brief and warm; never \
         make up facts. Use the call facts below.\n\nCall facts:\n",
    );
    for v in DYNAMIC_VARIABLES {
        prompt.push_str(&format!("- {} {{{{{}}}}}\n", v.description, v.name));
    }
    prompt.push_str(
        "\nIf the office is closed, say so and take a message. If the caller asks for a person \
         or the matter is urgent and a transfer is available, transfer the call.",
    );
    prompt
}

fn placeholder_value(d: DefaultValue) -> Value {
    match d {
        DefaultValue::Text(s) => json!(s),
        DefaultValue::Number(n) => json!(n),
        DefaultValue::Flag(b) => json!(b),
    }
}

/// `{"agent": {"prompt": {"prompt": true}, ...}, "tts": {...}}` from the dotted override list.
pub fn override_flags() -> Value {
    let mut root = Map::new();
    for path in OVERRIDDEN_FIELDS {
        let parts: Vec<&str> = path.split('.').collect();
        let mut node = &mut root;
        for (i, part) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                node.insert((*part).to_owned(), Value::Bool(true));
            } else {
                node = node
                    .entry((*part).to_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("override paths never end inside one another");
            }
        }
    }
    Value::Object(root)
}

/// The whole agent as `POST /v1/convai/agents/create` and `PATCH /v1/convai/agents/{id}` take it.
pub fn agent_definition(inputs: &AgentInputs, wiring: &AgentWiring<'_>) -> Value {
    let placeholders: BTreeMap<&str, Value> = DYNAMIC_VARIABLES
        .iter()
        .map(|v| (v.name, placeholder_value(v.default)))
        .collect();
    let transfer = if inputs.transfers.is_empty() {
        // null removes a transfer tool configured earlier (PATCH merges).
        Value::Null
    } else {
        json!({
            "type": "system",
            "name": "transfer_to_number",
            "description": "Transfer the caller to a person at the business when one of the conditions applies.",
            "params": {
                "system_tool_type": "transfer_to_number",
                "enable_client_message": true,
                "transfers": inputs.transfers.iter().map(|(phone, condition)| json!({
                    "transfer_destination": {"type": "phone", "phone_number": phone},
                    "condition": condition,
                    "transfer_type": "conference",
                })).collect::<Vec<_>>(),
            }
        })
    };
    let data_collection: Map<String, Value> = inputs
        .questions
        .iter()
        .map(|(key, question, format)| {
            (
                key.clone(),
                json!({
                    "type": "string",
                    "description": format!(
                        "The caller's answer to: \"{question}\" (expected format: {format}). Leave empty if not answered."
                    ),
                }),
            )
        })
        .collect();
    json!({
        "name": agent_name(inputs),
        "tags": ["studioconnect", format!("business:{}", inputs.business_id)],
        "conversation_config": {
            "agent": {
                "first_message": DEFAULT_FIRST_MESSAGE,
                "language": inputs.language,
                "dynamic_variables": {"dynamic_variable_placeholders": placeholders},
                "prompt": {
                    "prompt": default_prompt(),
                    "llm": inputs.llm,
                    "tool_ids": wiring.tool_ids,
                    "built_in_tools": {"transfer_to_number": transfer},
                },
            },
            "tts": {
                "voice_id": inputs.voice_id.as_deref().unwrap_or(wiring.default_voice_id),
                "model_id": tts_model_for(&inputs.language),
                "stability": inputs.voice.stability,
                "similarity_boost": inputs.voice.similarity_boost,
                "speed": inputs.voice.speed,
            },
        },
        "platform_settings": {
            "workspace_overrides": {
                "conversation_initiation_client_data_webhook": {
                    "url": format!("{}{INITIATION_PATH}", wiring.public_base_url),
                    "request_headers": {wiring.secret_header: {"secret_id": wiring.secret_id}},
                },
                "webhooks": {
                    "post_call_webhook_id": wiring.post_call_webhook_id,
                    "events": POST_CALL_EVENTS,
                },
            },
            "overrides": {
                "enable_conversation_initiation_client_data_from_webhook": true,
                "conversation_config_override": override_flags(),
            },
            "data_collection": data_collection,
            "evaluation": {
                "criteria": [{
                    "id": URGENT_CRITERION_ID,
                    "name": "Urgent matter",
                    "type": "prompt",
                    "conversation_goal_prompt": "Success if the caller described an urgent matter that needs the team's attention today (an emergency, an outage, a hard deadline within a day); failure otherwise.",
                }],
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elevenlabs::agents::DEFAULT_VOICE_ID;

    fn wiring() -> AgentWiring<'static> {
        AgentWiring {
            public_base_url: "https://api.studioconnect.example",
            secret_header: "x-studioconnect-secret",
            secret_id: "sec_1",
            post_call_webhook_id: "wh_123",
            default_voice_id: DEFAULT_VOICE_ID,
            tool_ids: &[],
        }
    }

    fn inputs(language: &str) -> AgentInputs {
        AgentInputs {
            business_id: BusinessId::new(uuid::Uuid::nil()),
            business_name: "Aurora Branding".into(),
            language: language.into(),
            llm: "claude-sonnet-4-5".into(),
            voice_id: None,
            voice: VoiceSettings::DEFAULT,
            agent_id: None,
            transfers: vec![("+14155550100".into(), "the caller asks for a person".into())],
            questions: vec![("email".into(), "What is your email?".into(), "email".into())],
            phone_numbers: vec![],
        }
    }

    #[test]
    fn the_prompt_and_placeholders_cover_every_dynamic_variable() {
        let body = agent_definition(&inputs("en"), &wiring());
        let placeholders = &body["conversation_config"]["agent"]["dynamic_variables"]["dynamic_variable_placeholders"];
        let prompt = body["conversation_config"]["agent"]["prompt"]["prompt"]
            .as_str()
            .unwrap();
        for v in DYNAMIC_VARIABLES {
            assert!(placeholders.get(v.name).is_some(), "{}", v.name);
            assert!(
                prompt.contains(&format!("{{{{{}}}}}", v.name)),
                "{}",
                v.name
            );
        }
        assert_eq!(
            placeholders.as_object().unwrap().len(),
            DYNAMIC_VARIABLES.len()
        );
    }

    #[test]
    fn the_agent_runs_on_the_configured_model() {
        let body = agent_definition(&inputs("en"), &wiring());
        assert_eq!(
            body["conversation_config"]["agent"]["prompt"]["llm"],
            "claude-sonnet-4-5"
        );
    }

    #[test]
    fn every_field_the_webhook_overrides_is_enabled() {
        let flags = override_flags();
        for path in OVERRIDDEN_FIELDS {
            let pointer = format!("/{}", path.replace('.', "/"));
            assert_eq!(flags.pointer(&pointer), Some(&Value::Bool(true)), "{path}");
        }
        assert_eq!(
            flags,
            json!({"agent": {"prompt": {"prompt": true}, "first_message": true, "language": true},
                   "tts": {"voice_id": true, "stability": true, "similarity_boost": true, "speed": true}})
        );
    }

    #[test]
    fn a_non_english_agent_gets_a_multilingual_model() {
        let es = agent_definition(&inputs("es"), &wiring());
        assert_eq!(
            es["conversation_config"]["tts"]["model_id"],
            "eleven_flash_v2_5"
        );
        let mut none = inputs("en");
        none.transfers.clear();
        let body = agent_definition(&none, &wiring());
        assert_eq!(
            body["conversation_config"]["agent"]["prompt"]["built_in_tools"]["transfer_to_number"],
            Value::Null
        );
    }
}
