//! The health handler against the real dependencies, and with each kind of dependency broken.

use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::config::DatabaseSettings;
use shared::db::Database;
use shared::platform::Platform;

async fn platform() -> Platform {
    Platform::load(health::SECRETS)
        .await
        .expect("run the tests with ./infra/local/test")
}

async fn call(platform: &Platform) -> (u16, Value) {
    let state = health::State::new(platform);
    let resp: Response<Body> = health::handle(&state, Request::default()).await;
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body().as_ref()).unwrap(),
    )
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
    p.db = Database::connect_lazy(&settings, &p.sdk, std::time::Duration::from_millis(300))
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
