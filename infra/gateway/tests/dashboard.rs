//! The dashboard as the gateway serves it, the way CloudFront does in production: files as built,
//! app routes answered with index.html, `/api/*` always the functions (never the app, even for a
//! route that does not exist), and the distribution's security headers on every file.

use std::sync::Arc;

use local_gateway::routes::RouteTable;
use local_gateway::schedule::Schedules;
use local_gateway::web::Dashboard;
use shared::platform::Platform;

async fn start(dist: &std::path::Path) -> String {
    let platform = Platform::load(shared::secrets::SecretName::ALL)
        .await
        .expect("run the tests with ./infra/local/test");
    let routes = Arc::new(RouteTable::new(&platform).unwrap());
    let app = local_gateway::server::app_with_dashboard(
        routes,
        Arc::new(Schedules::new()),
        Some(Dashboard::new(dist).unwrap()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn dist() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sc-dist-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><div id=app></div>").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js"), "console.log(1)").unwrap();
    dir
}

#[tokio::test]
async fn app_routes_files_and_the_api_are_told_apart() {
    let dir = dist();
    let base = start(&dir).await;
    let get = |path: &str| reqwest::get(format!("{base}{path}"));

    for route in [
        "/",
        "/calls/5b1d0c2e",
        "/integrations?integration=jira&status=connected",
        "/agent",
    ] {
        let resp = get(route).await.unwrap();
        assert_eq!(resp.status(), 200, "{route}");
        assert_eq!(resp.headers()["content-type"], "text/html", "{route}");
        assert_eq!(resp.headers()["cache-control"], "no-cache", "{route}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert_eq!(resp.headers()["x-frame-options"], "DENY");
        assert!(
            resp.headers()["strict-transport-security"]
                .to_str()
                .unwrap()
                .starts_with("max-age=")
        );
        assert!(resp.text().await.unwrap().contains("id=app"), "{route}");
    }
    let js = get("/assets/index-abc123.js").await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        js.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // A missing file is a 404, not the app (a stale asset name must fail loudly).
    assert_eq!(get("/assets/index-gone.js").await.unwrap().status(), 404);
    assert_eq!(
        get("/assets/..%2f..%2fCargo.toml").await.unwrap().status(),
        404
    );

    // The API stays the API, with the distribution's headers on its answers too.
    let health = get("/api/health").await.unwrap();
    assert_eq!(health.headers()["content-type"], "application/json");
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    assert!(
        health.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let missing = get("/api/no-such-route").await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["x-frame-options"], "DENY");
    assert_eq!(missing.text().await.unwrap(), r#"{"message":"Not Found"}"#);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_dist_without_index_html_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("sc-empty-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let err = Dashboard::new(&dir).err().expect("refused").to_string();
    assert!(err.contains("no index.html"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
