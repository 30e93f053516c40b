//! Changing one's password on a real database: the current one is required, the new one checked,
//! every other session ends and the answer's pair works; the old password no longer signs in.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_password_change_ends_every_other_session(pool: PgPool) {
    let state = setup(&pool).await;
    let other_device = sign_in(&state, "owner@aurora.example").await;
    let this_one = sign_in(&state, "owner@aurora.example").await;
    let token = this_one["access_token"].as_str().unwrap().to_owned();
    let change = |body: serde_json::Value| {
        call(Method::PUT)
            .token(&token)
            .body(body)
            .send(|r| auth_password::handle(&state, r))
    };
    let (status, body) = change(
        json!({"current_password": "not it at all", "new_password": "a much longer passphrase"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) =
        change(json!({"current_password": PASSWORD, "new_password": "short"})).await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("new_password"), "{body}");
    let (status, pair) =
        change(json!({"current_password": PASSWORD, "new_password": "a much longer passphrase"}))
            .await;
    assert_eq!(status, 200, "{pair}");
    for old in [&other_device, &this_one] {
        let (status, _) = call(Method::GET)
            .business(A)
            .token(old["access_token"].as_str().unwrap())
            .send(|r| admin_business::handle(&state, r))
            .await;
        assert_eq!(status, 401, "an access token from before the change");
        let (status, _) = call(Method::POST)
            .body(json!({"refresh_token": old["refresh_token"]}))
            .send(|r| auth_refresh::handle(&state, r))
            .await;
        assert_eq!(status, 401, "a refresh token from before the change");
    }
    let (status, _) = call(Method::GET)
        .business(A)
        .token(pair["access_token"].as_str().unwrap())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200, "the new pair works");
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM auth_events WHERE kind = 'password_changed'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}
