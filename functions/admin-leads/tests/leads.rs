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
