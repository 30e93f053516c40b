//! Connecting a PM tool, refreshing its tokens, and the admin routes over integrations: real
//! Postgres, the OAuth state table and a private queue on the emulator, the three vendors faked
//! over HTTP with their documented payloads. Run with ./infra/local/test.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use http::Method;
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shared::admin::auth::{DEFAULT_TOKEN_TTL, Principal, TokenKeys};
use shared::admin::integrations::PmAdmin;
use shared::admin::{AdminState, Function};
use shared::db::Database;
use shared::domain::catalog::Role;
use shared::jobs::JobQueue;
use shared::pm::Provider;
use shared::pm::callback::CallbackState;
use shared::pm::oauth::StateStore;
use shared::pm::store::{self, Tokens};
use shared::pm::sync::PmJob;
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn signing_key() -> secrecy::SecretString {
    secrecy::SecretString::from("pm-admin-test-signing-key")
}

async fn admin(pool: &PgPool, server: &MockServer) -> AdminState {
    let aws = aws().await;
    AdminState {
        db: Database::from_pool(pool.clone()),
        tokens: TokenKeys::new(&signing_key(), DEFAULT_TOKEN_TTL),
        agents: None,
        pm: Some(PmAdmin {
            providers: providers(server),
            cipher: cipher(),
            states: StateStore::new(aws.dynamodb, env("OAUTH_STATE_TABLE")),
        }),
        now: Utc::now,
    }
}

fn owner_token(business: Uuid) -> String {
    TokenKeys::new(&signing_key(), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id: Uuid::new_v4(),
                business_id: Some(business),
                role: Role::BusinessOwner,
            },
            Utc::now().timestamp() as u64,
        )
        .unwrap()
}

fn request(
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

async fn send(state: &AdminState, function: Function, req: Request) -> (u16, Value) {
    let resp: Response<Body> = function.handle(state, req).await;
    let status = resp.status().as_u16();
    let body = if resp.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(resp.body().as_ref()).unwrap()
    };
    (status, body)
}

/// The authorize URL's query, from the connect route.
async fn connect(state: &AdminState, provider: &str) -> HashMap<String, String> {
    let (status, body) = send(
        state,
        Function::IntegrationConnect,
        request(
            Method::GET,
            &[("provider", provider)],
            &[("business_id", AURORA)],
            Some(&owner_token(aurora())),
            None,
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let url = url::Url::parse(body["authorize_url"].as_str().unwrap()).unwrap();
    url.query_pairs().into_owned().collect()
}

/// The callback function's state on the test's database, fake vendors and queue.
async fn callback_state(
    pool: &PgPool,
    server: &MockServer,
    queue: JobQueue<PmJob>,
) -> CallbackState {
    CallbackState {
        db: Database::from_pool(pool.clone()),
        cipher: cipher(),
        providers: providers(server),
        states: oauth_states().await,
        queue,
        dashboard_url: "https://app.studioconnect.example/".into(),
    }
}

/// The browser's return to our callback; returns the dashboard query it is sent to.
async fn callback(
    web: &CallbackState,
    provider: &str,
    query: &[(&str, &str)],
) -> HashMap<String, String> {
    let resp = shared::pm::callback::callback(
        web,
        request(Method::GET, &[("provider", provider)], query, None, None),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(DASHBOARD), "{location}");
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
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
    let state = admin(&pool, &server).await;
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
            format!("https://hooks.studioconnect.example/api/integrations/{provider}/callback")
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
    let (status, body) = send(
        &state,
        Function::Integrations,
        request(
            Method::GET,
            &[("id", AURORA)],
            &[],
            Some(&owner_token(aurora())),
            None,
        ),
    )
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
    let state = admin(&pool, &server).await;
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
                &[("error", "server_error"), ("state", &q["state"])]
            )
            .await
        ),
        "provider_error"
    );
    // A state issued for Jira cannot complete an Asana connection.
    let q = connect(&state, "jira").await;
    assert_eq!(
        reason(callback(&web, "asana", &[("code", "c"), ("state", &q["state"])]).await),
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
    // The connect route refuses an unknown provider and a stranger's business.
    let (status, body) = send(
        &state,
        Function::IntegrationConnect,
        request(
            Method::GET,
            &[("provider", "trello")],
            &[],
            Some(&owner_token(aurora())),
            None,
        ),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = send(
        &state,
        Function::IntegrationConnect,
        request(
            Method::GET,
            &[("provider", "jira")],
            &[("business_id", AURORA)],
            Some(&owner_token(Uuid::new_v4())),
            None,
        ),
    )
    .await;
    assert_eq!(status, 403);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn two_concurrent_refreshes_make_one_call_and_persist_the_rotated_pair(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=r1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(300))
                .set_body_json(json!({"access_token": "a2", "refresh_token": "r2",
                    "expires_in": 3600, "token_type": "Bearer", "scope": "read:jira-work offline_access"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let id = connected(
        &pool,
        Provider::Jira,
        "a1",
        "r1",
        Utc::now() - chrono::Duration::minutes(1),
    )
    .await;
    let row = store::load(&pool, id).await.unwrap().unwrap();
    let tokens = Tokens {
        pool: pool.clone(),
        cipher: cipher(),
        providers: providers(&server),
    };
    let (a, b) = tokio::join!(
        tokens.access_token(&row, false),
        tokens.access_token(&row, false)
    );
    assert_eq!(a.unwrap().expose_secret(), "a2");
    assert_eq!(b.unwrap().expose_secret(), "a2");
    server.verify().await;
    // The rotated refresh token is what is stored now (the old one is dead at Atlassian).
    let row = store::load(&pool, id).await.unwrap().unwrap();
    let refresh = cipher()
        .open(
            &row.token_key_id,
            row.refresh_token.as_ref().unwrap(),
            &format!("{AURORA}:jira:refresh"),
        )
        .unwrap();
    assert_eq!(refresh.expose_secret(), "r2");
    assert!(row.token_expires_at.unwrap() > Utc::now() + chrono::Duration::minutes(50));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_refused_refresh_marks_the_integration_for_re_consent(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth_ms/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_grant", "error_description": "refresh token revoked"}),
        ))
        .mount(&server)
        .await;
    let id = connected(&pool, Provider::Monday, "a1", "r1", Utc::now()).await;
    let row = store::load(&pool, id).await.unwrap().unwrap();
    let tokens = Tokens {
        pool: pool.clone(),
        cipher: cipher(),
        providers: providers(&server),
    };
    let err = tokens.access_token(&row, false).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let (status, error): (String, String) =
        sqlx::query_as("SELECT status, last_error FROM integrations WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "needs_reconsent");
    assert!(error.contains("refresh token revoked"), "{error}");
    // A sync of it is skipped, not retried forever.
    let (queue, _, _) = queue().await;
    let worker = worker(&pool, &server, queue);
    assert_eq!(
        worker.sync(&pool, id, false).await.unwrap(),
        shared::pm::sync::SyncOutcome::Skipped("waiting for re-consent")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn disconnecting_removes_webhooks_revokes_and_keeps_history_stale(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/1.0/webhooks/1200000000000901"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/-/oauth_revoke"))
        .and(body_string_contains("token=r1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let id = connected(
        &pool,
        Provider::Asana,
        "a1",
        "r1",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await;
    sqlx::query(
        "INSERT INTO integration_webhooks (integration_id, resource_id, external_webhook_id)
         VALUES ($1, '1200000000000101', '1200000000000901')",
    )
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    let project: Uuid = sqlx::query_scalar(
        "INSERT INTO projects (business_id, client_id, integration_id, provider, external_id, name, status)
         VALUES ($1, $2, $3, 'asana', '1200000000000101', 'Whitfield site', 'in_progress') RETURNING id",
    )
    .bind(aurora())
    .bind(DANA_CLIENT.parse::<Uuid>().unwrap())
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO tasks (business_id, project_id, integration_id, provider, external_id, name, status)
         VALUES ($1, $2, $3, 'asana', 't1', 'Homepage', 'todo')",
    )
    .bind(aurora())
    .bind(project)
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    let spoken =
        shared::call_tools::store::client_projects(&pool, aurora(), DANA_CLIENT.parse().unwrap())
            .await
            .unwrap();
    assert_eq!(spoken.len(), 1, "a current project is spoken to the client");

    let state = admin(&pool, &server).await;
    let token = owner_token(aurora());
    let item = |integration: &str| {
        request(
            Method::DELETE,
            &[("id", AURORA), ("integrationId", integration)],
            &[],
            Some(&token),
            None,
        )
    };
    let (status, body) = send(
        &state,
        Function::Integration,
        item(&Uuid::new_v4().to_string()),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = send(&state, Function::Integration, item(&id.to_string())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["webhooks_removed"], 1);
    assert_eq!(body["revoked"], true);
    assert_eq!(
        (
            body["stale_projects"].as_u64(),
            body["stale_tasks"].as_u64()
        ),
        (Some(1), Some(1))
    );
    server.verify().await;
    assert!(store::load(&pool, id).await.unwrap().is_none());
    let (stale, name): (bool, String) =
        sqlx::query_as("SELECT stale_since IS NOT NULL, name FROM projects WHERE id = $1")
            .bind(project)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stale, "history is kept, marked stale");
    assert_eq!(name, "Whitfield site");
    let spoken =
        shared::call_tools::store::client_projects(&pool, aurora(), DANA_CLIENT.parse().unwrap())
            .await
            .unwrap();
    assert!(
        spoken.is_empty(),
        "stale history is never spoken to a caller"
    );
    let (status, _) = send(&state, Function::Integration, item(&id.to_string())).await;
    assert_eq!(status, 404, "gone once");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_admins_client_links_beat_the_matching_rule(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let id = connected(
        &pool,
        Provider::Jira,
        "a1",
        "r1",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await;
    let mut ids = Vec::new();
    for (ext, name) in [
        ("1", "Whitfield Bakery rebrand"),
        ("2", "Internal tooling"),
        ("3", "Bakery menu"),
    ] {
        let pid: Uuid = sqlx::query_scalar(
            "INSERT INTO projects (business_id, integration_id, provider, external_id, name, status)
             VALUES ($1, $2, 'jira', $3, $4, 'in_progress') RETURNING id",
        )
        .bind(aurora())
        .bind(id)
        .bind(ext)
        .bind(name)
        .fetch_one(&pool)
        .await
        .unwrap();
        ids.push(pid);
    }
    // The rule: the one client whose company the project's name contains.
    assert_eq!(store::link_clients_by_rule(&pool, id).await.unwrap(), 1);
    let state = admin(&pool, &server).await;
    let token = owner_token(aurora());
    let path = [("id", AURORA), ("clientId", DANA_CLIENT)];
    let (status, body) = send(
        &state,
        Function::ClientProjects,
        request(Method::GET, &path, &[], Some(&token), None),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["projects"][0]["name"], "Whitfield Bakery rebrand");
    assert_eq!(body["projects"][0]["client_link"], "rule");
    // The admin replaces the list: the rule's project out, another in.
    let (status, body) = send(
        &state,
        Function::ClientProjects,
        request(
            Method::PUT,
            &path,
            &[],
            Some(&token),
            Some(json!({"project_ids": [ids[1]]})),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Internal tooling"]);
    // The rule never undoes an admin's unlink.
    assert_eq!(store::link_clients_by_rule(&pool, id).await.unwrap(), 0);
    // Bad input: a 4xx with a JSON error, and nothing changes.
    for (body, code) in [
        (json!({"project_ids": [Uuid::new_v4()]}), 400),
        (json!({"project_ids": "all"}), 400),
        (json!({"projects": []}), 400),
    ] {
        let (status, resp) = send(
            &state,
            Function::ClientProjects,
            request(Method::PUT, &path, &[], Some(&token), Some(body)),
        )
        .await;
        assert_eq!(status, code, "{resp}");
        assert!(resp["error"]["code"].is_string() && resp["error"]["message"].is_string());
    }
    let (status, _) = send(
        &state,
        Function::ClientProjects,
        request(
            Method::PUT,
            &[("id", AURORA), ("clientId", &Uuid::new_v4().to_string())],
            &[],
            Some(&token),
            Some(json!({"project_ids": []})),
        ),
    )
    .await;
    assert_eq!(status, 404);
    let linked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM projects WHERE client_id IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(linked, 1);
    let (status, body) = send(
        &state,
        Function::Projects,
        request(Method::GET, &[("id", AURORA)], &[], Some(&token), None),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["projects"].as_array().unwrap().len(), 3);
}
