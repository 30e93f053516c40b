//! Managing a user on a real database: a role change or disabling ends their sessions at once, a
//! disabled user cannot sign in, the last active owner cannot be demoted, disabled or removed, and
//! another tenant's user is not found.

use auth_login::testing::login_status;
use http::Method;
use serde_json::json;
use shared::domain::catalog::Role;
use shared::testing::admin::*;
use sqlx::PgPool;

const MEMBER: &str = "f0000000-0000-4000-8000-000000000002";
const OWNER: &str = "f0000000-0000-4000-8000-000000000001";
const B_OWNER: &str = "f0000000-0000-4000-8000-000000000003";

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_change_ends_the_users_sessions_and_an_owner_always_remains(pool: PgPool) {
    let state = setup(&pool).await;
    let member = sign_in(&state, "member@aurora.example").await;
    let change = |user: &'static str, body: serde_json::Value| {
        let state = &state;
        async move {
            call(Method::PATCH)
                .business(A)
                .param("userId", user)
                .token(&owner_a())
                .body(body)
                .send(|r| admin_user::handle(state, r))
                .await
        }
    };
    let (status, body) = change(MEMBER, json!({"disabled": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "disabled");
    let (status, _) = call(Method::GET)
        .business(A)
        .token(member["access_token"].as_str().unwrap())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 401, "the disabled member's token ended at once");
    let status = login_status(&state, "member@aurora.example", PASSWORD).await;
    assert_eq!(status, 403, "a disabled user cannot sign in");
    // Re-enabled and made an owner: a fresh sign-in works with the new role.
    let (status, body) = change(MEMBER, json!({"disabled": false, "role": "business_owner"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "business_owner");
    // The original owner steps down (their sign-in ends with it); then the new one cannot,
    // being the last.
    sign_in(&state, "owner@aurora.example").await;
    let (status, _) = change(OWNER, json!({"role": "business_member"})).await;
    assert_eq!(status, 200);
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM refresh_tokens WHERE user_id = $1::uuid AND revoked_at IS NULL",
    )
    .bind(OWNER)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(live, 0, "a role change revokes the refresh tokens too");
    let (status, body) = call(Method::PATCH)
        .business(A)
        .param("userId", MEMBER)
        .token(&token_for(Role::PlatformAdmin, None))
        .body(json!({"role": "business_member"}))
        .send(|r| admin_user::handle(&state, r))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(code(&body), "last_owner");
    let (status, _) = call(Method::DELETE)
        .business(A)
        .param("userId", MEMBER)
        .token(&token_for(Role::PlatformAdmin, None))
        .send(|r| admin_user::handle(&state, r))
        .await;
    assert_eq!(status, 409, "the last owner is not removed");
    // Removing the former owner (now a member) works; another tenant's user is not found.
    let (status, _) = call(Method::DELETE)
        .business(A)
        .param("userId", OWNER)
        .token(&token_for(Role::PlatformAdmin, None))
        .send(|r| admin_user::handle(&state, r))
        .await;
    assert_eq!(status, 204);
    let (status, _) = call(Method::PATCH)
        .business(A)
        .param("userId", B_OWNER)
        .token(&token_for(Role::PlatformAdmin, None))
        .body(json!({"disabled": true}))
        .send(|r| admin_user::handle(&state, r))
        .await;
    assert_eq!(status, 404);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM auth_events WHERE kind IN ('user_disabled', 'user_enabled', 'role_changed', 'user_removed') ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            "user_disabled",
            "role_changed",
            "user_enabled",
            "role_changed",
            "user_removed"
        ]
    );
}

/// An edit that changes nothing ends nothing: the member's token and sign-ins stay.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_edit_that_changes_nothing_keeps_the_users_sessions(pool: PgPool) {
    let state = setup(&pool).await;
    let member = sign_in(&state, "member@aurora.example").await;
    let (status, body) = call(Method::PATCH)
        .business(A)
        .param("userId", MEMBER)
        .token(&owner_a())
        .body(json!({"role": "business_member", "disabled": false}))
        .send(|r| admin_user::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "business_member");
    let (status, _) = call(Method::GET)
        .business(A)
        .token(member["access_token"].as_str().unwrap())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200, "the member's token still works");
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM refresh_tokens WHERE user_id = $1::uuid AND revoked_at IS NULL",
    )
    .bind(MEMBER)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(live, 1, "their sign-in was not revoked");
}
