//! What these tests share: the tenant, the faked vendors, the tool state and requests (real Postgres, the emulator).
#![allow(dead_code, unused_imports)]

pub use std::collections::HashMap;

pub use chrono::{DateTime, TimeZone, Utc};
pub use elevenlabs_tools::session::SessionStore;
pub use elevenlabs_tools::{Notifier, ToolState, handle};
pub use http::Method;
pub use lambda_http::{Body, Request, RequestExt};
pub use serde_json::{Value, json};
pub use shared::db::Database;
pub use shared::elevenlabs::initiation::{DEFAULT_SECRET_HEADER, SecretHeader};
pub use shared::http_client::{HttpClient, HttpPolicy};
pub use shared::idempotency::IdempotencyStore;
pub use shared::sendgrid::{Address, SendGrid};
pub use shared::twilio::Twilio;
pub use sqlx::PgPool;
pub use wiremock::matchers::{method, path};
pub use wiremock::{Mock, MockServer, ResponseTemplate};

pub const SECRET: &str = "tool-secret-for-tests";
pub const AURORA: &str = "+14155552600";
pub const BOREALIS: &str = "+12125550100";
pub const DANA: &str = "+14155552671";
pub const NEW_CALLER: &str = "+14155550123";

/// Tuesday 2026-11-24, 10:00 in Los Angeles: Aurora is open.
pub fn open_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap()
}
/// Tuesday 19:00 in Los Angeles: closed until tomorrow 9:00.
pub fn evening() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
}
/// Thanksgiving, 10:00 in Los Angeles: a holiday closure.
pub fn thanksgiving() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap()
}

pub async fn seed(pool: &PgPool) {
    shared::testing::seed_tenant(pool).await;
    sqlx::raw_sql(include_str!("../fixtures/call_tools.sql"))
        .execute(pool)
        .await
        .unwrap();
}

pub fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the tests with ./infra/local/test"))
}

pub async fn vendors() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202).insert_header("x-message-id", "sg-1"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2010-04-01/Accounts/ACtest/Messages.json"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "SM0123", "status": "queued", "body": "x"})),
        )
        .mount(&server)
        .await;
    server
}

pub async fn state(pool: &PgPool, vendors: &MockServer, now: fn() -> DateTime<Utc>) -> ToolState {
    let aws = shared::testing::aws().await;
    let policy = HttpPolicy {
        max_retries: 0,
        ..HttpPolicy::default()
    };
    ToolState {
        db: Database::from_pool(pool.clone()),
        secret: SecretHeader {
            name: http::HeaderName::from_static(DEFAULT_SECRET_HEADER),
            value: SECRET.to_owned().into(),
        },
        sessions: SessionStore::new(aws.dynamodb.clone(), env("CALL_SESSION_TABLE")),
        notifier: Notifier {
            sendgrid: SendGrid::new(
                HttpClient::new("sendgrid", policy.clone()).unwrap(),
                &vendors.uri(),
                "SG.test".to_owned().into(),
                Address {
                    email: "calls@studioconnect.example".into(),
                    name: None,
                },
            ),
            twilio: Some(Twilio::new(
                HttpClient::new("twilio", policy).unwrap(),
                &vendors.uri(),
                "ACtest".into(),
                "twilio-token".to_owned().into(),
            )),
            idempotency: IdempotencyStore::new(
                aws.dynamodb.clone(),
                env("IDEMPOTENCY_TABLE"),
                std::time::Duration::from_secs(3600),
                std::time::Duration::from_secs(30),
            ),
            dashboard_url: "https://app.studioconnect.example".into(),
        },
        knowledge: elevenlabs_tools::KnowledgeSearch {
            embedder: std::sync::Arc::new(shared::knowledge::embedder::LexicalEmbedder),
            cut: shared::testing::knowledge::CUT,
        },
        now,
    }
}

pub fn conversation() -> String {
    format!("conv_{}", uuid::Uuid::new_v4().simple())
}

pub fn request(tool: &str, body: &str, secret: Option<&str>) -> Request {
    let mut req = Request::new(Body::Text(body.to_owned()))
        .with_path_parameters(HashMap::from([("tool".to_owned(), tool.to_owned())]));
    *req.method_mut() = Method::POST;
    if let Some(s) = secret {
        req.headers_mut()
            .insert(DEFAULT_SECRET_HEADER, s.parse().unwrap());
    }
    req
}

/// Calls a tool as ElevenLabs would for a call from `caller` to `called`.
pub async fn tool(
    state: &ToolState,
    name: &str,
    conversation_id: &str,
    caller: &str,
    called: &str,
    fields: Value,
) -> (u16, Value) {
    let mut body =
        json!({"conversation_id": conversation_id, "caller_id": caller, "called_number": called});
    if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
        b.extend(f.clone());
    }
    let resp = handle(state, request(name, &body.to_string(), Some(SECRET))).await;
    let status = resp.status().as_u16();
    let body: Value = match resp.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        other => panic!("unexpected body {other:?}"),
    };
    (status, body)
}

pub async fn texts(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/Messages.json"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

pub async fn emails(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v3/mail/send")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}
