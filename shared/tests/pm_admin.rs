//! The admin routes over integrations: disconnecting (webhooks removed, grant revoked, history
//! kept stale) and an admin's client links against the matching rule. Real Postgres, the emulator,
//! the vendors faked over HTTP. Run with ./infra/local/test.

use chrono::Utc;
use http::Method;
use serde_json::json;
use shared::admin::Function;
use shared::pm::Provider;
use shared::pm::store::{self};
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
