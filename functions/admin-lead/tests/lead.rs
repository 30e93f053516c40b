//! The team's edits to a lead: a member may change status, assignee and notes; an assignee from
//! another business, an unknown status or a field that is not editable is a 400 naming it.

use http::Method;
use serde_json::{Value, json};
use shared::domain::catalog::Role;
use shared::testing::admin::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_lead_is_worked_by_the_team_and_bad_edits_name_the_field(pool: PgPool) {
    let state = setup(&pool).await;
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
    // The member, assigned, is disabled: the lead's form sends them back unchanged with a new
    // status, which still saves; another lead cannot be given to them.
    let (status, _) = call(Method::PATCH)
        .business(A)
        .param("leadId", A_LEAD)
        .token(&owner_a())
        .body(json!({"assignee_user_id": member_id}))
        .send(|r| admin_lead::handle(&state, r))
        .await;
    assert_eq!(status, 200);
    let disabled: Uuid = sqlx::query_scalar(
        "UPDATE users SET disabled_at = now() WHERE email = 'member@aurora.example' RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (status, body) = call(Method::PATCH)
        .business(A)
        .param("leadId", A_LEAD)
        .token(&owner_a())
        .body(json!({"status": "qualified", "assignee_user_id": disabled, "notes": "Called back"}))
        .send(|r| admin_lead::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "qualified");
    let (status, body) = call(Method::PATCH)
        .business(A)
        .param("leadId", "d0000000-0000-4000-8000-000000000003")
        .token(&owner_a())
        .body(json!({"assignee_user_id": disabled}))
        .send(|r| admin_lead::handle(&state, r))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).starts_with("assignee_user_id:"), "{body}");
    for (patch, field) in [
        (json!({"assignee_user_id": b_owner}), "assignee_user_id:"),
        (json!({"status": "won"}), "status:"),
        (json!({"priority": "low"}), "unknown field `priority`"),
        (json!({}), "status: give a status"),
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

/// Reopening a closed lead when the caller has another open one is a 409, by their number, or by
/// the call when the caller had none (it was a 500 for the anonymous one).
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn reopening_a_lead_beside_an_open_one_is_a_conflict(pool: PgPool) {
    let state = setup(&pool).await;
    let closed_with_number = "d0000000-0000-4000-8000-000000000004";
    sqlx::query(
        "INSERT INTO leads (business_id, caller_phone, status) VALUES ($1::uuid, '+14155550125', 'new')",
    )
    .bind(A)
    .execute(&pool)
    .await
    .unwrap();
    let anonymous: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO leads (business_id, conversation_id, status)
         VALUES ($1::uuid, 'f0000000-0000-4000-8000-000000000001', 'closed'),
                ($1::uuid, 'f0000000-0000-4000-8000-000000000001', 'new')
         RETURNING id",
    )
    .bind(A)
    .fetch_all(&pool)
    .await
    .unwrap();
    for lead in [closed_with_number.to_owned(), anonymous[0].to_string()] {
        let (status, body) = call(Method::PATCH)
            .business(A)
            .param("leadId", &lead)
            .token(&owner_a())
            .body(json!({"status": "new"}))
            .send(|r| admin_lead::handle(&state, r))
            .await;
        assert_eq!(status, 409, "{lead}: {body}");
        assert_eq!(body["error"]["code"], "open_lead_exists", "{lead}");
    }
}
