//! The business document on a real database with two tenants: replaced and normalised, another
//! tenant's number a clear 409, every invalid field named.

use http::Method;
use serde_json::{Value, json};
use shared::testing::admin::*;
use sqlx::PgPool;

fn business_body() -> Value {
    json!({
        "name": "Aurora Branding Studio",
        "timezone": "America/New_York",
        "business_hours": {"weekly": {"mon": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:00"}]},
                           "holidays": [{"date": "2026-12-25", "name": "Christmas"}]},
        "notification_emails": ["Owner@Aurora.example", "ops@aurora.example"],
        "notification_phone": "(415) 555-2699",
        "phone_numbers": [{"phone": "+1 415 555 2600", "label": "main"}, {"phone": "415-555-2601"}],
        "transfer_numbers": [{"phone": "+14155550100", "label": "Jo", "condition": "the caller asks for a person"}]
    })
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_business_document_is_replaced_and_normalised(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(business_body())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Aurora Branding Studio");
    assert_eq!(
        body["notification_emails"],
        json!(["owner@aurora.example", "ops@aurora.example"])
    );
    assert_eq!(body["notification_phone"], "+14155552699");
    let phones: Vec<&str> = body["phone_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, vec!["+14155552600", "+14155552601"]);
    assert_eq!(
        body["transfer_numbers"][0]["condition"],
        "the caller asks for a person"
    );
    assert_eq!(body["business_hours"]["weekly"]["mon"][1]["open"], "13:00");
    let (status, again) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["phone_numbers"], body["phone_numbers"]);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn another_tenants_number_is_a_clear_409_and_changes_nothing(pool: PgPool) {
    let state = setup(&pool).await;
    let mut body = business_body();
    body["phone_numbers"] = json!([{"phone": "+14155552600"}, {"phone": "+14155553700"}]);
    let (status, resp) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(body)
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 409, "{resp}");
    assert_eq!(code(&resp), "phone_number_taken");
    assert!(message(&resp).contains("+14155553700"));
    let name: String = sqlx::query_scalar("SELECT name FROM businesses WHERE id = $1::uuid")
        .bind(A)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "Aurora Branding", "the transaction rolled back");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn business_validation_names_the_field(pool: PgPool) {
    let state = setup(&pool).await;
    for (change, field) in [
        (json!({"timezone": "Mars/Olympus"}), "timezone:"),
        (json!({"default_region": "XX"}), "default_region:"),
        (
            json!({"notification_emails": ["ops@localhost"]}),
            "notification_emails[0]:",
        ),
        (
            json!({"notification_emails": ["not-an-email"]}),
            "notification_emails[0]:",
        ),
        (
            json!({"phone_numbers": [{"phone": "12"}]}),
            "phone_numbers[0].phone:",
        ),
        (
            json!({"transfer_numbers": [{"phone": "+14155550100", "condition": ""}]}),
            "transfer_numbers[0].condition:",
        ),
        (
            json!({"business_hours": {"weekly": {"mon": [{"open": "09:00", "close": "09:00"}]}}}),
            "business_hours:",
        ),
        (
            json!({"business_hours": {"weekly": {"mon": [{"open": "9am", "close": "17:00"}]}}}),
            "is not a time of day in HH:MM form",
        ),
        (json!({"colour": "blue"}), "unknown field `colour`"),
        (json!({"name": 42}), "name: invalid type"),
    ] {
        let mut body = business_body();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(body)
            .send(|r| admin_business::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{change}: {resp}");
        assert!(message(&resp).contains(field), "{change}: {resp}");
    }
}
