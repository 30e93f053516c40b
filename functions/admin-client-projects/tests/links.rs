//! An admin's client links against the matching rule, and the project list that shows them. Real Postgres, the emulator,
//! the vendors faked over HTTP. Run with ./infra/local/test.

use chrono::Utc;
use http::Method;
use serde_json::json;
use shared::pm::Provider;
use shared::pm::store::{self};
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_admins_client_links_beat_the_matching_rule(pool: PgPool) {
    seed(&pool).await;
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
    let state = admin(&pool);
    let token = owner_token(aurora());
    let path = [("id", AURORA), ("clientId", DANA_CLIENT)];
    let (status, body) = send(admin_client_projects::handle(
        &state,
        request(Method::GET, &path, &[], Some(&token), None),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["projects"][0]["name"], "Whitfield Bakery rebrand");
    assert_eq!(body["projects"][0]["client_link"], "rule");
    // The admin replaces the list: the rule's project out, another in.
    let (status, body) = send(admin_client_projects::handle(
        &state,
        request(
            Method::PUT,
            &path,
            &[],
            Some(&token),
            Some(json!({"project_ids": [ids[1]]})),
        ),
    ))
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
        let (status, resp) = send(admin_client_projects::handle(
            &state,
            request(Method::PUT, &path, &[], Some(&token), Some(body)),
        ))
        .await;
        assert_eq!(status, code, "{resp}");
        assert!(resp["error"]["code"].is_string() && resp["error"]["message"].is_string());
    }
    let (status, _) = send(admin_client_projects::handle(
        &state,
        request(
            Method::PUT,
            &[("id", AURORA), ("clientId", &Uuid::new_v4().to_string())],
            &[],
            Some(&token),
            Some(json!({"project_ids": []})),
        ),
    ))
    .await;
    assert_eq!(status, 404);
    let linked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM projects WHERE client_id IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(linked, 1);
    let (status, body) = send(admin_projects::handle(
        &state,
        request(Method::GET, &[("id", AURORA)], &[], Some(&token), None),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["projects"].as_array().unwrap().len(), 3);
}
