//! `fake-vendors`: the third-party HTTP APIs the local run talks to instead of the real vendors
//! (this machine, and a developer's, may have no credentials or network). It answers with the
//! vendors' documented shapes and keeps what it was sent, for a look:
//! - OpenAI `POST /v1/chat/completions`: a completion quoting the start of the transcript;
//! - OpenAI `POST /v1/embeddings`: the deterministic lexical embedding of each input at the
//!   requested `dimensions` (`domain::knowledge::lexical`: neighbours by shared words);
//! - SendGrid `POST /v3/mail/send`: 202 + `X-Message-Id`; `GET /_fake/sendgrid/messages` lists them;
//! - ElevenLabs `GET /v1/convai/conversations[/{id}]`: conversations added with
//!   `POST /_fake/elevenlabs/conversations` (a conversation body), for the reconciliation.
//! - ElevenLabs `GET /v2/voices`: a few premade voices, in pages of `page_size`;
//! - ElevenLabs' agents, secrets, tools and phone-numbers API (what the agent manager calls): kept
//!   in memory, `GET /_fake/elevenlabs/agents` shows the agents as configured.
//! - Twilio `POST /2010-04-01/Accounts/{sid}/Messages.json` (form body): 201 + a message resource;
//!   `GET /_fake/twilio/messages` lists the texts "sent".
//! - Jira Cloud under /_fake/jira (`local_gateway::fake_jira`): the OAuth consent (approved at once),
//!   token and accessible-resources endpoints, and a generated site of 3 projects x 12 issues.
//! - Faults on demand and a journal of what was sent (`local_gateway::fake_faults`).
//! Address: FAKE_VENDORS_ADDR (127.0.0.1:54322).

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

#[derive(Default)]
struct Recorded {
    emails: Vec<Value>,
    texts: Vec<Value>,
    conversations: Vec<Value>,
    /// Workspace objects by kind ("agents", "secrets", "tools", "phone-numbers"): (id, body).
    workspace: std::collections::BTreeMap<String, Vec<(String, Value)>>,
}

type Shared = Arc<Mutex<Recorded>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    let addr = std::env::var("FAKE_VENDORS_ADDR").unwrap_or_else(|_| "127.0.0.1:54322".into());
    let jira = local_gateway::fake_jira::router(local_gateway::fake_jira::FakeJira {
        projects: 3,
        issues_per_project: 12,
        page_size: 5,
    });
    let app = Router::new()
        .route("/v1/chat/completions", post(chat_completion))
        .route("/v1/embeddings", post(embeddings))
        .route("/v3/mail/send", post(mail_send))
        .route("/_fake/sendgrid/messages", get(sent_emails))
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            post(send_text),
        )
        .route("/_fake/twilio/messages", get(sent_texts))
        .route("/v1/convai/conversations", get(list_conversations))
        .route("/v1/convai/conversations/{id}", get(get_conversation))
        .route("/_fake/elevenlabs/conversations", post(add_conversation))
        .route("/_fake/elevenlabs/agents", get(fake_agents))
        .route("/v1/convai/agents/create", post(create_agent))
        .route("/v1/convai/agents", get(list_agents))
        .route("/v2/voices", get(list_voices))
        .route(
            "/v1/convai/{kind}",
            get(list_workspace).post(create_in_workspace),
        )
        .route(
            "/v1/convai/{kind}/{id}",
            axum::routing::patch(patch_in_workspace),
        )
        .with_state(Shared::default())
        .nest("/_fake/jira", jira);
    let app = local_gateway::fake_faults::wrap(app);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(%addr, "fake vendors listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn chat_completion(Json(request): Json<Value>) -> Json<Value> {
    let input = request["messages"][1]["content"]
        .as_str()
        .unwrap_or_default();
    let first_line: String = input
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(160)
        .collect();
    Json(json!({
        "id": format!("chatcmpl-local{}", uuid::Uuid::new_v4().simple()),
        "object": "chat.completion",
        "created": chrono::Utc::now().timestamp(),
        "model": request["model"],
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": format!("(local summary) {first_line}"), "refusal": null},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": input.len() / 4, "completion_tokens": 20, "total_tokens": input.len() / 4 + 20}
    }))
}

/// OpenAI's embeddings shape (`input` a string or a list of strings, `dimensions` optional).
async fn embeddings(Json(request): Json<Value>) -> impl IntoResponse {
    let inputs: Vec<String> = match &request["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap_or_default().to_owned())
            .collect(),
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(
                    json!({"error": {"message": "'input' is required", "type": "invalid_request_error", "param": "input", "code": null}}),
                ),
            );
        }
    };
    let dimensions = request["dimensions"].as_u64().unwrap_or(1536) as usize;
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            json!({
                "object": "embedding",
                "index": index,
                "embedding": shared::domain::knowledge::lexical::lexical_embedding(text, dimensions),
            })
        })
        .collect();
    let tokens: usize = inputs.iter().map(|i| i.len() / 4).sum();
    (
        StatusCode::OK,
        Json(json!({
            "object": "list",
            "data": data,
            "model": request["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}
        })),
    )
}

async fn mail_send(
    State(state): State<Shared>,
    headers: axum::http::HeaderMap,
    Json(email): Json<Value>,
) -> impl IntoResponse {
    tracing::info!(
        to = %email["personalizations"][0]["to"][0]["email"],
        subject = %email["subject"],
        "email accepted (not delivered: local fake)"
    );
    local_gateway::fake_faults::journal("email", &email, &headers);
    state.lock().unwrap().emails.push(email);
    (
        StatusCode::ACCEPTED,
        [(
            "x-message-id",
            format!("local{}", uuid::Uuid::new_v4().simple()),
        )],
    )
}

async fn sent_emails(State(state): State<Shared>) -> Json<Value> {
    Json(Value::Array(state.lock().unwrap().emails.clone()))
}

/// Twilio's message resource as `POST .../Messages.json` answers it (201).
async fn send_text(
    State(state): State<Shared>,
    Path(account): Path<String>,
    headers: axum::http::HeaderMap,
    axum::extract::Form(form): axum::extract::Form<std::collections::HashMap<String, String>>,
) -> impl IntoResponse {
    let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
    let message = json!({
        "sid": sid, "account_sid": account, "to": form.get("To"), "from": form.get("From"),
        "body": form.get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api",
        "api_version": "2010-04-01", "price": null, "error_code": null, "error_message": null,
        "uri": format!("/2010-04-01/Accounts/{account}/Messages/{sid}.json"),
    });
    tracing::info!(to = ?form.get("To"), "text accepted (not delivered: local fake)");
    // What was asked for, not the resource (its sid is new each time): a repeat shows as one.
    let asked = json!({"to": form.get("To"), "from": form.get("From"), "body": form.get("Body")});
    local_gateway::fake_faults::journal("sms", &asked, &headers);
    state.lock().unwrap().texts.push(message.clone());
    (StatusCode::CREATED, Json(message))
}

async fn sent_texts(State(state): State<Shared>) -> Json<Value> {
    Json(Value::Array(state.lock().unwrap().texts.clone()))
}

async fn add_conversation(
    State(state): State<Shared>,
    Json(conversation): Json<Value>,
) -> StatusCode {
    state.lock().unwrap().conversations.push(conversation);
    StatusCode::CREATED
}

async fn list_conversations(State(state): State<Shared>) -> Json<Value> {
    let rows: Vec<Value> = state
        .lock()
        .unwrap()
        .conversations
        .iter()
        .map(|c| {
            json!({
                "agent_id": c["agent_id"],
                "conversation_id": c["conversation_id"],
                "start_time_unix_secs": c["metadata"]["start_time_unix_secs"],
                "call_duration_secs": c["metadata"]["call_duration_secs"],
                "message_count": c["transcript"].as_array().map(Vec::len).unwrap_or(0),
                "status": c["status"],
                "call_successful": c["analysis"]["call_successful"],
            })
        })
        .collect();
    Json(json!({"conversations": rows, "has_more": false, "next_cursor": null}))
}

async fn get_conversation(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> axum::response::Response {
    let found = state
        .lock()
        .unwrap()
        .conversations
        .iter()
        .find(|c| c["conversation_id"] == id.as_str())
        .cloned();
    match found {
        Some(c) => Json(c).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"detail": {"status": "conversation_not_found", "message": format!("Conversation {id} not found")}})),
        )
            .into_response(),
    }
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

async fn create_agent(State(state): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let id = new_id("agent");
    let mut s = state.lock().unwrap();
    s.workspace
        .entry("agents".into())
        .or_default()
        .push((id.clone(), body));
    Json(json!({"agent_id": id}))
}

/// ElevenLabs' voice library (`GET /v2/voices`): premade voices with their labels and preview
/// URLs (on ElevenLabs' storage, so not playable offline), paged by `next_page_token`.
async fn list_voices(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    const VOICES: &[(&str, &str, &str, &str, &str)] = &[
        (
            "21m00Tcm4TlvDq8ikWAM",
            "Rachel",
            "american",
            "female",
            "calm",
        ),
        (
            "EXAVITQu4vr4xnSDxMaL",
            "Sarah",
            "american",
            "female",
            "soft",
        ),
        (
            "ErXwobaYiN019PkySvjV",
            "Antoni",
            "american",
            "male",
            "well-rounded",
        ),
        ("JBFqnCBsd6RMkjVDRZzb", "George", "british", "male", "warm"),
        (
            "XB0fDUnXU5powFXDhCwa",
            "Charlotte",
            "swedish",
            "female",
            "seductive",
        ),
        ("pNInz6obpgDQGcFmaJgB", "Adam", "american", "male", "deep"),
        (
            "onwK4e9ZLuTAKqWW03F9",
            "Daniel",
            "british",
            "male",
            "authoritative",
        ),
    ];
    let size: usize = q
        .get("page_size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let start: usize = q
        .get("next_page_token")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = VOICES
        .iter()
        .skip(start)
        .take(size)
        .map(|(id, name, accent, gender, description)| {
            json!({
                "voice_id": id,
                "name": name,
                "category": "premade",
                "labels": {"accent": accent, "gender": gender, "description": description, "use_case": "conversational"},
                "description": null,
                "preview_url": format!("https://storage.googleapis.com/eleven-public-prod/premade/voices/{id}/preview.mp3"),
                "available_for_tiers": [],
                "settings": null,
            })
        })
        .collect();
    let next = start + page.len();
    let more = next < VOICES.len();
    Json(json!({
        "voices": page,
        "has_more": more,
        "total_count": VOICES.len(),
        "next_page_token": if more { Value::String(next.to_string()) } else { Value::Null },
    }))
}

async fn list_agents(State(state): State<Shared>) -> Json<Value> {
    let s = state.lock().unwrap();
    let agents: Vec<Value> = s
        .workspace
        .get("agents")
        .map(|a| {
            a.iter()
                .map(|(id, b)| json!({"agent_id": id, "name": b["name"], "tags": b["tags"]}))
                .collect()
        })
        .unwrap_or_default();
    Json(json!({"agents": agents, "has_more": false}))
}

async fn fake_agents(State(state): State<Shared>) -> Json<Value> {
    let s = state.lock().unwrap();
    let agents: Vec<Value> = s
        .workspace
        .get("agents")
        .map(|a| {
            a.iter()
                .map(|(id, b)| json!({"agent_id": id, "config": b}))
                .collect()
        })
        .unwrap_or_default();
    Json(json!(agents))
}

async fn list_workspace(
    State(state): State<Shared>,
    Path(kind): Path<String>,
) -> axum::response::Response {
    let s = state.lock().unwrap();
    let items = s.workspace.get(&kind).cloned().unwrap_or_default();
    match kind.as_str() {
        "secrets" => Json(json!({"secrets": items.iter().map(|(id, b)| json!({"type": "stored", "secret_id": id, "name": b["name"]})).collect::<Vec<_>>()})).into_response(),
        "phone-numbers" => Json(json!(items.iter().map(|(id, b)| json!({"phone_number_id": id, "phone_number": b["phone_number"], "provider": "twilio", "label": b["label"], "assigned_agent": b.get("agent_id").filter(|a| !a.is_null()).map(|a| json!({"agent_id": a}))})).collect::<Vec<_>>())).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn create_in_workspace(
    State(state): State<Shared>,
    Path(kind): Path<String>,
    Json(body): Json<Value>,
) -> axum::response::Response {
    let (prefix, id_field) = match kind.as_str() {
        "secrets" => ("secret", "secret_id"),
        "phone-numbers" => ("phnum", "phone_number_id"),
        "tools" => ("tool", "id"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let id = new_id(prefix);
    let mut s = state.lock().unwrap();
    s.workspace
        .entry(kind)
        .or_default()
        .push((id.clone(), body));
    Json(json!({id_field: id})).into_response()
}

async fn patch_in_workspace(
    State(state): State<Shared>,
    Path((kind, id)): Path<(String, String)>,
    Json(patch): Json<Value>,
) -> axum::response::Response {
    let mut s = state.lock().unwrap();
    let Some(item) = s
        .workspace
        .get_mut(&kind)
        .and_then(|items| items.iter_mut().find(|(i, _)| *i == id))
    else {
        return (StatusCode::NOT_FOUND, Json(json!({"detail": {"status": "not_found", "message": format!("{kind} {id} not found")}}))).into_response();
    };
    if let (Some(target), Some(changes)) = (item.1.as_object_mut(), patch.as_object()) {
        for (k, v) in changes {
            target.insert(k.clone(), v.clone());
        }
    }
    Json(json!({"id": id})).into_response()
}
