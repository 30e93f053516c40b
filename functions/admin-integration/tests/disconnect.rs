//! Disconnecting an integration: webhooks removed, grant revoked, history kept stale. Real Postgres, the emulator,
//! the vendors faked over HTTP. Run with ./infra/local/test.

use chrono::Utc;
use http::Method;
use serde_json::json;
use shared::pm::Provider;
use shared::pm::store::{self};
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Aurora's Asana connection (refresh token `r1`) with one webhook on a project.
async fn asana_with_webhook(pool: &PgPool, project_gid: &str, webhook_gid: &str) -> Uuid {
    let id = connected(
        pool,
        Provider::Asana,
        "a1",
        "r1",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await;
    sqlx::query(
        "INSERT INTO integration_webhooks (integration_id, resource_id, external_webhook_id)
         VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(project_gid)
    .bind(webhook_gid)
    .execute(pool)
    .await
    .unwrap();
    id
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
    let id = asana_with_webhook(&pool, "1200000000000101", "1200000000000901").await;
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

    // Named with another business, the integration is neither removed nor its history marked.
    let elsewhere = shared::domain::BusinessId::new(Uuid::new_v4());
    assert_eq!(
        store::overview::remove_integration(&pool, elsewhere, id)
            .await
            .unwrap(),
        None
    );
    assert!(store::load(&pool, id).await.unwrap().is_some());
    let stale: bool = sqlx::query_scalar(
        "SELECT bool_or(stale_since IS NOT NULL) FROM
             (SELECT stale_since FROM projects WHERE id = $1
              UNION ALL SELECT stale_since FROM tasks WHERE project_id = $1) t",
    )
    .bind(project)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!stale, "another business's call marked nothing stale");

    let state = admin_integration::State {
        admin: admin(&pool),
        pm: pm_admin(&server).await,
    };
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
    let (status, body) = send(admin_integration::handle(
        &state,
        item(&Uuid::new_v4().to_string()),
    ))
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = send(admin_integration::handle(&state, item(&id.to_string()))).await;
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
    let (status, _) = send(admin_integration::handle(&state, item(&id.to_string()))).await;
    assert_eq!(status, 404, "gone once");
    // Removed by a concurrent request between the handler's read and its removal: nothing more.
    assert_eq!(
        store::overview::remove_integration(&pool, shared::domain::BusinessId::new(aurora()), id)
            .await
            .unwrap(),
        None
    );
}

/// What the provider would not undo is said in fixed words: its answer's body (which may hold
/// anything) goes to our log, never to the response.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn what_the_provider_refused_is_said_without_its_answer(pool: PgPool) {
    seed(&pool).await;
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/1.0/webhooks/1200000000000902"))
        .respond_with(ResponseTemplate::new(500).set_body_string("trace at asana-db-7: secret"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/-/oauth_revoke"))
        .respond_with(ResponseTemplate::new(400).set_body_string("token r1 unknown to tenant 42"))
        .mount(&server)
        .await;
    let id = asana_with_webhook(&pool, "1200000000000102", "1200000000000902").await;
    let state = admin_integration::State {
        admin: admin(&pool),
        pm: pm_admin(&server).await,
    };
    let token = owner_token(aurora());
    let (status, body) = send(admin_integration::handle(
        &state,
        request(
            Method::DELETE,
            &[("id", AURORA), ("integrationId", &id.to_string())],
            &[],
            Some(&token),
            None,
        ),
    ))
    .await;
    assert_eq!(status, 200, "disconnected all the same: {body}");
    assert_eq!(
        body["warnings"],
        json!([
            "webhooks not removed: Asana answered 500 Internal Server Error",
            "grant not revoked: Asana answered 400 Bad Request"
        ])
    );
    assert_eq!(
        (body["webhooks_removed"].as_u64(), body["revoked"].as_bool()),
        (Some(0), Some(false))
    );
    assert!(store::load(&pool, id).await.unwrap().is_none());
}
