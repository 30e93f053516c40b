//! What the PM integration tests share (shared's and the PM functions'): the tenant, providers
//! pointed at one wiremock server, a private SQS queue per test on the emulator, stored
//! integrations, signed tokens and webhook requests.

use std::collections::HashMap;
use std::time::Duration;

use crate::db::Database;
use crate::http_client::{HttpClient, HttpPolicy};
use crate::idempotency::IdempotencyStore;
use crate::jobs::JobQueue;
use crate::pm::crypto::TokenCipher;
use crate::pm::oauth::{StateStore, TokenGrant};
use crate::pm::sync::PmJob;
use crate::pm::{PmProviders, Provider, PublicUrls, Tenant, asana, jira, monday};
use chrono::{DateTime, Utc};
use http::Method;
use lambda_http::{Body, Request, RequestExt};
use secrecy::SecretString;
use serde_json::Value;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{body_string_contains, method, path, query_param, query_param_contains};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::admin::AdminState;
use crate::admin::auth::{DEFAULT_TOKEN_TTL, Principal, TokenKeys};
use crate::admin::integrations::PmAdmin;
use crate::domain::catalog::Role;

pub const AURORA: &str = "a0000000-0000-4000-8000-000000000001";
pub const DANA_CLIENT: &str = "c0000000-0000-4000-8000-000000000001";
pub const CLOUD: &str = "11223344-a1b2-3b33-c444-def123456789";
pub const SITE: &str = "https://aurora-studio.atlassian.net";
pub const ASANA_WORKSPACE: &str = "1200000000000001";
pub const MONDAY_ACCOUNT: &str = "9876543";
pub const JIRA_SECRET: &str = "jira-client-secret-for-tests";
pub const MONDAY_SIGNING: &str = "monday-signing-secret-for-tests";
pub const DASHBOARD: &str = "https://app.studioconnect.example/integrations";

pub fn aurora() -> Uuid {
    AURORA.parse().unwrap()
}

pub fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the tests with ./infra/local/test"))
}

pub async fn seed(pool: &PgPool) {
    sqlx::raw_sql(include_str!("../../fixtures/elevenlabs/tenant.sql"))
        .execute(pool)
        .await
        .unwrap();
    // The users `owner_token` and `platform_admin_token` stand for (every request checks them).
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, business_id) VALUES
           ($1::uuid, 'owner@aurora.example', '', 'business_owner', 'a0000000-0000-4000-8000-000000000001'),
           ($2::uuid, 'admin@studioconnect.example', '', 'platform_admin', NULL)",
    )
    .bind(OWNER_USER)
    .bind(PLATFORM_ADMIN_USER)
    .execute(pool)
    .await
    .unwrap();
}

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/pm/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap()
}

pub fn cipher() -> TokenCipher {
    TokenCipher::new("test-key-1", &[42u8; 32]).unwrap()
}

/// Short waits so retries and Retry-After cost the suite little.
pub fn policy() -> HttpPolicy {
    HttpPolicy {
        max_retries: 2,
        min_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        ..HttpPolicy::default()
    }
}

/// All three providers, every vendor URL at the fake.
pub fn providers(server: &MockServer) -> PmProviders {
    let uri = server.uri();
    let urls = PublicUrls {
        api_base: "https://hooks.studioconnect.example".into(),
        browser_base: "https://app.studioconnect.example".into(),
    };
    PmProviders::new(vec![
        std::sync::Arc::new(jira::Jira::new(
            jira::JiraEndpoints {
                auth: uri.clone(),
                api: uri.clone(),
            },
            "jira-client".into(),
            SecretString::from(JIRA_SECRET),
            urls.clone(),
            HttpClient::new("jira", policy()).unwrap(),
        )),
        std::sync::Arc::new(asana::Asana::new(
            uri.clone(),
            "asana-client".into(),
            SecretString::from("asana-client-secret"),
            urls.clone(),
            HttpClient::new("asana", policy()).unwrap(),
        )),
        std::sync::Arc::new(monday::Monday::new(
            monday::MondayEndpoints {
                auth: uri.clone(),
                api: format!("{uri}/v2"),
            },
            "monday-client".into(),
            SecretString::from("monday-client-secret"),
            urls,
            HttpClient::new("monday", policy()).unwrap(),
        )),
    ])
}

pub async fn aws() -> crate::aws::AwsClients {
    super::aws().await
}

/// A queue of this test's own on the emulator.
pub async fn queue() -> (JobQueue<PmJob>, aws_sdk_sqs::Client, String) {
    let sqs = aws().await.sqs;
    let url = sqs
        .create_queue()
        .queue_name(format!("pm-test-{}", Uuid::new_v4().simple()))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (JobQueue::new(sqs.clone(), &url), sqs, url)
}

/// Every job waiting on the queue, removed.
pub async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<PmJob> {
    crate::testing::drain_queue(sqs, url)
        .await
        .iter()
        .map(|body| crate::jobs::decode_body("test", body).expect("a pm-sync job"))
        .collect()
}

pub fn tenant(provider: Provider) -> Tenant {
    match provider {
        Provider::Jira => Tenant {
            external_id: CLOUD.into(),
            name: Some("aurora-studio".into()),
            site_url: Some(SITE.into()),
        },
        Provider::Asana => Tenant {
            external_id: ASANA_WORKSPACE.into(),
            name: Some("Aurora Studio".into()),
            site_url: None,
        },
        Provider::Monday => Tenant {
            external_id: MONDAY_ACCOUNT.into(),
            name: Some("Aurora Studio".into()),
            site_url: None,
        },
    }
}

/// A stored connection for Aurora.
pub async fn connected(
    pool: &PgPool,
    provider: Provider,
    access: &str,
    refresh: &str,
    expires_at: DateTime<Utc>,
) -> Uuid {
    crate::pm::store::save_connection(
        pool,
        &cipher(),
        aurora(),
        provider,
        &tenant(provider),
        &TokenGrant {
            access_token: SecretString::from(access.to_owned()),
            refresh_token: Some(SecretString::from(refresh.to_owned())),
            expires_at: Some(expires_at),
            scopes: vec!["read".into()],
        },
        uuid::Uuid::nil(),
    )
    .await
    .unwrap()
}

/// The webhook receivers' queue: this test's `queue`, deduplicated in the emulator's
/// idempotency table (short lifetimes).
pub async fn delivery_queue(queue: JobQueue<PmJob>) -> crate::pm::deliveries::DeliveryQueue {
    crate::pm::deliveries::DeliveryQueue {
        queue,
        deliveries: IdempotencyStore::new(
            aws().await.dynamodb,
            env("IDEMPOTENCY_TABLE"),
            Duration::from_secs(3600),
            Duration::from_secs(30),
        ),
    }
}

/// The emulator's OAuth-state table.
pub async fn oauth_states() -> StateStore {
    StateStore::new(aws().await.dynamodb, env("OAUTH_STATE_TABLE"))
}

/// An HS256 JWT with these claims.
pub fn jwt(secret: &str, claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub fn in_an_hour() -> i64 {
    Utc::now().timestamp() + 3600
}

/// A webhook delivery: POST with these path and query parameters, headers and raw body.
pub fn post(
    params: &[(&str, &str)],
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: &[u8],
) -> lambda_http::Request {
    use lambda_http::RequestExt;
    let mut req = lambda_http::Request::new(lambda_http::Body::Binary(body.to_vec()))
        .with_path_parameters(
            params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::HashMap<_, _>>(),
        )
        .with_query_string_parameters(
            query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::HashMap<_, _>>(),
        );
    *req.method_mut() = http::Method::POST;
    for (k, v) in headers {
        req.headers_mut().insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    req
}

/// A response's status, JSON body (Null when empty) and headers.
pub fn parts(resp: lambda_http::Response<lambda_http::Body>) -> (u16, Value, http::HeaderMap) {
    let headers = resp.headers().clone();
    let (status, body) = crate::testing::status_and_json(resp);
    (status, body, headers)
}

/// An integration's status and `last_error` (what the business reads about it).
pub async fn status_and_error(pool: &PgPool, id: Uuid) -> (String, String) {
    sqlx::query_as("SELECT status, COALESCE(last_error, '') FROM integrations WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A connected integration of Aurora whose token is good for an hour.
pub async fn valid(pool: &PgPool, provider: Provider) -> Uuid {
    connected(
        pool,
        provider,
        "access-1",
        "refresh-1",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await
}

// ------------------------------------------------------------------ sync and the fake Jira site

/// A JSON 200 from a fake.
pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

pub fn jira_api(rest: &str) -> String {
    format!("/ex/jira/{CLOUD}/rest/api/3{rest}")
}

pub async fn tasks(pool: &PgPool) -> Vec<(String, String, bool)> {
    sqlx::query_as(
        "SELECT external_id, status, deleted_at IS NOT NULL FROM tasks ORDER BY external_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Jira with the fixture pages: projects in two pages, ENG's issues in two pages.
pub async fn jira_site(server: &MockServer, second_issue_page: Value) {
    Mock::given(method("GET"))
        .and(path(jira_api("/project/search")))
        .and(query_param("startAt", "0"))
        .respond_with(ok(fixture("jira/project_search_page1.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/project/search")))
        .and(query_param("startAt", "2"))
        .respond_with(ok(fixture("jira/project_search_page2.json")))
        .mount(server)
        .await;
    let token = fixture("jira/search_jql_page1.json")["nextPageToken"]
        .as_str()
        .unwrap()
        .to_owned();
    Mock::given(method("GET"))
        .and(path(jira_api("/search/jql")))
        .and(query_param("nextPageToken", token.as_str()))
        .respond_with(ok(second_issue_page))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/search/jql")))
        .and(query_param_contains("jql", "\"10000\""))
        .respond_with(ok(fixture("jira/search_jql_page1.json")))
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/search/jql")))
        .respond_with(ok(json!({"issues": [], "isLast": true})))
        .with_priority(3)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/webhook")))
        .respond_with(ok(
            json!({"maxResults": 100, "startAt": 0, "total": 0, "isLast": true, "values": []}),
        ))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(jira_api("/webhook")))
        .and(body_string_contains("project IN (10000, 10001, 10002)"))
        .respond_with(ok(fixture("jira/webhook_register_response.json")))
        .mount(server)
        .await;
}

// --------------------------------------------------------------------- the integration admin routes

pub fn signing_key() -> secrecy::SecretString {
    secrecy::SecretString::from("pm-admin-test-signing-key-of-32-bytes")
}

/// The admin state every admin route has, with this module's signing key.
pub fn admin(pool: &PgPool) -> AdminState {
    AdminState {
        db: Database::from_pool(pool.clone()),
        tokens: TokenKeys::new(&signing_key(), DEFAULT_TOKEN_TTL),
        now: Utc::now,
        edge: Default::default(),
    }
}

/// Everything the integration routes may need: every provider, pointed at the fakes.
pub async fn pm_admin(server: &MockServer) -> PmAdmin {
    let aws = aws().await;
    PmAdmin {
        offered: Provider::ALL.to_vec(),
        providers: providers(server),
        cipher: Some(cipher()),
        states: StateStore::new(aws.dynamodb, env("OAUTH_STATE_TABLE")),
    }
}

/// The user id of every `owner_token` (the admin fixture's owner of Aurora).
pub const OWNER_USER: &str = "f0000000-0000-4000-8000-000000000001";
/// The user id of every `platform_admin_token`.
pub const PLATFORM_ADMIN_USER: &str = "f0000000-0000-4000-8000-000000000004";

/// A token for this user as an owner of that business.
pub fn owner_token_for(user: Uuid, business: Uuid) -> String {
    TokenKeys::new(&signing_key(), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id: user,
                business_id: Some(business.into()),
                role: Role::BusinessOwner,
            },
            Utc::now().timestamp() as u64,
        )
        .unwrap()
}

pub fn owner_token(business: Uuid) -> String {
    TokenKeys::new(&signing_key(), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id: OWNER_USER.parse().unwrap(),
                business_id: Some(business.into()),
                role: Role::BusinessOwner,
            },
            Utc::now().timestamp() as u64,
        )
        .unwrap()
}

pub fn platform_admin_token() -> String {
    TokenKeys::new(&signing_key(), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id: PLATFORM_ADMIN_USER.parse().unwrap(),
                business_id: None,
                role: Role::PlatformAdmin,
            },
            Utc::now().timestamp() as u64,
        )
        .unwrap()
}

pub fn request(
    method: Method,
    params: &[(&str, &str)],
    query: &[(&str, &str)],
    token: Option<&str>,
    body: Option<Value>,
) -> Request {
    let mut req = Request::new(match body {
        Some(b) => Body::Text(b.to_string()),
        None => Body::Empty,
    })
    .with_path_parameters(
        params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>(),
    )
    .with_query_string_parameters(
        query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>(),
    );
    *req.method_mut() = method;
    if let Some(t) = token {
        req.headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    req
}

/// A route's answer as (status, JSON body).
pub async fn send(answer: impl Future<Output = lambda_http::Response<Body>>) -> (u16, Value) {
    crate::testing::status_and_json(answer.await)
}
