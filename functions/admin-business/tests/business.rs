//! The business document on a real database with two tenants: replaced and normalised, another
//! tenant's number a clear 409, every invalid field named; numbers are added and removed by a
//! platform admin only (the number-takeover attack's first step).

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
        .token(&platform_admin())
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
        .token(&platform_admin())
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

async fn put_numbers(
    state: &shared::admin::AdminState,
    token: &str,
    numbers: Value,
) -> (u16, Value) {
    let mut body = business_body();
    body["phone_numbers"] = numbers;
    call(Method::PUT)
        .business(A)
        .token(token)
        .body(body)
        .send(|r| admin_business::handle(state, r))
        .await
}

async fn numbers_of_a(pool: &PgPool) -> Vec<(String, Option<String>, String)> {
    sqlx::query_as(
        "SELECT phone_e164, label, assigned_via FROM business_phone_numbers
         WHERE business_id = $1::uuid ORDER BY phone_e164",
    )
    .bind(A)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_owner_cannot_add_a_number_and_is_told_who_can(pool: PgPool) {
    let state = setup(&pool).await;
    let before = numbers_of_a(&pool).await;
    // A number no business holds: the takeover's first step.
    let (status, resp) = put_numbers(
        &state,
        &owner_a(),
        json!([{"phone": "+14155552600"}, {"phone": "+14155559999"}]),
    )
    .await;
    assert_eq!(status, 403, "{resp}");
    assert!(message(&resp).contains("phone_numbers[1].phone"), "{resp}");
    assert!(message(&resp).contains("platform admin"), "{resp}");
    assert!(message(&resp).contains("add-number"), "{resp}");
    assert_eq!(numbers_of_a(&pool).await, before, "nothing changed");
    // Another tenant's number is refused the same way: no hint that someone holds it.
    let (status, _) = put_numbers(
        &state,
        &owner_a(),
        json!([{"phone": "+14155552600"}, {"phone": "+14155553700"}]),
    )
    .await;
    assert_eq!(status, 403);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_owner_keeps_the_numbers_may_relabel_them_and_cannot_remove_one(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, resp) = put_numbers(&state, &owner_a(), json!([])).await;
    assert_eq!(status, 403, "{resp}");
    assert!(message(&resp).contains("+14155552600 is missing"), "{resp}");
    let (status, resp) = put_numbers(
        &state,
        &owner_a(),
        json!([{"phone": "(415) 555-2600", "label": "Front desk"}]),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["phone_numbers"][0]["label"], "Front desk");
    assert_eq!(resp["phone_numbers"][0]["platform_assigned"], true);
    // Left out, the numbers stay as they are (a member of the form that has no number field).
    let mut body = business_body();
    body.as_object_mut().unwrap().remove("phone_numbers");
    let (status, resp) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(body)
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(
        numbers_of_a(&pool).await,
        vec![(
            "+14155552600".to_owned(),
            Some("Front desk".to_owned()),
            "operator".to_owned()
        )]
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_platform_admin_adds_and_removes_numbers_and_is_recorded(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, resp) = put_numbers(
        &state,
        &platform_admin(),
        json!([{"phone": "+14155552601", "label": "Sales"}]),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(
        numbers_of_a(&pool).await,
        vec![(
            "+14155552601".to_owned(),
            Some("Sales".to_owned()),
            "platform_admin".to_owned()
        )]
    );
    let by: Option<String> = sqlx::query_scalar(
        "SELECT assigned_by::text FROM business_phone_numbers WHERE phone_e164 = '+14155552601'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(by.as_deref(), Some(USERS[3].0), "who assigned it");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_operator_assigns_confirms_and_removes_numbers(pool: PgPool) {
    use shared::admin::operator::{OperatorError, add_number, remove_number};
    let state = setup(&pool).await;
    let a = A.parse().unwrap();
    sqlx::raw_sql("UPDATE business_phone_numbers SET assigned_via = 'unconfirmed'")
        .execute(&pool)
        .await
        .unwrap();
    // Confirms a number recorded before assignments were tracked, keeping its label.
    assert_eq!(
        add_number(&state.db, a, "415 555 2600", None)
            .await
            .unwrap(),
        "+14155552600"
    );
    add_number(&state.db, a, "+14155552601", Some("Sales"))
        .await
        .unwrap();
    assert_eq!(
        numbers_of_a(&pool).await,
        vec![
            ("+14155552600".to_owned(), None, "operator".to_owned()),
            (
                "+14155552601".to_owned(),
                Some("Sales".to_owned()),
                "operator".to_owned()
            ),
        ]
    );
    assert!(matches!(
        add_number(&state.db, a, "+14155553700", None).await,
        Err(OperatorError::Conflict { .. })
    ));
    // The command line is held to the API's rule: no control character in a stored label.
    match add_number(&state.db, a, "+14155552602", Some("Sa\u{0}les")).await {
        Err(OperatorError::Invalid { field, message: m }) => {
            assert_eq!(field, "label");
            assert!(m.contains("U+0000"), "{m}")
        }
        other => panic!("a NUL in a label: {other:?}"),
    }
    let escape_in_name = shared::admin::operator::NewBusiness {
        name: "Bad\u{1b}[31m Name".into(),
        timezone: "UTC".into(),
        region: "US".into(),
        phone_numbers: vec![],
        owner_email: "owner@bad.example".into(),
        owner_password: "a long enough password".into(),
    };
    match shared::admin::operator::create_business(&state.db, escape_in_name).await {
        Err(OperatorError::Invalid { field, message: m }) => {
            assert_eq!(field, "name");
            assert!(m.contains("U+001B"), "{m}")
        }
        other => panic!("an escape in a name: {other:?}"),
    }
    remove_number(&state.db, a, "+14155552601").await.unwrap();
    assert!(matches!(
        remove_number(&state.db, a, "+14155552601").await,
        Err(OperatorError::Invalid { .. })
    ));
    assert_eq!(numbers_of_a(&pool).await.len(), 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_platform_admins_put_confirms_a_number_recorded_before_assignments_were(pool: PgPool) {
    let state = setup(&pool).await;
    sqlx::raw_sql("UPDATE business_phone_numbers SET assigned_via = 'unconfirmed'")
        .execute(&pool)
        .await
        .unwrap();
    let (status, resp) = put_numbers(&state, &owner_a(), json!([{"phone": "+14155552600"}])).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(
        resp["phone_numbers"][0]["platform_assigned"], false,
        "an owner cannot confirm"
    );
    let (status, resp) = put_numbers(
        &state,
        &platform_admin(),
        json!([{"phone": "+14155552600"}]),
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["phone_numbers"][0]["platform_assigned"], true);
    assert_eq!(numbers_of_a(&pool).await[0].2, "platform_admin");
}

/// A form loads the document and saves it back: what GET answers, PUT accepts, read-only fields
/// (the id, timestamps, the numbers' ElevenLabs ids) included and ignored.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn what_get_answers_put_accepts_unchanged(pool: PgPool) {
    let state = setup(&pool).await;
    sqlx::query("UPDATE business_phone_numbers SET elevenlabs_phone_number_id = 'phnum_aurora' WHERE business_id = $1::uuid")
        .bind(A)
        .execute(&pool)
        .await
        .unwrap();
    let (status, loaded) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(
        loaded["phone_numbers"][0]["elevenlabs_phone_number_id"],
        "phnum_aurora"
    );
    let (status, saved) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(loaded.clone())
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{saved}");
    let without_time = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("updated_at");
        v
    };
    assert_eq!(without_time(saved), without_time(loaded), "nothing changed");
}
