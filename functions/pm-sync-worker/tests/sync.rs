//! Syncing and webhooks through the worker and the receivers: real Postgres, a private queue and
//! the idempotency table on the emulator, each vendor faked over HTTP with its documented
//! payloads (tests/fixtures/pm). Run with ./infra/local/test.

use chrono::Utc;
use pm_sync_worker::testing::{synced, worker};
use serde_json::{Value, json};
use shared::pm::Provider;
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{
    body_string_contains, method, path, path_regex, query_param, query_param_contains,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_full_jira_sync_pages_everything_registers_its_webhook_and_detects_deletions(
    pool: PgPool,
) {
    seed(&pool).await;
    let server = MockServer::start().await;
    jira_site(&server, fixture("jira/search_jql_page2.json")).await;
    let id = valid(&pool, Provider::Jira).await;
    let (queue, _, _) = queue().await;
    let worker = worker(&pool, &server, queue);
    let report = synced(&worker, &pool, id, true).await;
    assert_eq!((report.projects, report.tasks), (3, 5), "{report:?}");
    assert_eq!(report.webhooks.created, 1);
    assert_eq!(
        tasks(&pool).await,
        [
            ("10000".into(), "done".into(), false),
            ("10001".into(), "todo".into(), false),
            ("10002".into(), "in_progress".into(), false),
            ("10003".into(), "in_progress".into(), false),
            ("10004".into(), "todo".into(), false),
        ]
    );
    let (status, watermark, webhook, expires): (String, Option<chrono::DateTime<Utc>>, String, chrono::DateTime<Utc>) =
        sqlx::query_as(
            "SELECT i.status, i.sync_watermark, w.external_webhook_id, w.expires_at
             FROM integrations i JOIN integration_webhooks w ON w.integration_id = i.id WHERE i.id = $1",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), webhook.as_str()), ("connected", "1000"));
    assert!(watermark.is_some());
    assert!(expires > Utc::now() + chrono::Duration::days(29));
    // The raw record is kept for debugging; the link points at the site.
    let (raw_key, url): (String, String) =
        sqlx::query_as("SELECT raw->>'key', url FROM tasks WHERE external_id = '10002'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (raw_key.as_str(), url.as_str()),
        ("ENG-3", "https://aurora-studio.atlassian.net/browse/ENG-3")
    );

    // ENG-5 is deleted in Jira: the next full sync marks it, keeping the row.
    server.reset().await;
    let mut page2 = fixture("jira/search_jql_page2.json");
    page2["issues"]
        .as_array_mut()
        .unwrap()
        .retain(|i| i["id"] != "10004");
    // Jira still lists the webhook registered by the first sync.
    Mock::given(method("GET"))
        .and(path(jira_api("/webhook")))
        .respond_with(ok(fixture("jira/webhook_list.json")))
        .with_priority(1)
        .mount(&server)
        .await;
    jira_site(&server, page2).await;
    let report = synced(&worker, &pool, id, true).await;
    assert_eq!((report.deleted_tasks, report.deleted_projects), (1, 0));
    assert_eq!(tasks(&pool).await[4], ("10004".into(), "todo".into(), true));
    // The webhook is not registered twice.
    assert_eq!(report.webhooks.created, 0);

    // An incremental sync asks only for recent changes, by relative minutes.
    let report = synced(&worker, &pool, id, false).await;
    assert!(!report.full);
    let requests = server.received_requests().await.unwrap();
    let last_jql = requests
        .iter()
        .rev()
        .find(|r| r.url.path().ends_with("/search/jql"))
        .and_then(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "jql")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap();
    assert!(last_jql.contains("updated >= \"-"), "{last_jql}");
    assert_eq!(report.deleted_tasks, 0, "an incremental sync never deletes");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_failed_sync_tells_the_business_what_went_wrong_not_the_providers_answer(pool: PgPool) {
    seed(&pool).await;
    let id = valid(&pool, Provider::Jira).await;
    let (queue, _, _) = queue().await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(jira_api("/project/search")))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_string("<html><body>Atlassian trace 7f3a</body></html>"),
        )
        .mount(&server)
        .await;
    let worker = worker(&pool, &server, queue);
    let err = worker.sync(&pool, id, true).await.unwrap_err();
    // Our log has the provider's answer; the business reads what went wrong.
    assert!(format!("{err:#}").contains("Atlassian trace"), "{err:#}");
    let (status, error) = status_and_error(&pool, id).await;
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("error", "Jira answered 500 Internal Server Error")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn paging_guards_stop_repeated_tokens_and_empty_pages_without_deleting(pool: PgPool) {
    seed(&pool).await;
    let id = valid(&pool, Provider::Jira).await;
    let (queue, _, _) = queue().await;
    for (label, second_page) in [
        ("repeated", fixture("jira/search_jql_page1.json")),
        ("empty", json!({"issues": [], "nextPageToken": "onward"})),
    ] {
        let server = MockServer::start().await;
        // A first good sync, so there is something a wrong deletion pass would remove.
        jira_site(&server, fixture("jira/search_jql_page2.json")).await;
        let worker = worker(&pool, &server, queue.clone());
        synced(&worker, &pool, id, true).await;
        server.reset().await;
        jira_site(&server, second_page).await;
        let err = worker.sync(&pool, id, true).await.unwrap_err();
        assert!(format!("{err:#}").contains(label), "{label}: {err:#}");
        let (status, error) = status_and_error(&pool, id).await;
        assert_eq!(status, "error");
        assert!(error.contains("pagination stopped"), "{error}");
        assert!(
            tasks(&pool).await.iter().all(|t| !t.2),
            "{label}: nothing deleted"
        );
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_429_with_retry_after_is_waited_out_and_a_long_one_left_to_the_queue(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(jira_api("/project/search")))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    jira_site(&server, fixture("jira/search_jql_page2.json")).await;
    let id = valid(&pool, Provider::Jira).await;
    let (queue, _, _) = queue().await;
    let worker = worker(&pool, &server, queue);
    let report = synced(&worker, &pool, id, true).await;
    assert_eq!(report.tasks, 5);
    let project_calls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/project/search"))
        .count();
    assert_eq!(project_calls, 3, "one 429, then both pages");
    // A wait longer than the client takes inline fails the job (SQS redelivers it later).
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(jira_api("/project/search")))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .mount(&server)
        .await;
    let err = worker.sync(&pool, id, true).await.unwrap_err();
    assert!(format!("{err:#}").contains("rate limited"), "{err:#}");
}

async fn asana_workspace(server: &MockServer, live_hooks: Value) {
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/1.0/workspaces/{ASANA_WORKSPACE}/projects"
        )))
        .and(query_param(
            "offset",
            fixture("asana/projects_page1.json")["next_page"]["offset"]
                .as_str()
                .unwrap(),
        ))
        .respond_with(ok(fixture("asana/projects_page2.json")))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/api/1.0/workspaces/{ASANA_WORKSPACE}/projects"
        )))
        .respond_with(ok(fixture("asana/projects_page1.json")))
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/1.0/projects/1200000000000101/tasks"))
        .and(query_param(
            "offset",
            fixture("asana/tasks_page1.json")["next_page"]["offset"]
                .as_str()
                .unwrap(),
        ))
        .respond_with(ok(fixture("asana/tasks_page2.json")))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/1.0/projects/1200000000000101/tasks"))
        .respond_with(ok(fixture("asana/tasks_page1.json")))
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/1\.0/projects/\d+/tasks$"))
        .respond_with(ok(json!({"data": [], "next_page": null})))
        .with_priority(3)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/1.0/tasks"))
        .and(query_param_contains("modified_since", "T"))
        .respond_with(ok(json!({"data": [], "next_page": null})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/1.0/webhooks"))
        .and(query_param("workspace", ASANA_WORKSPACE))
        .respond_with(ok(json!({"data": live_hooks, "next_page": null})))
        .mount(server)
        .await;
}

/// Asana's create answer for `project`, with a fresh webhook gid and the secret in the body.
struct CreateHook;
impl wiremock::Respond for CreateHook {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let project = body["data"]["resource"].as_str().unwrap();
        let mut answer = fixture("asana/webhook_create_response.json");
        answer["data"]["gid"] = json!(format!("9{project}"));
        answer["data"]["resource"]["gid"] = json!(project);
        answer["data"]["target"] = body["data"]["target"].clone();
        ok(answer)
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn asana_syncs_by_offset_and_modified_since_and_recreates_deleted_webhooks(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    asana_workspace(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path("/api/1.0/webhooks"))
        .respond_with(CreateHook)
        .mount(&server)
        .await;
    let id = valid(&pool, Provider::Asana).await;
    let (queue, _, _) = queue().await;
    let worker = worker(&pool, &server, queue);
    let report = synced(&worker, &pool, id, true).await;
    assert_eq!(
        (report.projects, report.tasks, report.webhooks.created),
        (3, 4, 3),
        "{report:?}"
    );
    let t = tasks(&pool).await;
    assert_eq!(
        t[1],
        ("1200000000000202".into(), "done".into(), false),
        "completed is done"
    );
    // Each webhook's target names the integration and its registration; the secret is sealed.
    let hooks: Vec<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT id, external_webhook_id, secret IS NOT NULL FROM integration_webhooks
         WHERE integration_id = $1 ORDER BY resource_id",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(hooks.len(), 3);
    assert!(hooks.iter().all(|h| h.2));
    let creates: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let target = creates[0]["data"]["target"].as_str().unwrap();
    assert!(
        target.starts_with(&format!(
            "https://hooks.studioconnect.example/api/webhooks/asana/{id}?hook="
        )),
        "{target}"
    );

    // Asana deleted one webhook (24 h of failures): the next sync, incremental, recreates it.
    server.reset().await;
    let live: Vec<Value> = hooks
        .iter()
        .skip(1)
        .map(|h| json!({"gid": h.1, "resource": {"gid": h.1[1..], "resource_type": "project"}}))
        .collect();
    asana_workspace(&server, json!(live)).await;
    Mock::given(method("POST"))
        .and(path("/api/1.0/webhooks"))
        .respond_with(CreateHook)
        .expect(1)
        .mount(&server)
        .await;
    let report = synced(&worker, &pool, id, false).await;
    assert_eq!(
        (report.webhooks.created, report.webhooks.removed),
        (1, 1),
        "{report:?}"
    );
    server.verify().await;
    assert!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| r.url.path() == "/api/1.0/tasks"
                && r.url.query().unwrap().contains("modified_since"))
    );
}

/// monday's GraphQL endpoint, answering by operation.
async fn monday_account(server: &MockServer) {
    let gql = |needle: &'static str| {
        Mock::given(method("POST"))
            .and(path("/v2"))
            .and(body_string_contains(needle))
    };
    gql("boards(limit")
        .respond_with(ok(fixture("monday/error_complexity.json").tap_retry(1)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    gql("boards(limit")
        .respond_with(ok(fixture("monday/boards_page1.json")))
        .with_priority(2)
        .mount(server)
        .await;
    gql("next_items_page")
        .respond_with(ok(fixture("monday/error_cursor_expired.json")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    gql("next_items_page")
        .respond_with(ok(fixture("monday/items_page2.json")))
        .with_priority(2)
        .mount(server)
        .await;
    gql("1849302990")
        .and(body_string_contains("items_page"))
        .respond_with(ok(
            json!({"data": {"boards": [{"items_page": {"cursor": null, "items": []}}]}}),
        ))
        .with_priority(1)
        .mount(server)
        .await;
    gql("items_page")
        .respond_with(ok(fixture("monday/items_page1.json")))
        .with_priority(3)
        .mount(server)
        .await;
    gql("webhooks(board_id")
        .respond_with(ok(json!({"data": {"webhooks": []}})))
        .mount(server)
        .await;
    gql("create_webhook")
        .respond_with(ok(fixture("monday/create_webhook.json")))
        .mount(server)
        .await;
}

trait TapRetry {
    fn tap_retry(self, seconds: u64) -> Self;
}
impl TapRetry for Value {
    /// The budget error with a short wait (the fixture's 12 s would slow the suite).
    fn tap_retry(mut self, seconds: u64) -> Self {
        self["errors"][0]["extensions"]["retry_in_seconds"] = json!(seconds);
        self
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn monday_waits_out_its_budget_and_restarts_an_expired_cursor(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    monday_account(&server).await;
    let id = valid(&pool, Provider::Monday).await;
    let (queue, _, _) = queue().await;
    let worker = worker(&pool, &server, queue);
    let report = synced(&worker, &pool, id, true).await;
    // Board 1: page 1, an expired cursor, page 1 again, page 2; board 2 empty.
    assert_eq!(report.projects, 2);
    assert_eq!(tasks(&pool).await.len(), 3);
    assert_eq!(report.webhooks.created, 10, "two boards x five events");
    let requests = server.received_requests().await.unwrap();
    let count = |needle: &str| {
        requests
            .iter()
            .filter(|r| String::from_utf8_lossy(&r.body).contains(needle))
            .count()
    };
    assert_eq!(
        count("boards(limit"),
        2,
        "the budget error was waited out once"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("api-version").unwrap() == "2026-07")
    );
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("authorization").unwrap() == "access-1")
    );
}
