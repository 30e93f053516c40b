//! The Jira receiver through its handler: verified, routed by webhook id and site, deduplicated.
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
async fn state(pool: &PgPool, queue: JobQueue<PmJob>) -> pm_webhook_jira::State {
    pm_webhook_jira::State {
        db: Database::from_pool(pool.clone()),
        deliveries: delivery_queue(queue).await,
        jira_client_secret: SecretString::from(JIRA_SECRET),
    }
}

/// A connected Jira integration with its webhook `1000` registered; its id.
async fn connected_with_webhook(pool: &PgPool) -> Uuid {
    seed(pool).await;
    let id = valid(pool, Provider::Jira).await;
    sqlx::query("INSERT INTO integration_webhooks (integration_id, resource_id, external_webhook_id) VALUES ($1, 'project IN (10000)', '1000')")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    id
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn jira_deliveries_are_verified_routed_and_deduplicated(pool: PgPool) {
    let id = connected_with_webhook(&pool).await;
    let (queue, sqs, url) = queue().await;
    let web = state(&pool, queue).await;
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
        parts(pm_webhook_jira::handle(&web, deliver(good.clone(), &body)).await);
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
        parts(pm_webhook_jira::handle(&web, deliver(good.clone(), &body)).await);
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
        let (status, answer, _) = parts(pm_webhook_jira::handle(&web, deliver(auth, &body)).await);
        assert_eq!(status, 401, "{label}: {answer}");
        assert_eq!(answer["error"]["code"], "unauthorized");
    }
    // Verified but not a delivery: a 400 with a JSON error.
    let (status, answer, _) = parts(pm_webhook_jira::handle(&web, deliver(good, b"[1,2")).await);
    assert_eq!(status, 400, "{answer}");
    assert!(drain(&sqs, &url).await.is_empty());
}

/// A signed delivery for webhook 1000, with an identifier of its own.
fn signed_delivery() -> lambda_http::Request {
    let body = serde_json::to_vec(&fixture("jira/webhook_issue_updated.json")).unwrap();
    let auth = format!(
        "Bearer {}",
        jwt(
            JIRA_SECRET,
            json!({"iss": "jira-client", "exp": in_an_hour()})
        )
    );
    let identifier = Uuid::new_v4().to_string();
    post(
        &[],
        &[],
        &[
            ("authorization", &auth),
            ("x-atlassian-webhook-identifier", &identifier),
        ],
        &body,
    )
}

/// A queue that cannot be reached is Jira's cue to retry (a 503); a queue that refuses the job
/// (here: there is no such queue, a misconfiguration) is a fault of ours (a 500), not hidden as
/// an outage.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_unreachable_queue_is_a_503_to_retry_and_a_refusing_one_a_500(pool: PgPool) {
    connected_with_webhook(&pool).await;
    let (nowhere, _) = shared::testing::unreachable_dependencies().await;
    let web = state(
        &pool,
        JobQueue::new(nowhere.sqs, "http://127.0.0.1:9/000000000000/q"),
    )
    .await;
    let (status, answer, _) = parts(pm_webhook_jira::handle(&web, signed_delivery()).await);
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["error"]["code"], "unavailable");
    let (_, sqs, url) = queue().await;
    let web = state(&pool, JobQueue::new(sqs, &format!("{url}-deleted"))).await;
    let (status, answer, _) = parts(pm_webhook_jira::handle(&web, signed_delivery()).await);
    assert_eq!(status, 500, "{answer}");
}

/// A forged delivery costs nothing: with Postgres, SQS and DynamoDB unreachable it is still a
/// plain 401 (reaching any of them would have been a 503).
#[tokio::test]
async fn a_refusal_reaches_no_dependency() {
    let (aws, db) = shared::testing::unreachable_dependencies().await;
    let web = pm_webhook_jira::State {
        db,
        deliveries: shared::pm::deliveries::DeliveryQueue {
            queue: JobQueue::new(aws.sqs.clone(), "http://127.0.0.1:9/000000000000/q"),
            deliveries: shared::idempotency::IdempotencyStore::new(
                aws.dynamodb.clone(),
                "nowhere",
                std::time::Duration::from_secs(60),
                std::time::Duration::from_secs(60),
            ),
        },
        jira_client_secret: SecretString::from(JIRA_SECRET),
    };
    let body = serde_json::to_vec(&fixture("jira/webhook_issue_updated.json")).unwrap();
    let forged = format!(
        "Bearer {}",
        jwt("not-the-secret", json!({"exp": in_an_hour()}))
    );
    for auth in [forged.as_str(), "", "Bearer x.y.z"] {
        let request = post(&[], &[], &[("authorization", auth)], &body);
        let (status, answer, _) = parts(pm_webhook_jira::handle(&web, request).await);
        assert_eq!(status, 401, "{auth}: {answer}");
    }
    let genuine = format!(
        "Bearer {}",
        jwt(
            JIRA_SECRET,
            json!({"iss": "jira-client", "exp": in_an_hour()})
        )
    );
    let request = post(&[], &[], &[("authorization", &genuine)], &body);
    let (status, answer, _) = parts(pm_webhook_jira::handle(&web, request).await);
    assert_eq!(
        status, 503,
        "a genuine delivery reaches the (unreachable) database: {answer}"
    );
}
