//! The health handler against the real dependencies, and with each kind of dependency broken:
//! a platform admin sees each check, anyone else only up or down.

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::admin::auth::{DEFAULT_TOKEN_TTL, Principal, TokenKeys};
use shared::config::DatabaseSettings;
use shared::db::Database;
use shared::domain::{BusinessId, Role};
use shared::platform::Platform;

async fn platform() -> Platform {
    Platform::load(health::SECRETS)
        .await
        .expect("run the tests with ./infra/local/test")
}

fn token(platform: &Platform, role: Role, business: Option<BusinessId>) -> String {
    TokenKeys::new(
        &platform.secrets.jwt_signing_key().unwrap(),
        DEFAULT_TOKEN_TTL,
    )
    .issue(
        &Principal {
            user_id: uuid::Uuid::new_v4(),
            business_id: business,
            role,
        },
        chrono::Utc::now().timestamp() as u64,
    )
    .unwrap()
}

async fn call_with(platform: &Platform, authorization: Option<&str>) -> (u16, Value) {
    let state = health::State::new(platform).unwrap();
    let mut req = Request::default();
    if let Some(a) = authorization {
        req.headers_mut()
            .insert("authorization", a.parse().unwrap());
    }
    let resp: Response<Body> = health::handle(&state, req).await;
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body().as_ref()).unwrap(),
    )
}

/// As a platform admin: every check.
async fn call(platform: &Platform) -> (u16, Value) {
    let bearer = format!("Bearer {}", token(platform, Role::PlatformAdmin, None));
    call_with(platform, Some(&bearer)).await
}

#[tokio::test]
async fn anyone_else_hears_only_up_or_down() {
    let p = platform().await;
    let (status, body) = call_with(&p, None).await;
    assert_eq!((status, body), (200, serde_json::json!({"status": "up"})));
    let owner = token(&p, Role::BusinessOwner, Some(uuid::Uuid::new_v4().into()));
    let (status, body) = call_with(&p, Some(&format!("Bearer {owner}"))).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = call_with(&p, Some("Bearer not-a-token")).await;
    assert_eq!(status, 401, "{body}");
    let mut broken = platform().await;
    broken.settings.tables.oauth_state = "no-such-table".into();
    let (status, body) = call_with(&broken, None).await;
    assert_eq!((status, body), (503, serde_json::json!({"status": "down"})));
}

#[tokio::test]
async fn all_up_is_200() {
    let (status, body) = call(&platform().await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["down"], serde_json::json!([]));
}

#[tokio::test]
async fn a_missing_table_and_queue_are_named() {
    let mut p = platform().await;
    p.settings.tables.oauth_state = "no-such-table".into();
    p.settings.queues.pm_sync = format!("{}-missing", p.settings.queues.pm_sync);
    let (status, body) = call(&p).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "degraded");
    let down: Vec<&str> = body["down"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(down.len(), 2, "{down:?}");
    assert_eq!(down[0], "dynamodb:no-such-table");
    assert!(
        down[1].starts_with("sqs:") && down[1].ends_with("-pm-sync-missing"),
        "{down:?}"
    );
    assert!(
        !body.to_string().contains("ResourceNotFound"),
        "error details stay in the log: {body}"
    );
}

#[tokio::test]
async fn a_database_outage_is_named() {
    let mut p = platform().await;
    let settings = DatabaseSettings::Url {
        url: "postgres://nobody@127.0.0.1:1/none".to_owned().into(),
        max_connections: 1,
    };
    p.db = Database::connect_lazy(
        &settings,
        &p.sdk,
        std::time::Duration::from_millis(300),
        std::time::Duration::from_secs(1),
    )
    .await
    .unwrap();
    let (status, body) = call(&p).await;
    assert_eq!(status, 503);
    assert_eq!(body["down"], serde_json::json!(["database"]));
}

#[tokio::test]
async fn a_missing_secret_is_named() {
    let mut p = platform().await;
    p.settings.secrets_prefix = "no-such-stack/".into();
    let (status, body) = call(&p).await;
    assert_eq!(status, 503);
    assert_eq!(body["down"], serde_json::json!(["secretsmanager"]));
}
