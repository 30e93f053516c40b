//! The pm-sync worker's jobs beyond one sync: keeping Jira's webhook alive (refreshed near
//! expiry, registered again when lost), the schedule's fan-out, and refetches that trust only the
//! provider. Real Postgres, a private queue on the emulator, Jira faked over HTTP with its
//! documented payloads (tests/fixtures/pm). Run with ./infra/local/test.

use std::time::Duration;

use chrono::Utc;
use pm_sync_worker::SyncOutcome;
use pm_sync_worker::testing::{synced, worker};
use serde_json::json;
use shared::jobs::Delivery;
use shared::pm::store::{self, StoreLedger};
use shared::pm::sync::PmJob;
use shared::pm::{Provider, WebhookLedger};
use shared::testing::pm::*;
use sqlx::PgPool;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
