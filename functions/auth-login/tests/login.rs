//! Login on a real database: a token that opens the user's own business, the same answer for a
//! wrong password and an unknown email, and a business bootstrapped by the operator CLI logging in.

use http::Method;
use serde_json::json;
use shared::domain::catalog::Role;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn login_issues_a_token_that_opens_the_users_own_business(pool: PgPool) {
    let login = auth_login::State(setup(&pool).await);
    let state = &login.0;
    let (status, body) = call(Method::POST)
        .body(json!({"email": "  Owner@Aurora.example ", "password": PASSWORD}))
        .send(|r| auth_login::handle(&login, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["role"], "business_owner");
    assert_eq!(body["business_id"], A);
    let token = body["access_token"].as_str().unwrap();
    let principal = state.tokens.verify(token).unwrap();
    assert_eq!(principal.business_id, Some(A.parse().unwrap()));
    let (status, _) = call(Method::GET)
        .business(A)
        .token(token)
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(pool: PgPool) {
    let login = auth_login::State(setup(&pool).await);
    let wrong = call(Method::POST)
        .body(json!({"email": "owner@aurora.example", "password": "wrong password here"}))
        .send(|r| auth_login::handle(&login, r))
        .await;
    let unknown = call(Method::POST)
        .body(json!({"email": "nobody@aurora.example", "password": PASSWORD}))
        .send(|r| auth_login::handle(&login, r))
        .await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown);
    assert_eq!(code(&wrong.1), "invalid_credentials");
    let (status, body) = call(Method::POST)
        .body(json!({"email": "owner@aurora.example"}))
        .send(|r| auth_login::handle(&login, r))
        .await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("password"), "{body}");
}

// ----------------------------------------------------------------------------------- operator CLI

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_business_bootstrapped_by_the_operator_can_log_in_and_is_validated(pool: PgPool) {
    use shared::admin::operator::{NewBusiness, OperatorError, create_business, create_user};
    let login = auth_login::State(setup(&pool).await);
    let state = &login.0;
    let new = |email: &str, phone: &str| NewBusiness {
        name: "Cedar Dental".into(),
        timezone: "America/Denver".into(),
        region: "us".into(),
        phone_numbers: vec![phone.into()],
        owner_email: email.into(),
        owner_password: PASSWORD.into(),
    };
    let created = create_business(&state.db, new("Dr@Cedar.example", "(720) 555-0142"))
        .await
        .unwrap();
    assert_eq!(created.phone_numbers, vec!["+17205550142"]);
    let (status, body) = call(Method::POST)
        .body(json!({"email": "dr@cedar.example", "password": PASSWORD}))
        .send(|r| auth_login::handle(&login, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["business_id"], created.business_id.to_string());
    // A taken number, a duplicate email, a weak password: refused, nothing half-created.
    assert!(matches!(
        create_business(&state.db, new("other@cedar.example", "+14155552600")).await,
        Err(OperatorError::Conflict(_))
    ));
    assert!(matches!(
        create_user(
            &state.db,
            "dr@cedar.example",
            PASSWORD,
            Role::BusinessMember,
            Some(created.business_id)
        )
        .await,
        Err(OperatorError::Conflict(_))
    ));
    assert!(matches!(
        create_user(
            &state.db,
            "new@cedar.example",
            "short",
            Role::BusinessMember,
            Some(created.business_id)
        )
        .await,
        Err(OperatorError::Invalid(_))
    ));
    assert!(matches!(
        create_user(
            &state.db,
            "root@studioconnect.example",
            PASSWORD,
            Role::PlatformAdmin,
            Some(created.business_id)
        )
        .await,
        Err(OperatorError::Invalid(_))
    ));
    let businesses: i64 =
        sqlx::query_scalar("SELECT count(*) FROM businesses WHERE name = 'Cedar Dental'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(businesses, 1);
    create_user(
        &state.db,
        "root@studioconnect.example",
        PASSWORD,
        Role::PlatformAdmin,
        None,
    )
    .await
    .unwrap();
}
