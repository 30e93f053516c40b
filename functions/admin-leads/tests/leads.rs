//! The lead list: filters and pages, and a 405 for a method the route does not serve (the team's
//! edits to one lead are `admin-lead`'s).

use http::Method;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn leads_filter_and_page(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("priority", "urgent")
        .send(|r| admin_leads::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], A_LEAD);
    assert_eq!(items[0]["last_call_id"], A_CALL);
    assert_eq!(items[0]["answers"]["email"]["value"], "sam@example.com");

    let (_, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "new")
        .query("created_from", "2026-11-01")
        .query("limit", "1")
        .send(|r| admin_leads::handle(&state, r))
        .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let next = body["next_cursor"]
        .as_str()
        .expect("a second new lead follows");
    let (_, page2) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "new")
        .query("created_from", "2026-11-01")
        .query("limit", "1")
        .query("cursor", next)
        .send(|r| admin_leads::handle(&state, r))
        .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_ne!(page2["items"][0]["id"], body["items"][0]["id"]);
    assert!(page2.get("next_cursor").is_none());

    for (name, value) in [
        ("status", "open"),
        ("priority", "meh"),
        ("created_from", "yesterday"),
    ] {
        let (status, resp) = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query(name, value)
            .send(|r| admin_leads::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{name}: {resp}");
        assert!(message(&resp).starts_with(&format!("{name}:")), "{resp}");
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_unsupported_method_is_a_405(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::DELETE)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_leads::handle(&state, r))
        .await;
    assert_eq!(status, 405);
    assert_eq!(code(&body), "method_not_allowed");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn sorted_by_priority_the_most_urgent_come_first_page_after_page(pool: PgPool) {
    let state = setup(&pool).await;
    // More of each priority, so pages cut through a priority and through a second.
    sqlx::raw_sql(
        "INSERT INTO leads (business_id, caller_phone, status, priority, created_at) VALUES
           ('a0000000-0000-4000-8000-000000000001', '+14155550201', 'new', 'high', '2026-11-22T10:00:00Z'),
           ('a0000000-0000-4000-8000-000000000001', '+14155550202', 'new', 'urgent', '2026-11-19T10:00:00Z'),
           ('a0000000-0000-4000-8000-000000000001', '+14155550203', 'new', 'normal', '2026-11-23T10:00:00Z'),
           ('a0000000-0000-4000-8000-000000000001', '+14155550204', 'new', 'high', '2026-11-22T10:00:00Z');",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut c = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query("sort", "priority")
            .query("limit", "2");
        if let Some(cur) = &cursor {
            c = c.query("cursor", cur);
        }
        let (status, page) = c.send(|r| admin_leads::handle(&state, r)).await;
        assert_eq!(status, 200, "{page}");
        for l in page["items"].as_array().unwrap() {
            seen.push((
                l["priority"].as_str().unwrap().to_owned(),
                l["created_at"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let priorities: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        priorities,
        [
            "urgent", "urgent", "high", "high", "normal", "normal", "low"
        ],
        "each lead once, most urgent first"
    );
    // Within a priority, newest first.
    assert!(seen[0].1 > seen[1].1, "{seen:?}");
    assert!(seen[4].1 > seen[5].1, "{seen:?}");
    // A cursor of one order cannot continue the other (its position would skip and repeat
    // leads), nor one of another list.
    let cursor = |rank: Option<i16>, list: &str| {
        shared::admin::request::Cursor {
            created_at: chrono::Utc::now(),
            id: uuid::Uuid::nil(),
            rank,
            list: list.into(),
        }
        .encode()
    };
    for (sort, cursor) in [
        (Some("priority"), cursor(Some(3), "leads")),
        (None, cursor(Some(3), "leads:priority")),
        (Some("priority"), cursor(Some(1), "projects")),
    ] {
        let mut request = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query("cursor", &cursor);
        if let Some(sort) = sort {
            request = request.query("sort", sort);
        }
        let (status, body) = request.send(|r| admin_leads::handle(&state, r)).await;
        assert_eq!(status, 400, "{sort:?}: {body}");
        assert!(message(&body).starts_with("cursor:"), "{body}");
    }
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("sort", "loudest")
        .send(|r| admin_leads::handle(&state, r))
        .await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("sort:"), "{body}");
}
