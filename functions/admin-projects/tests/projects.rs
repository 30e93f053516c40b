//! The project list: every live project of the business with its open tasks and how its client
//! link was made, the stale ones (their integration removed) last; another business's projects
//! never, and a business that does not exist is a 404.

use chrono::Utc;
use http::Method;
use shared::pm::Provider;
use shared::testing::pm::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn projects_show_open_tasks_and_links_with_stale_ones_last(pool: PgPool) {
    seed(&pool).await;
    let integration = connected(
        &pool,
        Provider::Jira,
        "a1",
        "r1",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await;
    let mut ids = Vec::new();
    for (ext, name, stale) in [
        ("1", "Gamma site", false),
        ("2", "Alpha rebrand", true),
        ("3", "Beta menu", false),
    ] {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO projects (business_id, integration_id, provider, external_id, name, status,
                                   stale_since)
             VALUES ($1, $2, 'jira', $3, $4, 'in_progress', CASE WHEN $5 THEN now() END)
             RETURNING id",
        )
        .bind(aurora())
        .bind(integration)
        .bind(ext)
        .bind(name)
        .bind(stale)
        .fetch_one(&pool)
        .await
        .unwrap();
        ids.push(id);
    }
    for (ext, status) in [("t1", "todo"), ("t2", "in_progress"), ("t3", "done")] {
        sqlx::query(
            "INSERT INTO tasks (business_id, project_id, integration_id, provider, external_id, name, status)
             VALUES ($1, $2, $3, 'jira', $4, 'a task', $5)",
        )
        .bind(aurora())
        .bind(ids[0])
        .bind(integration)
        .bind(ext)
        .bind(status)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query("UPDATE projects SET client_id = $1::uuid, client_link = 'admin' WHERE id = $2")
        .bind(DANA_CLIENT)
        .bind(ids[2])
        .execute(&pool)
        .await
        .unwrap();
    let state = admin(&pool);
    let (status, body) = send(admin_projects::handle(
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
    let projects = body["projects"].as_array().unwrap();
    let names: Vec<&str> = projects
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Beta menu", "Gamma site", "Alpha rebrand"]);
    assert_eq!(projects[1]["open_tasks"], 2, "done tasks are not open");
    assert_eq!(projects[0]["client_id"], DANA_CLIENT);
    assert_eq!(projects[0]["client_link"], "admin");
    assert_eq!(projects[2]["stale"], true);
    assert_eq!(projects[1]["stale"], false);

    // A business that does not exist, asked by a platform admin: 404, not an empty list.
    let missing = Uuid::new_v4().to_string();
    let (status, body) = send(admin_projects::handle(
        &state,
        request(
            Method::GET,
            &[("id", &missing)],
            &[],
            Some(&platform_admin_token()),
            None,
        ),
    ))
    .await;
    assert_eq!(status, 404, "{body}");
}
