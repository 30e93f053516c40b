//! Connecting a PM tool end to end: the connect route's authorize URL, then this callback for each
//! provider (sealed tokens, the first sync queued) and every way it fails (landing on the dashboard
//! with a reason, nothing stored). Real Postgres, the OAuth state table and a private queue on the
//! emulator, the three vendors faked over HTTP with their documented payloads. Run with
//! ./infra/local/test.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;
use http::Method;
use secrecy::ExposeSecret;
use serde_json::json;
use shared::db::Database;
use shared::jobs::JobQueue;
use shared::pm::store::{self, Tokens};
use shared::pm::sync::PmJob;
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The admin routes these tests go through.
struct Routes {
    connect: admin_integration_connect::State,
    list: admin_integrations::State,
}

async fn routes(pool: &PgPool, server: &MockServer) -> Routes {
    Routes {
        connect: admin_integration_connect::State {
            admin: admin(pool),
            pm: pm_admin(server).await,
        },
        list: admin_integrations::State {
            admin: admin(pool),
            pm: pm_admin(server).await,
        },
    }
}

/// The browser's cookies, by the state of the link they came with (tests run side by side).
static BROWSER: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// The authorize URL's query, from the connect route; the browser keeps the cookie it sets.
async fn connect(state: &Routes, provider: &str) -> HashMap<String, String> {
    let resp = admin_integration_connect::handle(
        &state.connect,
        request(
            Method::GET,
            &[("provider", provider)],
            &[("business_id", AURORA)],
            Some(&owner_token(aurora())),
            None,
        ),
    )
    .await;
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let (status, body) = shared::testing::status_and_json(resp);
    assert_eq!(status, 200, "{body}");
    let url = url::Url::parse(body["authorize_url"].as_str().unwrap()).unwrap();
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let pair = cookie.split(';').next().unwrap().to_owned();
    BROWSER.lock().unwrap().push((query["state"].clone(), pair));
    query
}

/// The callback function's state on the test's database, fake vendors and queue.
async fn callback_state(
    pool: &PgPool,
    server: &MockServer,
    queue: JobQueue<PmJob>,
) -> pm_oauth_callback::State {
    pm_oauth_callback::State {
        db: Database::from_pool(pool.clone()),
        cipher: cipher(),
        providers: providers(server),
        states: oauth_states().await,
        queue,
        dashboard_url: "https://app.studioconnect.example/".into(),
    }
}

/// The browser's return to our callback (with the cookie its link came with); returns the
/// dashboard query it is sent to.
async fn callback(
    web: &pm_oauth_callback::State,
    provider: &str,
    query: &[(&str, &str)],
) -> HashMap<String, String> {
    let state = query.iter().find(|q| q.0 == "state").map(|q| q.1);
    // A state this browser never asked for: it still has some binding cookie of that provider.
    let cookie = BROWSER
        .lock()
        .unwrap()
        .iter()
        .find(|c| Some(c.0.as_str()) == state)
        .map(|c| c.1.clone())
        .unwrap_or_else(|| format!("__Host-sc_oauth_{provider}=another-links-binding"));
    callback_with_cookie(web, provider, query, Some(&cookie)).await
}

async fn callback_with_cookie(
    web: &pm_oauth_callback::State,
    provider: &str,
    query: &[(&str, &str)],
    cookie: Option<&str>,
) -> HashMap<String, String> {
    let mut req = request(Method::GET, &[("provider", provider)], query, None, None);
    if let Some(c) = cookie {
        req.headers_mut()
            .insert("cookie", format!("theme=dark; {c}").parse().unwrap());
    }
    let resp = pm_oauth_callback::handle(web, req).await;
    if shared::pm::Provider::parse(provider).is_some() {
        let cleared = resp.headers()["set-cookie"].to_str().unwrap();
        assert!(
            cleared.contains("Max-Age=0"),
            "the binding cookie is removed: {cleared}"
        );
    }
    assert_eq!(resp.status().as_u16(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(DASHBOARD), "{location}");
    let back: HashMap<String, String> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    // The page says what the dashboard will: connected, or the reason's code; never the
    // provider's error text or ours.
    let lambda_http::Body::Text(page) = resp.body() else {
        panic!("the redirect carries a page");
    };
    let name = &back["integration"];
    let said = match back.get("reason") {
        Some(reason) => format!("<p>{name} was not connected ({reason})</p>"),
        None => format!("<p>{name} connected</p>"),
    };
    assert!(page.contains(&said), "{page}");
    back
}

async fn vendor_oauth(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/token.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/oauth/token/accessible-resources"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("jira/accessible_resources.json")),
        )
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/-/oauth_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("asana/token.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/1.0/workspaces"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("asana/workspaces.json")))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth_ms/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("monday/token.json")))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2"))
        .and(body_string_contains("me {"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("monday/me.json")))
        .mount(server)
        .await;
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn each_provider_connects_with_sealed_tokens_and_queues_its_first_sync(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    vendor_oauth(&server).await;
    let state = routes(&pool, &server).await;
    let (queue, sqs, url) = queue().await;
    let web = callback_state(&pool, &server, queue).await;
    for (provider, tenant, pkce) in [
        ("jira", CLOUD, false),
        ("asana", ASANA_WORKSPACE, true),
        ("monday", MONDAY_ACCOUNT, true),
    ] {
        let q = connect(&state, provider).await;
        assert_eq!(q["response_type"], "code");
        assert_eq!(
            q["redirect_uri"],
            format!("https://app.studioconnect.example/api/integrations/{provider}/callback")
        );
        assert_eq!(q.contains_key("code_challenge"), pkce, "{provider} PKCE");
        if provider == "jira" {
            assert_eq!(q["audience"], "api.atlassian.com");
            assert!(q["scope"].contains("offline_access"));
        }
        let back = callback(
            &web,
            provider,
            &[("code", "the-code"), ("state", &q["state"])],
        )
        .await;
        assert_eq!(back["status"], "connected", "{provider}: {back:?}");
        let id: Uuid = back["integration_id"].parse().unwrap();
        let row = store::load(&pool, id).await.unwrap().unwrap();
        assert_eq!(
            (row.provider.as_str(), row.external_tenant_id.as_str()),
            (provider, tenant)
        );
        assert_eq!(row.status, "connected");
        let by: Option<Uuid> =
            sqlx::query_scalar("SELECT connected_by FROM integrations WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(by, Some(OWNER_USER.parse().unwrap()), "who connected it");
        // Sealed at rest, and opened only with this row's context.
        let plain = fixture(&format!("{provider}/token.json"))["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            !row.access_token
                .windows(12)
                .any(|w| plain.as_bytes().starts_with(w))
        );
        let tokens = Tokens {
            pool: pool.clone(),
            cipher: cipher(),
            providers: providers(&server),
        };
        let mut row = row;
        row.token_expires_at = Some(Utc::now() + chrono::Duration::hours(1));
        assert_eq!(
            tokens
                .access_token(&row, false)
                .await
                .unwrap()
                .expose_secret(),
            plain
        );
        assert_eq!(
            drain(&sqs, &url).await,
            [PmJob::Sync {
                integration_id: id,
                full: true
            }]
        );
    }
    // The token requests: credentials in the body, the PKCE verifier where a challenge was sent.
    let requests = server.received_requests().await.unwrap();
    let body_of = |p: &str| {
        String::from_utf8(
            requests
                .iter()
                .find(|r| r.url.path() == p)
                .unwrap()
                .body
                .clone(),
        )
        .unwrap()
    };
    assert!(body_of("/oauth/token").contains("client_secret=jira-client-secret-for-tests"));
    assert!(!body_of("/oauth/token").contains("code_verifier"));
    assert!(body_of("/-/oauth_token").contains("code_verifier="));
    assert!(body_of("/oauth_ms/oauth/token").contains("code_verifier="));
    // monday's expiry comes from its JWT's exp claim.
    let monday: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT token_expires_at FROM integrations WHERE provider = 'monday'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(monday.unwrap().timestamp(), 1795690800);
    // The list shows all three, with no token in sight.
    let (status, body) = send(admin_integrations::handle(
        &state.list,
        request(
            Method::GET,
            &[("id", AURORA)],
            &[],
            Some(&owner_token(aurora())),
            None,
        ),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["integrations"].as_array().unwrap().len(), 3);
    assert_eq!(body["available"], json!(["jira", "asana", "monday"]));
    assert!(!body.to_string().contains("access_token"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn every_callback_failure_lands_on_the_dashboard_and_stores_nothing(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    // Jira refuses the code; Asana's workspace discovery is down; monday works.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_grant", "error_description": "Invalid authorization code"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/-/oauth_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("asana/token.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/1.0/workspaces"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let state = routes(&pool, &server).await;
    let (queue, sqs, url) = queue().await;
    let web = callback_state(&pool, &server, queue).await;

    let reason = |q: HashMap<String, String>| {
        assert_eq!(q["status"], "error", "{q:?}");
        q["reason"].clone()
    };
    assert_eq!(
        reason(callback(&web, "jira", &[("code", "c")]).await),
        "invalid_state"
    );
    assert_eq!(
        reason(callback(&web, "jira", &[("code", "c"), ("state", "made-up")]).await),
        "invalid_state"
    );
    assert_eq!(
        reason(callback(&web, "trello", &[("code", "c"), ("state", "s")]).await),
        "unknown_provider"
    );
    // The user says no; the state is spent even so, and a replay of it is refused.
    let q = connect(&state, "monday").await;
    let denied = [("error", "access_denied"), ("state", q["state"].as_str())];
    assert_eq!(reason(callback(&web, "monday", &denied).await), "denied");
    assert_eq!(
        reason(callback(&web, "monday", &denied).await),
        "invalid_state"
    );
    // Some other error the provider reports.
    let q = connect(&state, "monday").await;
    assert_eq!(
        reason(
            callback(
                &web,
                "monday",
                &[
                    ("error", "server_error"),
                    ("error_description", "upstream db-7 is down"),
                    ("state", &q["state"])
                ]
            )
            .await
        ),
        "provider_error"
    );
    // A state issued for Jira cannot complete an Asana connection (in a browser holding both
    // providers' cookies).
    let q = connect(&state, "jira").await;
    let both = format!(
        "{}; __Host-sc_oauth_asana=from-another-link",
        BROWSER
            .lock()
            .unwrap()
            .iter()
            .find(|c| c.0 == q["state"])
            .map(|c| c.1.clone())
            .unwrap()
    );
    assert_eq!(
        reason(
            callback_with_cookie(
                &web,
                "asana",
                &[("code", "c"), ("state", &q["state"])],
                Some(&both)
            )
            .await
        ),
        "invalid_state"
    );
    // No code.
    let q = connect(&state, "jira").await;
    assert_eq!(
        reason(callback(&web, "jira", &[("state", &q["state"])]).await),
        "invalid_request"
    );
    // The provider refuses the code.
    let q = connect(&state, "jira").await;
    assert_eq!(
        reason(callback(&web, "jira", &[("code", "c"), ("state", &q["state"])]).await),
        "exchange_failed"
    );
    // The token is good but the tenant cannot be read.
    let q = connect(&state, "asana").await;
    assert_eq!(
        reason(callback(&web, "asana", &[("code", "c"), ("state", &q["state"])]).await),
        "tenant_discovery_failed"
    );
    // An authorization older than its ten minutes.
    let stale = "expired-state-for-test";
    aws()
        .await
        .dynamodb
        .put_item()
        .table_name(env("OAUTH_STATE_TABLE"))
        .item(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S(stale.into()),
        )
        .item(
            "business_id",
            aws_sdk_dynamodb::types::AttributeValue::S(AURORA.into()),
        )
        .item(
            "provider",
            aws_sdk_dynamodb::types::AttributeValue::S("jira".into()),
        )
        .item(
            "expiration",
            aws_sdk_dynamodb::types::AttributeValue::N((Utc::now().timestamp() - 5).to_string()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        reason(callback(&web, "jira", &[("code", "c"), ("state", stale)]).await),
        "expired_state"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM integrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing was stored");
    assert!(drain(&sqs, &url).await.is_empty(), "nothing was queued");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_link_finished_in_another_browser_connects_nothing(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    vendor_oauth(&server).await;
    let state = routes(&pool, &server).await;
    let (queue, sqs, url) = queue().await;
    let web = callback_state(&pool, &server, queue).await;
    // The tenant sends its authorize link to someone else, who consents in their own browser.
    let q = connect(&state, "jira").await;
    let other = connect(&state, "jira").await;
    let cookie_of = |query: &HashMap<String, String>| {
        BROWSER
            .lock()
            .unwrap()
            .iter()
            .find(|c| c.0 == query["state"])
            .map(|c| c.1.clone())
            .unwrap()
    };
    let linked = [("code", "victims-code"), ("state", q["state"].as_str())];
    // A browser with no binding cookie: refused before the state store is read.
    let back = callback_with_cookie(&web, "jira", &linked, None).await;
    assert_eq!(
        (back["status"].as_str(), back["reason"].as_str()),
        ("error", "wrong_browser")
    );
    // A browser holding another link's binding: refused, and the state is spent.
    let back = callback_with_cookie(&web, "jira", &linked, Some(&cookie_of(&other))).await;
    assert_eq!(back["reason"], "wrong_browser");
    let back = callback_with_cookie(&web, "jira", &linked, Some(&cookie_of(&q))).await;
    assert_eq!(
        back["reason"], "invalid_state",
        "spent: not even the asker can reuse it"
    );
    // Nothing was exchanged, stored or queued.
    assert!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.url.path() != "/oauth/token"),
        "the code was never exchanged"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM integrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
    assert!(drain(&sqs, &url).await.is_empty());
}
