//! Login on a real database and the emulator's rate-limit table: a token that opens the user's own
//! business, the same answer for a wrong password and an unknown email, the lockout after repeated
//! failures (per account and per address) and its audit, and a business bootstrapped by the
//! operator CLI logging in.

use http::Method;
use serde_json::json;
use shared::domain::catalog::Role;
use shared::testing::admin::*;
use sqlx::PgPool;

/// A clock that stands still: a lockout set during a test does not run out before it is checked.
fn fixed_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap()
}

fn sixteen_minutes_later() -> chrono::DateTime<chrono::Utc> {
    fixed_now() + chrono::Duration::minutes(16)
}

/// The login state with the clock standing still.
async fn still_login_state(pool: &PgPool) -> auth_login::State {
    let mut login = login_state(pool).await;
    login.admin.now = fixed_now;
    login
}

async fn login_state(pool: &PgPool) -> auth_login::State {
    auth_login::State {
        admin: setup(pool).await,
        throttle: shared::login_throttle::LoginThrottle::new(
            shared::testing::aws().await.dynamodb,
            shared::testing::env("RATE_LIMIT_TABLE"),
        ),
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn login_issues_a_token_that_opens_the_users_own_business(pool: PgPool) {
    let login = login_state(&pool).await;
    let state = &login.admin;
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
    let login = login_state(&pool).await;
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
    let login = login_state(&pool).await;
    let state = &login.admin;
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
        Err(OperatorError::Conflict { .. })
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
        Err(OperatorError::Conflict { .. })
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
        Err(OperatorError::Invalid { .. })
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
        Err(OperatorError::Invalid { .. })
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

async fn attempt(
    login: &auth_login::State,
    email: &str,
    password: &str,
    address: &str,
) -> (u16, serde_json::Value) {
    call(Method::POST)
        .body(json!({"email": email, "password": password}))
        .from_address(address)
        .send(|r| auth_login::handle(login, r))
        .await
}

/// An account of the test's own (the rate-limit table is shared by the whole run).
async fn own_account(login: &auth_login::State, prefix: &str) -> String {
    let email = format!("{prefix}-{}@aurora.example", uuid::Uuid::new_v4().simple());
    shared::admin::operator::create_user(
        &login.admin.db,
        &email,
        PASSWORD,
        Role::BusinessMember,
        Some(A.parse().unwrap()),
    )
    .await
    .unwrap();
    email
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn twenty_wrong_passwords_lock_the_account_until_the_lockout_passes(pool: PgPool) {
    let login = still_login_state(&pool).await;
    let email = own_account(&login, "locked").await;
    let address = "198.51.100.7";
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(attempt(&login, &email, "not the password", address).await.0);
    }
    // Five free failures, then each one is refused or locks for longer.
    assert!(statuses[..5].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    let resp = auth_login::handle(
        &login,
        call(Method::POST)
            .body(json!({"email": email, "password": PASSWORD}))
            .from_address("192.0.2.1")
            .build(),
    )
    .await;
    assert_eq!(
        resp.status(),
        429,
        "the right password, even from elsewhere"
    );
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    let (_, body) = shared::testing::status_and_json(resp);
    assert_eq!(code(&body), "too_many_attempts");
    assert!(!message(&body).contains(&email), "generic text");
    // After the lockout: the right password works, and the count starts again.
    let later = auth_login::State {
        admin: shared::admin::AdminState {
            now: sixteen_minutes_later,
            ..login.admin.clone()
        },
        throttle: login.throttle.clone(),
    };
    assert_eq!(attempt(&later, &email, PASSWORD, "192.0.2.1").await.0, 200);
    // Every attempt is audited, from where, never with the password.
    let audited: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT kind, address FROM auth_events WHERE email = $1 ORDER BY id")
            .bind(&email)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(audited.len(), 22);
    assert_eq!(audited[0], ("login_failed".into(), Some(address.into())));
    assert!(audited.iter().any(|a| a.0 == "login_locked"));
    assert_eq!(audited[21].0, "login_succeeded");
    let everything: String =
        sqlx::query_scalar("SELECT string_agg(auth_events::text, ' ') FROM auth_events")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!everything.contains(PASSWORD) && !everything.contains("not the password"));
}

/// Every attempt takes its number before its password is checked: a burst of concurrent guesses
/// gets the five free ones and the one that locks, not one guess per request in flight.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn concurrent_wrong_passwords_get_no_more_guesses_than_sequential_ones(pool: PgPool) {
    let login = still_login_state(&pool).await;
    let email = own_account(&login, "burst").await;
    let burst = (0..12).map(|i| {
        let (login, email) = (&login, &email);
        async move {
            let address = format!("198.51.100.{}", 100 + i);
            attempt(login, email, "not the password", &address).await.0
        }
    });
    let statuses = futures::future::join_all(burst).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    // Exactly six: conditional writes are atomic, in AWS and locally (infra/local/moto_serve.py).
    // Without the count-first write all twelve were checked.
    assert_eq!(checked + refused, 12, "{statuses:?}");
    assert_eq!(checked, 6, "{statuses:?}");
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM auth_events WHERE email = $1 AND kind = 'login_failed'",
    )
    .bind(&email)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        failed, checked as i64,
        "only the checked attempts are failures"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn one_address_guessing_many_accounts_is_locked_out(pool: PgPool) {
    let login = still_login_state(&pool).await;
    let address = format!("203.0.113.{}", rand_octet());
    for i in 0..21 {
        let (status, _) = attempt(
            &login,
            &format!("guess{i}@example.com"),
            "password1",
            &address,
        )
        .await;
        assert!(status == 401 || status == 429, "{status}");
    }
    let (status, body) = attempt(&login, "owner@aurora.example", PASSWORD, &address).await;
    assert_eq!(status, 429, "{body}");
    // The same account from another address is not affected.
    let (status, _) = attempt(&login, "owner@aurora.example", PASSWORD, "192.0.2.44").await;
    assert_eq!(status, 200);
}

/// Sign-ins that succeed never lock: an office address at its free limit keeps signing in, and
/// its next wrong guess still locks it.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn right_passwords_never_lock_an_address_at_its_limit(pool: PgPool) {
    let login = still_login_state(&pool).await;
    let address = format!("2001:db8::{:x}", uuid::Uuid::new_v4().as_u128() as u32);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let own = own_account(&login, "office").await;
    for i in 0..20 {
        let guess = format!("guess-{run}-{i}@example.com");
        let (status, _) = attempt(&login, &guess, "password1", &address).await;
        assert_eq!(status, 401, "the address's free attempts");
    }
    for _ in 0..3 {
        let (status, body) = attempt(&login, &own, PASSWORD, &address).await;
        assert_eq!(status, 200, "{body}");
    }
    let guess = format!("guess-{run}-last@example.com");
    assert_eq!(attempt(&login, &guess, "password1", &address).await.0, 401);
    let (status, _) = attempt(&login, &own, PASSWORD, &address).await;
    assert_eq!(status, 429, "the 21st wrong guess locked the address");
}

fn rand_octet() -> u8 {
    (uuid::Uuid::new_v4().as_u128() % 250) as u8 + 1
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_oversized_email_or_password_is_refused_before_it_is_hashed(pool: PgPool) {
    let login = login_state(&pool).await;
    for (body, field) in [
        (
            json!({"email": "a".repeat(321), "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": "owner@aurora.example", "password": "p".repeat(1025)}),
            "password",
        ),
    ] {
        let (status, resp) = call(Method::POST)
            .body(body)
            .send(|r| auth_login::handle(&login, r))
            .await;
        assert_eq!(status, 400, "{resp}");
        assert!(message(&resp).starts_with(field), "{resp}");
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_operators_password_reset_ends_every_session(pool: PgPool) {
    let login = login_state(&pool).await;
    let before = sign_in(&login.admin, "owner@aurora.example").await;
    shared::admin::operator::reset_password(
        &login.admin.db,
        "Owner@Aurora.example",
        "a brand new passphrase",
    )
    .await
    .unwrap();
    let (status, _) = call(Method::GET)
        .business(A)
        .token(before["access_token"].as_str().unwrap())
        .send(|r| admin_business::handle(&login.admin, r))
        .await;
    assert_eq!(status, 401, "the old session ended");
    let revoked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(revoked, 1);
    let (status, _) = attempt(
        &login,
        "owner@aurora.example",
        "a brand new passphrase",
        "192.0.2.80",
    )
    .await;
    assert_eq!(status, 200);
    assert!(matches!(
        shared::admin::operator::reset_password(
            &login.admin.db,
            "nobody@aurora.example",
            "a brand new passphrase"
        )
        .await,
        Err(shared::admin::operator::OperatorError::Invalid { .. })
    ));
}

/// Behind the distribution every request comes from a CloudFront edge: the attempt is counted and
/// audited against the viewer's address the distribution vouches for, and a request straight to
/// the API that claims an address without the distribution's token is taken at its source.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn through_the_distribution_the_viewer_is_the_address_not_the_edge(pool: PgPool) {
    let mut login = still_login_state(&pool).await;
    login.admin.edge = shared::web::EdgeTrust::new("the-stack-token".to_owned().into());
    let email = own_account(&login, "edge").await;
    let edge = "130.176.9.9";
    let send = |token: &'static str| {
        let mut req = call(Method::POST)
            .body(json!({"email": email, "password": "not the password"}))
            .from_address(edge)
            .build();
        let headers = req.headers_mut();
        headers.insert(shared::web::EDGE_TOKEN_HEADER, token.parse().unwrap());
        headers.insert(
            shared::web::VIEWER_ADDRESS_HEADER,
            "203.0.113.50".parse().unwrap(),
        );
        auth_login::handle(&login, req)
    };
    assert_eq!(send("the-stack-token").await.status(), 401);
    assert_eq!(send("a-guess").await.status(), 401);
    let audited: Vec<Option<String>> =
        sqlx::query_scalar("SELECT address FROM auth_events WHERE email = $1 ORDER BY id")
            .bind(&email)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        audited,
        [Some("203.0.113.50".to_owned()), Some(edge.to_owned())]
    );
}
