//! The Asana receiver through its handler: the handshake only while a registration is being created, and every signature checked.
//! Run by ./infra/local/test (Postgres, moto).

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};

use sha2::Sha256;
use shared::db::Database;
use shared::jobs::JobQueue;
use shared::pm::store::StoreLedger;
use shared::pm::sync::PmJob;
use shared::pm::{Provider, WebhookLedger};
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;

/// This function's state on the test's database and its own queue.
async fn state(pool: &PgPool, queue: JobQueue<PmJob>) -> pm_webhook_asana::State {
    pm_webhook_asana::State {
        db: Database::from_pool(pool.clone()),
        deliveries: delivery_queue(queue).await,
        cipher: cipher(),
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn asana_handshakes_only_while_creating_and_checks_every_signature(pool: PgPool) {
    seed(&pool).await;
    let id = valid(&pool, Provider::Asana).await;
    let (queue, sqs, url) = queue().await;
    let web = state(&pool, queue).await;
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
    let (status, _, headers) = parts(pm_webhook_asana::handle(&web, handshake(&hook)).await);
    assert_eq!(status, 200);
    assert_eq!(headers["x-hook-secret"], secret);
    // A handshake for a registration not being created now is refused.
    let (status, answer, _) =
        parts(pm_webhook_asana::handle(&web, handshake(&settled.to_string())).await);
    assert_eq!(status, 403, "{answer}");
    ledger
        .created(creating, "1200000000000901", None, None)
        .await
        .unwrap();
    let (status, _, _) = parts(pm_webhook_asana::handle(&web, handshake(&hook)).await);
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
    let (status, _, _) =
        parts(pm_webhook_asana::handle(&web, deliver(&events, &sign(secret, &events))).await);
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
    let (status, _, _) =
        parts(pm_webhook_asana::handle(&web, deliver(heartbeat, &sign(secret, heartbeat))).await);
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
        let (status, answer, _) = parts(pm_webhook_asana::handle(&web, req).await);
        assert_eq!(status, 401, "{label}: {answer}");
        assert!(answer["error"]["message"].is_string());
    }
    assert!(drain(&sqs, &url).await.is_empty());
}
