//! The integrations list: each connection with its status and sync health and no token in sight,
//! and the providers this deployment offers.

use chrono::Utc;
use http::Method;
use serde_json::json;
use shared::pm::Provider;
use shared::testing::pm::*;
use sqlx::PgPool;
use wiremock::MockServer;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn connections_are_listed_with_their_health_and_no_tokens(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    let id = connected(
        &pool,
        Provider::Asana,
        "access-secret",
        "refresh-secret",
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
    let state = admin_integrations::State {
        admin: admin(&pool),
        pm: pm_admin(&server).await,
    };
    let (status, body) = send(admin_integrations::handle(
        &state,
        request(
            Method::GET,
            &[("id", AURORA)],
            &[],
            Some(&owner_token(aurora())),
            None,
        ),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let list = body["integrations"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id.to_string());
    assert_eq!(list[0]["provider"], "asana");
    assert_eq!(list[0]["webhooks"], 1);
    assert_eq!(body["available"], json!(["jira", "asana", "monday"]));
    let text = body.to_string();
    assert!(
        !text.contains("access-secret")
            && !text.contains("refresh-secret")
            && !text.contains("access_token")
    );
}
