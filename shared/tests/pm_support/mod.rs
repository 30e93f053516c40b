//! What the PM integration tests share: the tenant, providers pointed at one wiremock server,
//! a private SQS queue per test on the emulator, stored integrations and signed tokens.
#![allow(dead_code)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::Value;
use shared::db::Database;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::idempotency::IdempotencyStore;
use shared::jobs::JobQueue;
use shared::pm::crypto::TokenCipher;
use shared::pm::oauth::{StateStore, TokenGrant};
use shared::pm::sync::{PmJob, PmWorker};
use shared::pm::webhooks::PmWebState;
use shared::pm::{PmProviders, Provider, PublicUrls, Tenant, asana, jira, monday};
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::MockServer;

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

pub async fn aws() -> shared::aws::AwsClients {
    shared::aws::AwsClients::new(&shared::aws::sdk_config().await)
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
    let mut jobs = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return jobs;
        }
        for m in messages {
            jobs.push(shared::jobs::decode_body::<PmJob>("m", m.body.as_deref().unwrap()).unwrap());
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle.unwrap())
                .send()
                .await
                .unwrap();
        }
    }
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
    shared::pm::store::save_connection(
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
    )
    .await
    .unwrap()
}

pub fn worker(pool: &PgPool, server: &MockServer, queue: JobQueue<PmJob>) -> PmWorker {
    PmWorker {
        db: Database::from_pool(pool.clone()),
        tokens: shared::pm::store::Tokens {
            pool: pool.clone(),
            cipher: cipher(),
            providers: providers(server),
        },
        queue,
        lease: Duration::from_secs(600),
        full_every: chrono::Duration::hours(24),
        max_pages: 50,
    }
}

pub async fn web_state(pool: &PgPool, server: &MockServer, queue: JobQueue<PmJob>) -> PmWebState {
    let aws = aws().await;
    PmWebState {
        db: Database::from_pool(pool.clone()),
        cipher: cipher(),
        providers: providers(server),
        states: StateStore::new(aws.dynamodb.clone(), env("OAUTH_STATE_TABLE")),
        queue,
        deliveries: IdempotencyStore::new(
            aws.dynamodb.clone(),
            env("IDEMPOTENCY_TABLE"),
            Duration::from_secs(3600),
            Duration::from_secs(30),
        ),
        jira_client_secret: SecretString::from(JIRA_SECRET),
        monday_signing_secret: SecretString::from(MONDAY_SIGNING),
        dashboard_url: "https://app.studioconnect.example/".into(),
    }
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
