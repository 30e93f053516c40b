//! The project list: every live project of the business with its open tasks and how its client
//! link was made, the stale ones (their integration removed) last, in cursor pages and searched
//! by name; another business's projects never, and a business that does not exist is a 404.

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
    let projects = body["items"].as_array().unwrap();
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
    assert!(body.get("next_cursor").is_none(), "one page: {body}");

    // One project a page: the same order, the stale one last, and no page after it.
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "1".to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, page) = list(&state, &query).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
        walked.push(page["items"][0]["name"].as_str().unwrap().to_string());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(walked, ["Beta menu", "Gamma site", "Alpha rebrand"]);

    // Searched by part of the name; a LIKE wildcard is a character, not "anything".
    let (_, found) = list(&state, &[("search", "MENU")]).await;
    let found: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["Beta menu"]);
    let (_, none) = list(&state, &[("search", "%")]).await;
    assert_eq!(none["items"], serde_json::json!([]));

    // A cursor of another list and an unknown parameter are 400s that name them.
    let newest_first = shared::admin::request::Cursor {
        created_at: Utc::now(),
        id: Uuid::new_v4(),
        rank: Some(2),
        list: "leads:priority".into(),
    }
    .encode();
    let (status, body) = list(&state, &[("cursor", &newest_first)]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("cursor"),
        "{body}"
    );
    let (status, body) = list(&state, &[("sort", "name")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("sort"),
        "{body}"
    );

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

async fn list(state: &admin_projects::State, query: &[(&str, &str)]) -> (u16, serde_json::Value) {
    send(admin_projects::handle(
        state,
        request(
            Method::GET,
            &[("id", AURORA)],
            query,
            Some(&owner_token(aurora())),
            None,
        ),
    ))
    .await
}
