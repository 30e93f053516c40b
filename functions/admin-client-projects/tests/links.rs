//! An admin's client links against the matching rule (whole words, never a guess between two
//! clients, re-evaluated when a company changes), and the project list that shows them. Real Postgres, the emulator,
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
        ids.push(project(&pool, id, ext, name).await);
    }
    // The rule: the one client whose company the project's name contains.
    assert_eq!(
        store::relink_clients_by_rule(&pool, aurora(), Some(id))
            .await
            .unwrap(),
        1
    );
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
    assert_eq!(
        store::relink_clients_by_rule(&pool, aurora(), Some(id))
            .await
            .unwrap(),
        0
    );
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
    assert_eq!(body["items"].as_array().unwrap().len(), 3);
}

async fn project(pool: &PgPool, integration: Uuid, ext: &str, name: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO projects (business_id, integration_id, provider, external_id, name, status)
         VALUES ($1, $2, 'jira', $3, $4, 'in_progress') RETURNING id",
    )
    .bind(aurora())
    .bind(integration)
    .bind(ext)
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn client_of(pool: &PgPool, project: Uuid) -> (Option<Uuid>, Option<String>) {
    sqlx::query_as("SELECT client_id, client_link FROM projects WHERE id = $1")
        .bind(project)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_rule_matches_whole_words_never_guesses_and_follows_renamed_companies(pool: PgPool) {
    seed(&pool).await;
    let id = connected(
        &pool,
        Provider::Jira,
        "a1",
        "r1",
        Utc::now() + chrono::Duration::hours(1),
    )
    .await;
    let art: Uuid = sqlx::query_scalar(
        "INSERT INTO clients (business_id, name, company) VALUES ($1, 'Arturo Diaz', 'Art') RETURNING id",
    )
    .bind(aurora())
    .fetch_one(&pool)
    .await
    .unwrap();
    let dana: Uuid = DANA_CLIENT.parse().unwrap();
    let smart = project(&pool, id, "1", "Smart Home Rebrand").await;
    let gallery = project(&pool, id, "2", "ART gallery signage").await;
    let both = project(&pool, id, "3", "Whitfield Bakery x Art pop-up").await;
    let bakery = project(&pool, id, "4", "whitfield-bakery menu").await;
    // Linked before links said how: the rule leaves it alone.
    let older = project(&pool, id, "5", "Spring catalogue").await;
    sqlx::query("UPDATE projects SET client_id = $1 WHERE id = $2")
        .bind(dana)
        .bind(older)
        .execute(&pool)
        .await
        .unwrap();
    store::relink_clients_by_rule(&pool, aurora(), Some(id))
        .await
        .unwrap();
    assert_eq!(
        client_of(&pool, smart).await,
        (None, None),
        "a substring is no match"
    );
    assert_eq!(
        client_of(&pool, gallery).await,
        (Some(art), Some("rule".into()))
    );
    assert_eq!(
        client_of(&pool, both).await,
        (None, None),
        "two clients: none"
    );
    assert_eq!(
        client_of(&pool, bakery).await,
        (Some(dana), Some("rule".into()))
    );

    // The admin links "Smart Home Rebrand" to Arturo by hand: it stands through every re-run.
    let state = admin(&pool);
    let token = owner_token(aurora());
    let art_path = [("id", AURORA), ("clientId", &art.to_string()[..])];
    let (status, body) = send(admin_client_projects::handle(
        &state,
        request(
            Method::PUT,
            &art_path,
            &[],
            Some(&token),
            Some(json!({"project_ids": [smart, gallery]})),
        ),
    ))
    .await;
    assert_eq!(status, 200, "{body}");

    // Dana's company is renamed through the client route: her rule link is re-evaluated at once,
    // the admin's links stay.
    let (status, body) = send(admin_client::handle(
        &state,
        request(
            Method::PUT,
            &[("id", AURORA), ("clientId", DANA_CLIENT)],
            &[],
            Some(&token),
            Some(
                json!({"name": "Dana Whitfield", "company": "Whitfield Patisserie",
                        "phone_numbers": ["+14155552671"]}),
            ),
        ),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        client_of(&pool, bakery).await,
        (None, None),
        "the rule link is undone"
    );
    assert_eq!(
        client_of(&pool, both).await,
        (Some(art), Some("rule".into())),
        "no longer ambiguous"
    );
    assert_eq!(
        client_of(&pool, smart).await,
        (Some(art), Some("admin".into()))
    );
    assert_eq!(
        client_of(&pool, gallery).await,
        (Some(art), Some("admin".into()))
    );
    assert_eq!(
        client_of(&pool, older).await,
        (Some(dana), None),
        "never the rule's"
    );
}
