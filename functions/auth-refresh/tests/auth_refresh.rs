//! Refreshing on a real database: a pair for a pair, each refresh token once; a replayed one
//! revokes the whole sign-in; a disabled user cannot refresh; a sign-in ends when its lifetime does.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_refresh_token_works_once_and_a_replay_ends_the_sign_in(pool: PgPool) {
    let state = setup(&pool).await;
    let first = sign_in(&state, "owner@aurora.example").await;
    let refresh = |token: &str| {
        call(Method::POST)
            .body(json!({"refresh_token": token}))
            .send(|r| auth_refresh::handle(&state, r))
    };
    let (status, second) = refresh(first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(
        second["refresh_expires_at"], first["refresh_expires_at"],
        "one sign-in, one end"
    );
    // The new access token opens the business.
    let (status, _) = call(Method::GET)
        .business(A)
        .token(second["access_token"].as_str().unwrap())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200);
    // The spent token again: refused, and the newer token of the same sign-in dies with it.
    let (status, body) = refresh(first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = refresh(second["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 401, "the whole sign-in is revoked");
    let reused: i64 =
        sqlx::query_scalar("SELECT count(*) FROM auth_events WHERE kind = 'refresh_reused'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(reused, 1);
    // Garbage is the same 401.
    for bad in [
        "",
        "nope",
        "00000000-0000-4000-8000-000000000000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        assert_eq!(refresh(bad).await.0, 401, "{bad}");
    }
    let (status, _) = call(Method::POST)
        .body(json!({"token": "x"}))
        .send(|r| auth_refresh::handle(&state, r))
        .await;
    assert_eq!(status, 400);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_disabled_user_or_an_expired_sign_in_cannot_refresh(pool: PgPool) {
    let state = setup(&pool).await;
    let member = sign_in(&state, "member@aurora.example").await;
    sqlx::query("UPDATE users SET disabled_at = now() WHERE email = 'member@aurora.example'")
        .execute(&pool)
        .await
        .unwrap();
    let (status, _) = call(Method::POST)
        .body(json!({"refresh_token": member["refresh_token"]}))
        .send(|r| auth_refresh::handle(&state, r))
        .await;
    assert_eq!(status, 401);
    let owner = sign_in(&state, "owner@aurora.example").await;
    sqlx::query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let (status, _) = call(Method::POST)
        .body(json!({"refresh_token": owner["refresh_token"]}))
        .send(|r| auth_refresh::handle(&state, r))
        .await;
    assert_eq!(status, 401);
}
