//! One client: replaced (numbers normalised and sorted), deleted, then not found.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_client_is_replaced_and_deleted(pool: PgPool) {
    let state = setup(&pool).await;
    let id = A_CLIENT.to_owned();
    let (status, body) = call(Method::PUT)
        .business(A)
        .param("clientId", &id)
        .token(&owner_a())
        .body(json!({"name": "Renamed", "phone_numbers": ["+14155553199", "+14155553198"]}))
        .send(|r| admin_client::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Renamed");
    assert_eq!(
        body["phone_numbers"],
        json!(["+14155553198", "+14155553199"])
    );

    let (status, _) = call(Method::DELETE)
        .business(A)
        .param("clientId", &id)
        .token(&owner_a())
        .send(|r| admin_client::handle(&state, r))
        .await;
    assert_eq!(status, 204);
    let (status, _) = call(Method::GET)
        .business(A)
        .param("clientId", &id)
        .token(&owner_a())
        .send(|r| admin_client::handle(&state, r))
        .await;
    assert_eq!(status, 404);
}
