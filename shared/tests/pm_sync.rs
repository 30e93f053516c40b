//! Syncing and webhooks through the worker and the receivers: real Postgres, a private queue and
//! the idempotency table on the emulator, each vendor faked over HTTP with its documented
//! payloads (tests/fixtures/pm). Run with ./infra/local/test.

mod pm_support;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use http::Method;
use lambda_http::{Body, Request, RequestExt, Response};
use pm_support::*;
use serde_json::{Value, json};
use sha2::Sha256;
use shared::jobs::Delivery;
use shared::pm::store::{self, StoreLedger};
use shared::pm::sync::{PmJob, SyncOutcome};
use shared::pm::{Provider, WebhookLedger};
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{
    body_string_contains, method, path, path_regex, query_param, query_param_contains,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn jira_api(rest: &str) -> String {
    format!("/ex/jira/{CLOUD}/rest/api/3{rest}")
}

async fn valid(pool: &PgPool, provider: Provider) -> Uuid {
    connected(
        pool,
        provider,
        "access-1",
        "refresh-1",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await
}

async fn tasks(pool: &PgPool) -> Vec<(String, String, bool)> {
    sqlx::query_as(
        "SELECT external_id, status, deleted_at IS NOT NULL FROM tasks ORDER BY external_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn synced(
    worker: &shared::pm::sync::PmWorker,
    pool: &PgPool,
    id: Uuid,
    full: bool,
) -> shared::pm::sync::SyncReport {
    match worker.sync(pool, id, full).await.unwrap() {
        SyncOutcome::Synced(report) => report,
        other => panic!("not synced: {other:?}"),
    }
}

/// Jira with the fixture pages: projects in two pages, ENG's issues in two pages.
async fn jira_site(server: &MockServer, second_issue_page: Value) {
    Mock::given(method("GET"))
        .and(path(jira_api("/project/search")))
        .and(query_param("startAt", "0"))
        .respond_with(ok(fixture("jira/project_search_page1.json")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/project/search")))
        .and(query_param("startAt", "2"))
        .respond_with(ok(fixture("jira/project_search_page2.json")))
        .mount(server)
        .await;
    let token = fixture("jira/search_jql_page1.json")["nextPageToken"]
        .as_str()
        .unwrap()
        .to_owned();
    Mock::given(method("GET"))
        .and(path(jira_api("/search/jql")))
        .and(query_param("nextPageToken", token.as_str()))
        .respond_with(ok(second_issue_page))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/search/jql")))
        .and(query_param_contains("jql", "\"10000\""))
        .respond_with(ok(fixture("jira/search_jql_page1.json")))
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/search/jql")))
        .respond_with(ok(json!({"issues": [], "isLast": true})))
        .with_priority(3)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/webhook")))
        .respond_with(ok(
            json!({"maxResults": 100, "startAt": 0, "total": 0, "isLast": true, "values": []}),
        ))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(jira_api("/webhook")))
        .and(body_string_contains("project IN (10000, 10001, 10002)"))
        .respond_with(ok(fixture("jira/webhook_register_response.json")))
        .mount(server)
        .await;
}

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
        let (status, error): (String, String) =
            sqlx::query_as("SELECT status, last_error FROM integrations WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
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

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn jira_webhooks_near_expiry_are_refreshed_and_lost_ones_registered_again(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let id = valid(&pool, Provider::Jira).await;
    let row = store::load(&pool, id).await.unwrap().unwrap();
    let tokens = store::Tokens {
        pool: pool.clone(),
        cipher: cipher(),
        providers: providers(&server),
    };
    let conn = tokens.connection(&row, false).await.unwrap();
    let ledger = StoreLedger {
        pool: &pool,
        cipher: &tokens.cipher,
        integration_id: id,
    };
    let projects = vec!["10000".to_owned(), "10001".to_owned()];
    let jql = "project IN (10000, 10001)";
    let hook = ledger.begin(jql, Duration::ZERO).await.unwrap();
    ledger
        .created(
            hook,
            "1000",
            Some(Utc::now() + chrono::Duration::days(3)),
            None,
        )
        .await
        .unwrap();
    Mock::given(method("GET"))
        .and(path(jira_api("/webhook")))
        .respond_with(ok(fixture("jira/webhook_list.json")))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(jira_api("/webhook/refresh")))
        .and(body_string_contains("[1000]"))
        .respond_with(ok(fixture("jira/webhook_refresh_response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let jira = tokens.providers.get(Provider::Jira).unwrap();
    let report = jira
        .reconcile_webhooks(
            &conn,
            &projects,
            &store::webhooks(&pool, id).await.unwrap(),
            &ledger,
        )
        .await
        .unwrap();
    assert_eq!(report.refreshed, 1);
    server.verify().await;
    let expires = store::webhooks(&pool, id).await.unwrap()[0]
        .expires_at
        .unwrap();
    let stated = fixture("jira/webhook_refresh_response.json")["expirationDate"].clone();
    assert_eq!(
        expires,
        shared::pm::parse_instant(stated.as_str().unwrap()).unwrap()
    );
    // With weeks left, nothing is refreshed.
    server.reset().await;
    ledger
        .extended(hook, Utc::now() + chrono::Duration::days(25))
        .await
        .unwrap();
    Mock::given(method("GET"))
        .and(path(jira_api("/webhook")))
        .respond_with(ok(fixture("jira/webhook_list.json")))
        .mount(&server)
        .await;
    let report = jira
        .reconcile_webhooks(
            &conn,
            &projects,
            &store::webhooks(&pool, id).await.unwrap(),
            &ledger,
        )
        .await
        .unwrap();
    assert_eq!(report, shared::pm::WebhookReport::default());
    // Jira no longer lists it (refresh would silently ignore the id): it is registered again.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(jira_api("/webhook")))
        .respond_with(ok(json!({"isLast": true, "values": []})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(jira_api("/webhook")))
        .and(body_string_contains(jql))
        .and(body_string_contains(
            "https://hooks.studioconnect.example/api/webhooks/jira",
        ))
        .respond_with(ok(
            json!({"webhookRegistrationResult": [{"createdWebhookId": 1001}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let report = jira
        .reconcile_webhooks(
            &conn,
            &projects,
            &store::webhooks(&pool, id).await.unwrap(),
            &ledger,
        )
        .await
        .unwrap();
    assert_eq!((report.created, report.removed), (1, 1));
    server.verify().await;
    let rows = store::webhooks(&pool, id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].external_webhook_id.as_deref(), Some("1001"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_schedule_fans_out_and_refetches_trust_only_the_provider(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    jira_site(&server, fixture("jira/search_jql_page2.json")).await;
    let id = valid(&pool, Provider::Jira).await;
    let asleep = valid(&pool, Provider::Asana).await;
    sqlx::query("UPDATE integrations SET status = 'needs_reconsent' WHERE id = $1")
        .bind(asleep)
        .execute(&pool)
        .await
        .unwrap();
    let (queue, sqs, url) = queue().await;
    let worker = worker(&pool, &server, queue);
    let first = Delivery { receive_count: 1 };
    worker
        .process(PmJob::ResyncAll, first.clone())
        .await
        .unwrap();
    assert_eq!(
        drain(&sqs, &url).await,
        [PmJob::Sync {
            integration_id: id,
            full: false
        }]
    );
    synced(&worker, &pool, id, true).await;
    // ENG-3 moved to Done after the sync; ENG-5 was deleted.
    let mut issue = fixture("jira/search_jql_page1.json")["issues"][0].clone();
    issue["fields"]["status"]["name"] = json!("Done");
    issue["fields"]["status"]["statusCategory"]["key"] = json!("done");
    issue["fields"]["updated"] = json!("2026-11-24T12:00:00.000+0000");
    Mock::given(method("GET"))
        .and(path(jira_api("/issue/10002")))
        .respond_with(ok(issue))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(jira_api("/issue/10004")))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
        ))
        .mount(&server)
        .await;
    worker
        .process(
            PmJob::Refetch {
                integration_id: id,
                task_ids: vec!["10002".into(), "10004".into()],
            },
            first.clone(),
        )
        .await
        .unwrap();
    let t = tasks(&pool).await;
    assert_eq!(t[2], ("10002".into(), "done".into(), false));
    assert_eq!(t[4], ("10004".into(), "todo".into(), true));
    // An older copy (a late retry of an old event) never overwrites a newer one.
    let mut old = fixture("jira/search_jql_page1.json")["issues"][0].clone();
    old["fields"]["updated"] = json!("2026-11-01T00:00:00.000+0000");
    let conn = worker
        .tokens
        .connection(&store::load(&pool, id).await.unwrap().unwrap(), false)
        .await
        .unwrap();
    let stale = shared::pm::jira::normalize_issue(old, Some(SITE)).unwrap();
    let listed_at = Utc::now();
    store::upsert_tasks(&pool, &conn, Provider::Jira, &[stale], listed_at)
        .await
        .unwrap();
    assert_eq!(tasks(&pool).await[2].1, "done");
    // ...but it was listed: a deletion pass of a sync that started before does not remove it.
    store::mark_unseen_deleted(&pool, id, listed_at)
        .await
        .unwrap();
    assert!(
        !tasks(&pool).await[2].2,
        "a listed task is never marked deleted"
    );
    // One sync at a time: a second one while the lease is held waits.
    assert!(
        store::take_lease(&pool, id, Duration::from_secs(60))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        worker.sync(&pool, id, false).await.unwrap(),
        SyncOutcome::Skipped("busy")
    );
    assert!(
        worker
            .process(
                PmJob::Sync {
                    integration_id: id,
                    full: false
                },
                first
            )
            .await
            .is_err(),
        "retried later by SQS"
    );
}

// ---------------------------------------------------------------------------- webhook receivers

fn post(
    params: &[(&str, &str)],
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: &[u8],
) -> Request {
    let mut req = Request::new(Body::Binary(body.to_vec()))
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
    *req.method_mut() = Method::POST;
    for (k, v) in headers {
        req.headers_mut().insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    req
}

fn parts(resp: Response<Body>) -> (u16, Value, http::HeaderMap) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = if resp.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(resp.body().as_ref()).unwrap()
    };
    (status, body, headers)
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn jira_deliveries_are_verified_routed_and_deduplicated(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let id = valid(&pool, Provider::Jira).await;
    sqlx::query("INSERT INTO integration_webhooks (integration_id, resource_id, external_webhook_id) VALUES ($1, 'project IN (10000)', '1000')")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let (queue, sqs, url) = queue().await;
    let web = web_state(&pool, &server, queue).await;
    let body = serde_json::to_vec(&fixture("jira/webhook_issue_updated.json")).unwrap();
    let delivery_id = Uuid::new_v4().to_string();
    let deliver = |auth: String, body: &[u8]| {
        post(
            &[],
            &[],
            &[
                ("authorization", &auth),
                ("x-atlassian-webhook-identifier", &delivery_id),
            ],
            body,
        )
    };
    let good = format!(
        "Bearer {}",
        jwt(
            JIRA_SECRET,
            json!({"iss": "jira-client", "exp": in_an_hour()})
        )
    );
    let (status, answer, _) =
        parts(shared::pm::webhooks::jira_webhook(&web, deliver(good.clone(), &body)).await);
    assert_eq!(
        (status, answer["duplicate"].as_bool()),
        (200, Some(false)),
        "{answer}"
    );
    assert_eq!(
        drain(&sqs, &url).await,
        [PmJob::Refetch {
            integration_id: id,
            task_ids: vec!["10002".into()]
        }]
    );
    // Jira retries: the same identifier is acknowledged and not queued again.
    let (status, answer, _) =
        parts(shared::pm::webhooks::jira_webhook(&web, deliver(good.clone(), &body)).await);
    assert_eq!((status, answer["duplicate"].as_bool()), (200, Some(true)));
    assert!(drain(&sqs, &url).await.is_empty());
    // Refused: wrong key, expired, another algorithm, none at all.
    let wrong_key = format!(
        "Bearer {}",
        jwt("not-the-secret", json!({"exp": in_an_hour()}))
    );
    let expired = format!(
        "Bearer {}",
        jwt(JIRA_SECRET, json!({"exp": Utc::now().timestamp() - 600}))
    );
    let hs512 = format!(
        "Bearer {}",
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
            &json!({"exp": in_an_hour()}),
            &jsonwebtoken::EncodingKey::from_secret(JIRA_SECRET.as_bytes()),
        )
        .unwrap()
    );
    for (label, auth) in [
        ("wrong key", wrong_key),
        ("expired", expired),
        ("HS512", hs512),
        ("missing", String::new()),
    ] {
        let (status, answer, _) =
            parts(shared::pm::webhooks::jira_webhook(&web, deliver(auth, &body)).await);
        assert_eq!(status, 401, "{label}: {answer}");
        assert_eq!(answer["error"]["code"], "unauthorized");
    }
    // Verified but not a delivery: a 400 with a JSON error.
    let (status, answer, _) =
        parts(shared::pm::webhooks::jira_webhook(&web, deliver(good, b"[1,2")).await);
    assert_eq!(status, 400, "{answer}");
    assert!(drain(&sqs, &url).await.is_empty());
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn asana_handshakes_only_while_creating_and_checks_every_signature(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let id = valid(&pool, Provider::Asana).await;
    let (queue, sqs, url) = queue().await;
    let web = web_state(&pool, &server, queue).await;
    let ledger = StoreLedger {
        pool: &pool,
        cipher: &web.cipher,
        integration_id: id,
    };
    let creating = ledger
        .begin("1200000000000101", Duration::from_secs(60))
        .await
        .unwrap();
    let settled = ledger
        .begin("1200000000000102", Duration::ZERO)
        .await
        .unwrap();
    let integration = id.to_string();
    let hook = creating.to_string();
    let secret = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81";
    let handshake = |hook: &str| {
        post(
            &[("integrationId", &integration)],
            &[("hook", hook)],
            &[("x-hook-secret", secret)],
            b"",
        )
    };
    let (status, _, headers) =
        parts(shared::pm::webhooks::asana_webhook(&web, handshake(&hook)).await);
    assert_eq!(status, 200);
    assert_eq!(headers["x-hook-secret"], secret);
    // A handshake for a registration not being created now is refused.
    let (status, answer, _) =
        parts(shared::pm::webhooks::asana_webhook(&web, handshake(&settled.to_string())).await);
    assert_eq!(status, 403, "{answer}");
    ledger
        .created(creating, "1200000000000901", None, None)
        .await
        .unwrap();
    let (status, _, _) = parts(shared::pm::webhooks::asana_webhook(&web, handshake(&hook)).await);
    assert_eq!(status, 403, "the window closed when the creation finished");

    let events = serde_json::to_vec(&fixture("asana/webhook_events.json")).unwrap();
    let deliver = |body: &[u8], signature: &str| {
        post(
            &[("integrationId", &integration)],
            &[("hook", &hook)],
            &[("x-hook-signature", signature)],
            body,
        )
    };
    let (status, _, _) = parts(
        shared::pm::webhooks::asana_webhook(&web, deliver(&events, &sign(secret, &events))).await,
    );
    assert_eq!(status, 200);
    assert_eq!(
        drain(&sqs, &url).await,
        [PmJob::Refetch {
            integration_id: id,
            task_ids: vec![
                "1200000000000202".into(),
                "1200000000000203".into(),
                "1200000000000201".into()
            ]
        }]
    );
    // A heartbeat is answered and queues nothing.
    let heartbeat = br#"{"events":[]}"#;
    let (status, _, _) = parts(
        shared::pm::webhooks::asana_webhook(&web, deliver(heartbeat, &sign(secret, heartbeat)))
            .await,
    );
    assert_eq!(status, 200);
    // Tampered, signed with another secret, unsigned, or for an unknown registration: 401.
    let mut tampered = events.clone();
    tampered[20] ^= 1;
    for (label, req) in [
        ("tampered", deliver(&tampered, &sign(secret, &events))),
        ("wrong secret", deliver(&events, &sign("another", &events))),
        ("unsigned", deliver(&events, "")),
        (
            "unknown hook",
            post(
                &[("integrationId", &integration)],
                &[("hook", &Uuid::new_v4().to_string())],
                &[("x-hook-signature", &sign(secret, &events))],
                &events,
            ),
        ),
    ] {
        let (status, answer, _) = parts(shared::pm::webhooks::asana_webhook(&web, req).await);
        assert_eq!(status, 401, "{label}: {answer}");
        assert!(answer["error"]["message"].is_string());
    }
    assert!(drain(&sqs, &url).await.is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn monday_challenges_are_echoed_and_events_verified_and_deduplicated(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let id = valid(&pool, Provider::Monday).await;
    let (queue, sqs, url) = queue().await;
    let web = web_state(&pool, &server, queue).await;
    let integration = id.to_string();
    let deliver = |auth: Option<String>, body: &[u8]| {
        let headers: Vec<(&str, &str)> = match &auth {
            Some(a) => vec![("authorization", a.as_str())],
            None => vec![],
        };
        post(&[("integrationId", &integration)], &[], &headers, body)
    };
    let challenge = serde_json::to_vec(&fixture("monday/webhook_challenge.json")).unwrap();
    let (status, answer, _) =
        parts(shared::pm::webhooks::monday_webhook(&web, deliver(None, &challenge)).await);
    assert_eq!(status, 200);
    assert_eq!(answer, fixture("monday/webhook_challenge.json"));

    let mut event = fixture("monday/webhook_change_status.json");
    event["event"]["triggerUuid"] = json!(Uuid::new_v4().to_string());
    let body = serde_json::to_vec(&event).unwrap();
    let good = jwt(
        MONDAY_SIGNING,
        json!({"accountId": 9876543, "exp": in_an_hour()}),
    );
    let (status, answer, _) =
        parts(shared::pm::webhooks::monday_webhook(&web, deliver(Some(good.clone()), &body)).await);
    assert_eq!(
        (status, answer["duplicate"].as_bool()),
        (200, Some(false)),
        "{answer}"
    );
    assert_eq!(
        drain(&sqs, &url).await,
        [PmJob::Refetch {
            integration_id: id,
            task_ids: vec!["1849302201".into()]
        }]
    );
    // monday retries every minute: the same triggerUuid is not queued twice. `Bearer ` is optional.
    let (status, answer, _) = parts(
        shared::pm::webhooks::monday_webhook(&web, deliver(Some(format!("Bearer {good}")), &body))
            .await,
    );
    assert_eq!((status, answer["duplicate"].as_bool()), (200, Some(true)));
    for (label, auth) in [
        (
            "wrong key",
            Some(jwt(
                "nope",
                json!({"accountId": 9876543, "exp": in_an_hour()}),
            )),
        ),
        (
            "expired",
            Some(jwt(
                MONDAY_SIGNING,
                json!({"accountId": 9876543, "exp": Utc::now().timestamp() - 600}),
            )),
        ),
        (
            "another account",
            Some(jwt(
                MONDAY_SIGNING,
                json!({"accountId": 1, "exp": in_an_hour()}),
            )),
        ),
        (
            "no account",
            Some(jwt(MONDAY_SIGNING, json!({"exp": in_an_hour()}))),
        ),
        ("missing", None),
    ] {
        let (status, answer, _) =
            parts(shared::pm::webhooks::monday_webhook(&web, deliver(auth, &body)).await);
        assert_eq!(status, 401, "{label}: {answer}");
    }
    let (status, answer, _) =
        parts(shared::pm::webhooks::monday_webhook(&web, deliver(Some(good), b"{not json")).await);
    assert_eq!(status, 400, "{answer}");
    assert!(drain(&sqs, &url).await.is_empty());
}
