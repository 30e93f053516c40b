//! Logging out on a real database: one sign-in ends (its refresh token is dead, another sign-in
//! goes on); everywhere ends every sign-in and every access token at once.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn logout_ends_one_sign_in_and_everywhere_ends_them_all(pool: PgPool) {
    let state = setup(&pool).await;
    let laptop = sign_in(&state, "owner@aurora.example").await;
    let phone = sign_in(&state, "owner@aurora.example").await;
    let bearer = |pair: &serde_json::Value| pair["access_token"].as_str().unwrap().to_owned();
    let (status, body) = call(Method::POST)
        .token(&bearer(&laptop))
        .body(json!({"refresh_token": laptop["refresh_token"]}))
        .send(|r| auth_logout::handle(&state, r))
        .await;
    assert_eq!(status, 204, "{body}");
    let refresh = |pair: &serde_json::Value| {
        call(Method::POST)
            .body(json!({"refresh_token": pair["refresh_token"]}))
            .send(|r| auth_refresh::handle(&state, r))
    };
    assert_eq!(
        refresh(&laptop).await.0,
        401,
        "the laptop's sign-in is over"
    );
    let (status, phone2) = refresh(&phone).await;
    assert_eq!(status, 200, "the phone's goes on");
    // Everywhere: the phone's access token stops working at once.
    let (status, _) = call(Method::POST)
        .token(&bearer(&phone2))
        .body(json!({"everywhere": true}))
        .send(|r| auth_logout::handle(&state, r))
        .await;
    assert_eq!(status, 204);
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&bearer(&phone2))
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(refresh(&phone2).await.0, 401);
    // Neither a token nor everywhere: a 400 naming the field; no bearer: 401.
    let fresh = sign_in(&state, "owner@aurora.example").await;
    let (status, body) = call(Method::POST)
        .token(&bearer(&fresh))
        .body(json!({}))
        .send(|r| auth_logout::handle(&state, r))
        .await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("refresh_token"), "{body}");
    let (status, _) = call(Method::POST)
        .body(json!({"everywhere": true}))
        .send(|r| auth_logout::handle(&state, r))
        .await;
    assert_eq!(status, 401);
}
