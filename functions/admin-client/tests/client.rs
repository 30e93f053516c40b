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

/// A client's PIN (to verify on calls) is written, never read back: set, kept when left out,
/// removed with "", refused unless 4 to 8 digits.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_clients_pin_is_write_only(pool: PgPool) {
    let state = setup(&pool).await;
    let put = |body: serde_json::Value| {
        let state = &state;
        async move {
            call(Method::PUT)
                .business(A)
                .param("clientId", A_CLIENT)
                .token(&owner_a())
                .body(body)
                .send(|r| admin_client::handle(state, r))
                .await
        }
    };
    let (status, body) = put(json!({"name": "Dana", "pin": "482913"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["has_pin"], true);
    assert!(!body.to_string().contains("482913"), "never shown");
    let stored: String = sqlx::query_scalar("SELECT pin_hash FROM clients WHERE id = $1::uuid")
        .bind(A_CLIENT)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2"), "hashed");
    let (_, body) = put(json!({"name": "Dana W."})).await;
    assert_eq!(body["has_pin"], true, "kept when left out");
    for bad in ["12", "123456789", "12ab"] {
        let (status, body) = put(json!({"name": "Dana", "pin": bad})).await;
        assert_eq!(status, 400, "{bad}");
        assert!(message(&body).starts_with("pin"), "{body}");
    }
    let (_, body) = put(json!({"name": "Dana", "pin": ""})).await;
    assert_eq!(body["has_pin"], false, "removed");
}

/// What GET answers, PUT accepts: the id, `has_pin` and timestamps are read-only and ignored.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn what_get_answers_put_accepts_unchanged(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, loaded) = call(Method::GET)
        .business(A)
        .param("clientId", A_CLIENT)
        .token(&owner_a())
        .send(|r| admin_client::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{loaded}");
    let (status, saved) = call(Method::PUT)
        .business(A)
        .param("clientId", A_CLIENT)
        .token(&owner_a())
        .body(loaded.clone())
        .send(|r| admin_client::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{saved}");
    for field in [
        "id",
        "name",
        "company",
        "email",
        "notes",
        "phone_numbers",
        "has_pin",
        "created_at",
    ] {
        assert_eq!(saved[field], loaded[field], "{field}");
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_clients_own_greeting_is_saved_and_checked(pool: PgPool) {
    let state = setup(&pool).await;
    let put = |body: serde_json::Value| {
        call(Method::PUT)
            .business(A)
            .param("clientId", A_CLIENT)
            .token(&owner_a())
            .body(body)
            .send(|r| admin_client::handle(&state, r))
    };
    let (status, body) =
        put(json!({"name": "Dana", "welcome_message": " Hi {{caller_first_name}}! "})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["welcome_message"], "Hi {{caller_first_name}}!");
    let (status, body) = put(json!({"name": "Dana", "welcome_message": "Hi {{nick}}"})).await;
    assert_eq!(status, 400);
    assert_eq!(
        message(&body),
        "welcome_message: {{nick}} is not a known variable"
    );
    let (status, body) = put(json!({"name": "Dana", "welcome_message": "x".repeat(1001)})).await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("welcome_message:"), "{body}");
}
