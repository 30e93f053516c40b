//! The gateway in-process on a real socket, in front of the real handlers and dependencies.

use std::sync::Arc;

use local_gateway::routes::RouteTable;
use local_gateway::schedule::{ScheduledHandler, Schedules};
use serde_json::Value;
use shared::platform::Platform;

async fn start() -> String {
    start_with(Schedules::new()).await
}

async fn start_with(schedules: Schedules) -> String {
    let platform = Platform::load(shared::secrets::SecretName::ALL)
        .await
        .expect("run the tests with ./infra/local/test");
    let routes = Arc::new(RouteTable::new(&platform).unwrap());
    let schedules = Arc::new(schedules);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, local_gateway::server::app(routes, schedules))
            .await
            .unwrap()
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn health_reports_every_dependency_up() {
    let base = start().await;
    let resp = reqwest::get(format!("{base}/api/health")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"status": "up"}),
        "anyone: up or down"
    );
    // A platform admin sees each check.
    let platform = Platform::load(&[shared::secrets::SecretName::AdminJwt])
        .await
        .unwrap();
    let token = shared::admin::auth::TokenKeys::new(
        &platform.secrets.jwt_signing_key().unwrap(),
        shared::admin::auth::DEFAULT_TOKEN_TTL,
    )
    .issue(
        &shared::admin::auth::Principal {
            user_id: uuid::Uuid::new_v4(),
            business_id: None,
            role: shared::domain::Role::PlatformAdmin,
        },
        chrono::Utc::now().timestamp() as u64,
    )
    .unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{base}/api/health"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let names: Vec<&str> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 9, "{names:?}");
    assert_eq!(names[0], "database");
    assert!(names.iter().filter(|n| n.starts_with("dynamodb:")).count() == 4);
    assert!(names.iter().filter(|n| n.starts_with("sqs:")).count() == 3);
    assert!(names.contains(&"secretsmanager"));
    assert!(
        body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "up")
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_get_api_gateways_404() {
    let base = start().await;
    let client = reqwest::Client::new();
    for resp in [
        client
            .get(format!("{base}/api/nothing-here"))
            .send()
            .await
            .unwrap(),
        client
            .post(format!("{base}/api/health"))
            .body("{}")
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(resp.status(), 404);
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            serde_json::json!({"message": "Not Found"})
        );
    }
}

#[tokio::test]
async fn scheduled_functions_fire_on_demand_with_the_eventbridge_envelope() {
    let seen: Arc<std::sync::Mutex<Vec<aws_lambda_events::eventbridge::EventBridgeEvent<Value>>>> =
        Arc::default();
    let handler: ScheduledHandler = {
        let seen = seen.clone();
        Arc::new(move |event| {
            let seen = seen.clone();
            Box::pin(async move {
                seen.lock().unwrap().push(event);
                Ok(Value::Null)
            })
        })
    };
    let failing: ScheduledHandler = Arc::new(|_| Box::pin(async { Err("resync failed".into()) }));
    let base = start_with(Schedules::from([
        ("PmResyncFunction".to_owned(), handler),
        ("BrokenFunction".to_owned(), failing),
    ]))
    .await;
    let client = reqwest::Client::new();

    let resp = client
        .post(format!("{base}/_local/schedules/PmResyncFunction"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let events = seen.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail_type, "Scheduled Event");
    assert_eq!(events[0].source, "aws.events");
    assert!(events[0].resources.as_ref().unwrap()[0].ends_with("rule/PmResyncFunction"));

    let resp = client
        .post(format!("{base}/_local/schedules/BrokenFunction"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["message"],
        "resync failed"
    );
    let resp = client
        .post(format!("{base}/_local/schedules/Nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
}
