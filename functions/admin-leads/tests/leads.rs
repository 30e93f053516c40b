//! Leads through the list and item routes: filters, pages, the team's edits, and a 405 for a
//! method the route does not serve.

use http::Method;
use serde_json::{Value, json};
use shared::domain::catalog::Role;
use shared::testing::admin::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn leads_filter_page_and_patch(pool: PgPool) {
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

    let member_id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'member@aurora.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let member = token_for(Role::BusinessMember, Some(A));
    let (status, body) = call(Method::PATCH)
        .business(A)
        .param("leadId", A_LEAD)
        .token(&member)
        .body(json!({"status": "contacted", "assignee_user_id": member_id, "notes": "Called back"}))
        .send(|r| admin_lead::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "contacted");
    assert_eq!(body["assignee_user_id"], member_id.to_string());
    assert_eq!(body["notes"], "Called back");
    assert_eq!(body["priority"], "urgent", "untouched fields stay");

    let (_, body) = call(Method::PATCH)
        .business(A)
        .param("leadId", A_LEAD)
        .token(&owner_a())
        .body(json!({"assignee_user_id": null}))
        .send(|r| admin_lead::handle(&state, r))
        .await;
    assert_eq!(body["assignee_user_id"], Value::Null);
    assert_eq!(body["status"], "contacted");

    let b_owner: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'owner@bolt.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    for (patch, field) in [
        (json!({"assignee_user_id": b_owner}), "assignee_user_id:"),
        (json!({"status": "won"}), "status:"),
        (json!({"priority": "low"}), "unknown field `priority`"),
    ] {
        let (status, resp) = call(Method::PATCH)
            .business(A)
            .param("leadId", A_LEAD)
            .token(&owner_a())
            .body(patch.clone())
            .send(|r| admin_lead::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{patch}: {resp}");
        assert!(message(&resp).contains(field), "{patch}: {resp}");
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
