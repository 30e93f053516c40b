//! The gateway in-process on a real socket, in front of the real handlers and dependencies.

use std::sync::Arc;

use local_gateway::routes::RouteTable;
use serde_json::Value;
use shared::platform::Platform;

async fn start() -> String {
    let platform = Platform::load()
        .await
        .expect("run the tests with ./infra/local/test");
    let routes = Arc::new(RouteTable::new(&platform).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, local_gateway::server::app(routes))
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
    assert_eq!(body["status"], "ok");
    let names: Vec<&str> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert_eq!(names[0], "database");
    assert!(names.iter().filter(|n| n.starts_with("dynamodb:")).count() == 3);
    assert!(names.iter().filter(|n| n.starts_with("sqs:")).count() == 2);
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
