//! The monday receiver through its handler: the challenge echoed, events verified against the integration's account and deduplicated.
//! Run by ./infra/local/test (Postgres, moto).

use chrono::Utc;

use secrecy::SecretString;
use serde_json::json;
use shared::db::Database;
use shared::jobs::JobQueue;
use shared::pm::Provider;
use shared::pm::sync::PmJob;
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;

/// This function's state on the test's database and its own queue.
async fn state(pool: &PgPool, queue: JobQueue<PmJob>) -> pm_webhook_monday::State {
    pm_webhook_monday::State {
        db: Database::from_pool(pool.clone()),
        deliveries: delivery_queue(queue).await,
        monday_signing_secret: SecretString::from(MONDAY_SIGNING),
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn monday_challenges_are_echoed_and_events_verified_and_deduplicated(pool: PgPool) {
    seed(&pool).await;
    let id = valid(&pool, Provider::Monday).await;
    let (queue, sqs, url) = queue().await;
    let web = state(&pool, queue).await;
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
        parts(pm_webhook_monday::handle(&web, deliver(None, &challenge)).await);
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
        parts(pm_webhook_monday::handle(&web, deliver(Some(good.clone()), &body)).await);
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
        pm_webhook_monday::handle(&web, deliver(Some(format!("Bearer {good}")), &body)).await,
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
            parts(pm_webhook_monday::handle(&web, deliver(auth, &body)).await);
        assert_eq!(status, 401, "{label}: {answer}");
    }
    let (status, answer, _) =
        parts(pm_webhook_monday::handle(&web, deliver(Some(good), b"{not json")).await);
    assert_eq!(status, 400, "{answer}");
    assert!(drain(&sqs, &url).await.is_empty());
}
