//! Changing one's password on a real database: the current one is required, the new one checked,
//! every other session ends and the answer's pair works; wrong current passwords are counted and
//! locked out like failed sign-ins.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

async fn route(admin: &shared::admin::AdminState) -> auth_password::State {
    auth_password::State {
        admin: admin.clone(),
        throttle: shared::login_throttle::LoginThrottle::new(
            shared::testing::aws().await.dynamodb,
            shared::testing::env("RATE_LIMIT_TABLE"),
        ),
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_password_change_ends_every_other_session(pool: PgPool) {
    let state = setup(&pool).await;
    let other_device = sign_in(&state, "owner@aurora.example").await;
    let this_one = sign_in(&state, "owner@aurora.example").await;
    let token = this_one["access_token"].as_str().unwrap().to_owned();
    let password_route = route(&state).await;
    let change = |body: serde_json::Value| {
        call(Method::PUT)
            .token(&token)
            .body(body)
            .send(|r| auth_password::handle(&password_route, r))
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

/// A clock that stands still, so the lockout set during the test is still on when checked.
fn fixed_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn wrong_current_passwords_lock_the_change_like_a_sign_in(pool: PgPool) {
    let state = setup(&pool).await;
    let pair = sign_in(&state, "member@aurora.example").await;
    let token = pair["access_token"].as_str().unwrap().to_owned();
    let mut still = route(&state).await;
    still.admin.now = fixed_now;
    // All at once: each guess is counted before its password is checked, so a burst gets no
    // more guesses than a sequence would.
    let burst = (0..8).map(|_| {
        call(Method::PUT)
            .token(&token)
            .body(json!({"current_password": "a guess at the password", "new_password": "a much longer passphrase"}))
            .send(|r| auth_password::handle(&still, r))
    });
    let statuses: Vec<u16> = futures::future::join_all(burst)
        .await
        .into_iter()
        .map(|(status, _)| status)
        .collect();
    let checked = statuses.iter().filter(|s| **s == 403).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    // DynamoDB's conditional writes are atomic (locally too: infra/local/moto_serve.py), so
    // exactly six are checked. Without the count-first write all eight were.
    assert_eq!(checked + refused, 8, "{statuses:?}");
    assert_eq!(checked, 6, "{statuses:?}");
    // Even the right password waits for the lockout.
    let (status, _) = call(Method::PUT)
        .token(&token)
        .body(json!({"current_password": PASSWORD, "new_password": "a much longer passphrase"}))
        .send(|r| auth_password::handle(&still, r))
        .await;
    assert_eq!(status, 429);
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM auth_events WHERE kind = 'password_change_failed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        failed, checked as i64,
        "only the checked attempts are failures"
    );
}
