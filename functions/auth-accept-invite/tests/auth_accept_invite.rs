//! Accepting an invitation end to end: the owner invites, the invited user sets a password once
//! with the link's token and is signed in to their business; the token does not work twice.

use auth_login::testing::login_status;
use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_invited_user_sets_a_password_once_and_is_signed_in(pool: PgPool) {
    let state = setup(&pool).await;
    let users = admin_users::State {
        admin: state,
        dashboard_url: "https://app.studioconnect.example".into(),
    };
    let state = &users.admin;
    let (status, invited) = call(Method::POST)
        .business(A)
        .token(&owner_a())
        .body(json!({"email": "New.Designer@Aurora.example", "role": "business_member"}))
        .send(|r| admin_users::handle(&users, r))
        .await;
    assert_eq!(status, 201, "{invited}");
    let link = invited["invite_url"].as_str().unwrap();
    let token = link.rsplit("token=").next().unwrap();
    // Before accepting, the invited user cannot sign in.
    let status = login_status(state, "new.designer@aurora.example", "any password at all").await;
    assert_eq!(status, 401);
    let accept = |password: &str| {
        call(Method::POST)
            .body(json!({"token": token, "password": password}))
            .send(|r| auth_accept_invite::handle(state, r))
    };
    let (status, body) = accept("short").await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("password"), "{body}");
    let (status, pair) = accept("a passphrase of my own").await;
    assert_eq!(status, 200, "{pair}");
    assert_eq!(pair["role"], "business_member");
    assert_eq!(pair["business_id"], A);
    let (status, _) = call(Method::GET)
        .business(A)
        .token(pair["access_token"].as_str().unwrap())
        .send(|r| admin_business::handle(state, r))
        .await;
    assert_eq!(status, 200);
    let (status, body) = accept("another passphrase here").await;
    assert_eq!(status, 400, "once: {body}");
    assert_eq!(code(&body), "invalid_invitation");
}
