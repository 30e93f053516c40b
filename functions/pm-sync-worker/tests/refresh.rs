//! Refreshing a PM tool's tokens: single-flight under concurrency, and a refused refresh marking
//! the integration for re-consent. Real Postgres, the vendors faked over HTTP. Run with
//! ./infra/local/test.

use std::time::Duration;

use chrono::Utc;
use pm_sync_worker::testing::worker;
use secrecy::ExposeSecret;
use serde_json::json;
use shared::pm::Provider;
use shared::pm::store::{self, Tokens};
use shared::testing::pm::*;
use sqlx::PgPool;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
    let (queue, _, _) = queue().await;
    let worker = worker(&pool, &server, queue);
    // The sync refreshes the expired token first; the refusal marks the integration for
    // re-consent, in words for the business (the token endpoint's reason is for the log).
    assert_eq!(
        worker.sync(&pool, id, false).await.unwrap(),
        pm_sync_worker::SyncOutcome::Skipped("waiting for re-consent")
    );
    let (status, error) = status_and_error(&pool, id).await;
    assert_eq!(status, "needs_reconsent");
    assert_eq!(
        error,
        "monday.com no longer accepts our access: connect it again"
    );
    // Its tokens are refused as such, and a sync of it is skipped, not retried forever.
    let row = store::load(&pool, id).await.unwrap().unwrap();
    let tokens = Tokens {
        pool: pool.clone(),
        cipher: cipher(),
        providers: providers(&server),
    };
    let err = tokens.access_token(&row, false).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(status_and_error(&pool, id).await.1, error);
    assert_eq!(
        worker.sync(&pool, id, false).await.unwrap(),
        pm_sync_worker::SyncOutcome::Skipped("waiting for re-consent")
    );
}
