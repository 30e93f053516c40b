//! What the agent manager's tests share: the tenant, the manager against an HTTP fake of
//! ElevenLabs' API (documented shapes), and the requests it received.
#![allow(dead_code, unused_imports)]

pub use std::time::Duration;

pub use chrono::Utc;
pub use http::Method;
pub use lambda_http::{Body, Request, RequestExt};
pub use secrecy::SecretString;
pub use serde_json::{Value, json};
pub use shared::admin::AdminState;
pub use shared::admin::auth::{DEFAULT_TOKEN_TTL, Principal, TokenKeys};
pub use shared::agent_manager::{AgentManager, ManagerSettings, SyncError};
pub use shared::db::Database;
pub use shared::domain::catalog::Role;
pub use shared::elevenlabs::agent_body::WebhookTool;
pub use shared::elevenlabs::api::ElevenLabsApi;
pub use shared::elevenlabs::initiation::OVERRIDDEN_FIELDS;
pub use shared::http_client::{HttpClient, HttpPolicy};
pub use shared::personalization::DYNAMIC_VARIABLES;
pub use sqlx::PgPool;
pub use wiremock::matchers::{body_partial_json, method, path, query_param};
pub use wiremock::{Mock, MockServer, ResponseTemplate};

pub const A: &str = "a0000000-0000-4000-8000-000000000001";

pub fn policy() -> HttpPolicy {
    HttpPolicy {
        max_retries: 1,
        min_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..HttpPolicy::default()
    }
}

pub async fn setup(pool: &PgPool) {
    sqlx::raw_sql(include_str!(
        "../../../../shared/fixtures/elevenlabs/tenant.sql"
    ))
    .execute(pool)
    .await
    .unwrap();
    // Our fixture's agent id was never created in this fake workspace: start from none.
    sqlx::raw_sql(
        "UPDATE agent_configs SET elevenlabs_agent_id = NULL, voice_id = 'EXAVITQu4vr4xnSDxMaL';
         INSERT INTO business_transfer_numbers (business_id, position, phone_e164, label, condition) VALUES
           ('a0000000-0000-4000-8000-000000000001', 0, '+14155550100', 'Jo', 'the caller asks for a person'),
           ('a0000000-0000-4000-8000-000000000001', 1, '+14155550101', 'On call', 'the matter is urgent');",
    )
    .execute(pool)
    .await
    .unwrap();
}

pub fn manager(pool: &PgPool, server: &MockServer, tools: Vec<WebhookTool>) -> AgentManager {
    AgentManager {
        db: Database::from_pool(pool.clone()),
        api: ElevenLabsApi::new(
            HttpClient::new("elevenlabs", policy()).unwrap(),
            &server.uri(),
            SecretString::from("xi-test"),
        ),
        settings: ManagerSettings {
            public_base_url: Some("https://api.studioconnect.example".into()),
            secret_header: "x-studioconnect-secret".into(),
            post_call_webhook_id: Some("wh_postcall_1".into()),
            twilio_account_sid: Some("AC0123456789".into()),
            default_voice_id: "21m00Tcm4TlvDq8ikWAM".into(),
        },
        tool_secret: SecretString::from("initiation-secret-value"),
        twilio_auth_token: SecretString::from("twilio-token"),
        tools: Box::new(move |_| tools.clone()),
    }
}

/// ElevenLabs' answers for an empty workspace.
pub async fn empty_workspace(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/convai/secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"secrets": []})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/convai/secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"type": "stored", "secret_id": "sec_init_1", "name": "studioconnect-initiation-secret"}),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/agents"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"agents": [], "next_cursor": null, "has_more": false})),
        )
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/convai/agents/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"agent_id": "agent_new_1"})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/convai/phone-numbers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/convai/phone-numbers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"phone_number_id": "pn_1"})))
        .mount(server)
        .await;
}

/// ElevenLabs' answers to a second sync: the created agent updated in place, its number `pn_1`
/// patched (whatever the body; tests read what was sent).
pub async fn agent_updates(server: &MockServer) {
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/agents/agent_new_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"agent_id": "agent_new_1"})))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/convai/phone-numbers/pn_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"phone_number_id": "pn_1"})))
        .mount(server)
        .await;
}

/// What `GET /v1/convai/phone-numbers` lists from now on (over `empty_workspace`'s empty list).
pub async fn workspace_numbers(server: &MockServer, numbers: Value) {
    Mock::given(method("GET"))
        .and(path("/v1/convai/phone-numbers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(numbers))
        .with_priority(1)
        .mount(server)
        .await;
}

pub async fn requests(server: &MockServer, verb: &str, p: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}
