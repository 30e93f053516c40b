//! What each mid-call tool is, defined once: its description for the model and the body fields it
//! takes (ElevenLabs' `tool_config` JSON itself is written by `elevenlabs::agent_body`). The agent
//! manager registers them in the workspace (`POST/PATCH /v1/convai/tools`) and attaches their ids
//! to every agent.
//! The call's identity comes from `system__*` dynamic variables, never from the language model;
//! only the fields the caller actually provides are described for it to fill.

use serde_json::Value;

use super::Tool;
use crate::elevenlabs::agent_body::{BodyField, WebhookTool, WebhookToolSpec, webhook_tool_config};

/// Where and how the tools are called.
pub struct ToolEndpoint<'a> {
    /// The deployment's public base URL, e.g. `https://api.studioconnect.example`.
    pub base_url: &'a str,
    pub secret_header: &'a str,
    /// The workspace secret holding the header's value.
    pub secret_id: &'a str,
}

/// How long ElevenLabs waits for a tool (its default is 20 s; ours answer in milliseconds, and
/// a hung tool should not leave the caller in silence that long).
pub const RESPONSE_TIMEOUT_SECS: u64 = 10;

/// The body fields every tool gets from the call itself.
const SYSTEM_FIELDS: &[(&str, &str)] = &[
    ("conversation_id", "system__conversation_id"),
    ("caller_id", "system__caller_id"),
    ("called_number", "system__called_number"),
];

/// A field the language model fills: (name, description, required).
type Described = (&'static str, &'static str, bool);

fn spec(tool: Tool) -> (&'static str, &'static [Described]) {
    match tool {
        Tool::QualificationNext => (
            "Runs the new-caller questions one at a time. Call it with no answer to get the first \
question; after the caller replies, call it again with their reply. Say the returned `say` text. \
If `status` is `ask` with a `reason`, the answer did not fit: ask again as told. If `status` is \
`confirm`, it is reading back what it recorded (an email address or phone number): say it, then \
call again with the caller's reply, whether a yes, a no or a correction. `recorded` is the value \
it stored; never tell the caller a value in any other form. When `status` is `complete`, stop \
asking questions. If `escalate` is true, call escalate_to_team with the reason.",
            &[(
                "answer",
                "Exactly what the caller said in reply, word for word as you heard it: do not \
rephrase, complete, correct or format it (send \"sam at rivera studio dot com\", not an address; \
\"about eight grand\", not 8000; \"next Monday\", not a date). The tool reads it. Leave it out on \
the first call.",
                false,
            )],
        ),
        Tool::GetProjectStatus => (
            "Looks up the status of the caller's own projects and their open tasks. Use it when a \
known client asks how their work is going. Say the returned `say` text; details are in `projects`. \
It never reveals anything to callers who are not known clients, and if `verification_required` is \
true, verify the caller with verify_caller first.",
            &[],
        ),
        Tool::EscalateToTeam => (
            "Flags the call as urgent and alerts the team immediately. Use it when the caller has an \
emergency or an urgent matter (an outage, a hard deadline today) or when qualification_next says \
escalate. It returns whether a live transfer is available: if `next_step` is `transfer`, use \
transfer_to_number; otherwise take a message with take_message.",
            &[
                (
                    "reason",
                    "Why the matter is urgent, in one short sentence.",
                    true,
                ),
                ("caller_name", "The caller's name if they gave it.", false),
            ],
        ),
        Tool::TakeMessage => (
            "Records a message for the team (for example after hours or when no one can take a \
transfer) and emails it to them. Confirm the details with the caller first.",
            &[
                (
                    "message",
                    "What the caller wants the team to know, in a sentence or two.",
                    true,
                ),
                ("caller_name", "The caller's name.", false),
                (
                    "callback_number",
                    "The best number to call back, if different from the number they are calling from.",
                    false,
                ),
                (
                    "preferred_time",
                    "When the caller prefers to be called back, as they said it.",
                    false,
                ),
            ],
        ),
        Tool::VerifyCaller => (
            "Confirms that a caller recognised by their number is really that client (caller ID can \
be faked). Call it with nothing to send them a 6-digit code by text or email; then call it again with \
the `code` they read back, or with the `pin` they give if they set one. Say the returned `say` text. \
Only when `verified` is true may you share their projects or account details.",
            &[
                (
                    "code",
                    "The code the caller read back, digits only. Leave it out to send a code.",
                    false,
                ),
                (
                    "pin",
                    "The PIN the caller gave, digits only, if they say they have one.",
                    false,
                ),
            ],
        ),
        Tool::SearchKnowledgeBase => (
            "Searches the business's knowledge base (its prices, services, policies, directions, \
turnaround times and the like) for what the caller asked. Use it whenever the caller asks a factual \
question about the business that the frequently asked questions in your instructions do not answer. \
If `found` is true, answer from `passages` only, in your own words and briefly (`say` is the most \
relevant sentence). If `found` is false, say that you don't have that information and offer to take \
a message: never guess or make up an answer.",
            &[(
                "query",
                "The caller's question, as a short standalone question with its subject (\"how much \
is a logo design\", not \"how much is it\").",
                true,
            )],
        ),
        Tool::CheckBusinessHours => (
            "Tells whether the office is open right now and when it next opens or closes. Use it \
whenever the caller asks about opening hours or when someone can call them back.",
            &[],
        ),
    }
}

/// One tool's `tool_config`: what it does, and which body fields the call fills and the model
/// fills; `elevenlabs::agent_body::webhook_tool_config` writes ElevenLabs' JSON.
pub fn tool_config(tool: Tool, endpoint: &ToolEndpoint<'_>) -> Value {
    let (description, described) = spec(tool);
    let url = format!(
        "{}{}",
        endpoint.base_url.trim_end_matches('/'),
        super::TOOLS_PATH.replace("{tool}", tool.name())
    );
    webhook_tool_config(&WebhookToolSpec {
        name: tool.name(),
        description,
        url: &url,
        secret_header: endpoint.secret_header,
        secret_id: endpoint.secret_id,
        response_timeout_secs: RESPONSE_TIMEOUT_SECS,
        from_call: SYSTEM_FIELDS,
        required_from_call: &["conversation_id"],
        described: described
            .iter()
            .map(|&(name, text, required)| BodyField {
                name,
                description: text,
                required,
            })
            .collect(),
    })
}

/// Every tool, as the agent manager registers them.
pub fn webhook_tools(endpoint: &ToolEndpoint<'_>) -> Vec<WebhookTool> {
    Tool::ALL
        .iter()
        .map(|&tool| WebhookTool {
            name: tool.name().to_owned(),
            tool_config: tool_config(tool, endpoint),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn endpoint() -> ToolEndpoint<'static> {
        ToolEndpoint {
            base_url: "https://api.example/",
            secret_header: "x-studioconnect-secret",
            secret_id: "sec_1",
        }
    }

    #[test]
    fn every_tool_is_a_secret_headed_post_identified_by_system_variables() {
        let tools = webhook_tools(&endpoint());
        assert_eq!(tools.len(), Tool::ALL.len());
        for t in &tools {
            let c = &t.tool_config;
            assert_eq!(c["type"], "webhook");
            assert_eq!(c["name"], t.name.as_str());
            let api = &c["api_schema"];
            assert_eq!(api["method"], "POST");
            assert_eq!(
                api["url"],
                format!("https://api.example/api/voice/tools/{}", t.name)
            );
            assert_eq!(
                api["request_headers"]["x-studioconnect-secret"]["secret_id"],
                "sec_1"
            );
            let props = api["request_body_schema"]["properties"]
                .as_object()
                .unwrap();
            for (field, variable) in SYSTEM_FIELDS {
                assert_eq!(props[*field]["dynamic_variable"], *variable);
                assert!(props[*field].get("description").is_none());
            }
            // Every other field is described for the model, and only described (one source each).
            for (name, p) in props {
                if !SYSTEM_FIELDS.iter().any(|(f, _)| f == name) {
                    assert!(p["description"].as_str().is_some_and(|d| !d.is_empty()));
                    assert!(p.get("dynamic_variable").is_none());
                }
            }
        }
        let escalate = &tools[2].tool_config["api_schema"]["request_body_schema"];
        assert_eq!(escalate["required"], json!(["conversation_id", "reason"]));
    }
}
