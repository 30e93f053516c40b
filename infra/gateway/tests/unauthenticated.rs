//! Unauthenticated traffic costs nothing downstream: with the database and every AWS endpoint
//! unreachable, a request without its proof to any webhook, the OAuth callback or any admin route
//! is refused (401, 403, 404, or the callback's `wrong_browser`) and never a 5xx, which is what it
//! would be if the handler had reached for a dependency first. (Asana's signed deliveries are the
//! documented exception: the signing secret is per webhook, one primary-key read.)

use local_gateway::routes::{HttpFunction, ROUTES, RouteTable};
use serde_json::json;
use shared::config::DatabaseSettings;
use shared::db::Database;
use shared::platform::Platform;
use shared::secrets::SecretName;
use shared::testing::admin::*;
use std::time::Duration;

/// Every handler the gateway builds, with a database and AWS that answer nothing.
async fn cut_off() -> RouteTable {
    let real = Platform::load(SecretName::ALL)
        .await
        .expect("run the tests with ./infra/local/test");
    let dead_sdk = real
        .sdk
        .to_builder()
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let settings = DatabaseSettings::Url {
        url: "postgres://nobody:nothing@127.0.0.1:9/none"
            .to_owned()
            .into(),
        max_connections: 1,
    };
    let platform = Platform {
        db: Database::connect_lazy(
            &settings,
            &dead_sdk,
            Duration::from_millis(200),
            Duration::from_secs(1),
        )
        .await
        .unwrap(),
        aws: shared::aws::AwsClients::new(&dead_sdk),
        sdk: dead_sdk,
        ..real
    };
    RouteTable::new(&platform).unwrap()
}

fn post(path_params: &[(&'static str, &str)], body: serde_json::Value) -> Call {
    let mut c = call(http::Method::POST).body(body);
    for (name, value) in path_params {
        c = c.param(name, value);
    }
    c
}

#[tokio::test]
async fn requests_without_their_proof_are_refused_before_any_dependency() {
    let table = cut_off().await;
    let send = |function: HttpFunction, req| (table.handler_of(function).unwrap())(req);
    let hook = "c0ffee00-0000-4000-8000-000000000001";
    let webhooks = [
        (
            HttpFunction::ElevenLabsPersonalization,
            post(&[], json!({"caller_id": "+14155552671"})),
        ),
        (
            HttpFunction::ElevenLabsTools,
            post(
                &[("tool", "get_project_status")],
                json!({"conversation_id": "c"}),
            ),
        ),
        (
            HttpFunction::ElevenLabsEvents,
            post(&[], json!({"type": "post_call_transcription"})),
        ),
        (
            HttpFunction::PmJiraWebhook,
            post(&[], json!({"webhookEvent": "jira:issue_updated"})),
        ),
        (
            HttpFunction::PmAsanaWebhook,
            post(&[("integrationId", hook)], json!({"events": []})).query("hook", hook),
        ),
        (
            HttpFunction::PmMondayWebhook,
            post(&[("integrationId", hook)], json!({"event": {}})),
        ),
    ];
    for (function, req) in webhooks {
        let status = send(function, req.build()).await.status().as_u16();
        assert!(
            matches!(status, 401 | 403 | 404),
            "{function:?} answered {status} without proof"
        );
    }
    // The OAuth callback, from a browser that never asked for the link.
    let req = call(http::Method::GET)
        .param("provider", "jira")
        .query("state", "some-state")
        .query("code", "some-code")
        .build();
    let resp = send(HttpFunction::PmOAuthCallback, req).await;
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap();
    // Refused on what the request carries (no binding cookie, or no app for the provider here);
    // had the state store been reached, the dead endpoint would make it `internal`.
    assert!(
        location.contains("reason=wrong_browser") || location.contains("reason=not_configured"),
        "{location}"
    );
    // Every admin route without a token.
    for route in ROUTES
        .iter()
        .filter(|r| r.function.logical_id().starts_with("Admin"))
    {
        let resp = send(
            route.function,
            endpoint_call(route.method, route.path).build(),
        )
        .await;
        assert_eq!(resp.status(), 401, "{} {}", route.method, route.path);
    }
}
