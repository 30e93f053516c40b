//! The call log: filters and pages (one call with its transcript is `admin-call`'s).

use http::Method;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn calls_list_with_filters_and_refuse_an_unknown_one(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (_, busy) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "busy")
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(busy["items"].as_array().unwrap().len(), 1);
    assert_eq!(busy["items"][0]["status"], "busy");

    let (status, resp) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("direction", "sideways")
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(status, 400);
    assert!(message(&resp).starts_with("direction:"));
}
