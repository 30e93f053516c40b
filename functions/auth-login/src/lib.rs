//! `POST /api/auth/login`: email + password -> a short-lived access token and the refresh token
//! that keeps the session going (`shared::admin::sessions`). Failed attempts are
//! counted per account and per address (`domain::login_throttle`), each before its password is
//! checked: past a few, each locks both for a growing time, and a locked login is refused unchecked. Every
//! attempt is audited (`auth_events`: who, from where, never the password); the answer to a wrong
//! email and to a wrong password is the same.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::admin::auth::{Principal, verify_password};
use shared::admin::openapi::ErrorBody;
use shared::admin::request::invalid;
use shared::admin::sessions::{self, TokenPair};
use shared::admin::{method_not_allowed, ok};
use shared::domain::login_throttle::{Subject, address_key};
use shared::error::ApiError;
use shared::login_throttle::Admission;
use shared::store::auth_events::{self, AuthEvent};
use shared::store::users;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "owner@aurora.example")]
    pub email: String,
    pub password: String,
}

/// Longer than any email; a password this long is refused before it is hashed (hashing is
/// deliberately slow, and its cost grows with the input).
pub const MAX_EMAIL_CHARS: usize = 320;
pub const MAX_PASSWORD_BYTES: usize = 1024;

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(login(state, &req).await)
}

#[utoipa::path(post, path = "/api/auth/login", operation_id = "login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair, description = "an access token and the refresh token that keeps the session going"),
        (status = 400, body = ErrorBody, description = "malformed body"),
        (status = 401, body = ErrorBody, description = "wrong email or password (the same answer for both)"),
        (status = 403, body = ErrorBody, description = "the account is disabled"),
        (status = 429, body = ErrorBody, description = "too many failed attempts from this account or address; `Retry-After` says when to try again"),
    ))]
pub async fn login(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::POST {
        return Err(method_not_allowed(req));
    }
    let body: LoginRequest = parse_json(req)?;
    if body.email.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid(
            "email",
            format!("at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    if body.password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid(
            "password",
            format!("at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    let email = body.email.trim().to_lowercase();
    // Always there behind API Gateway; a request without one is counted by account only.
    let client = state.admin.client(req);
    let now = (state.admin.now)().timestamp().max(0) as u64;
    let audit = |kind, user_id| AuthEvent {
        kind,
        user_id,
        email: Some(&email),
        address: client.address.as_deref(),
        user_agent: client.user_agent.as_deref(),
        ..AuthEvent::default()
    };
    let pool = state.admin.db.pool().await?;
    let address_key = client.address.as_deref().map(address_key);
    let mut keys = vec![(Subject::Account, email.as_str())];
    if let Some(a) = &address_key {
        keys.push((Subject::Address, a.as_str()));
    }
    // Counted before the password is checked, so concurrent guesses cannot all slip through.
    let admission = state
        .throttle
        .attempt(&keys, now)
        .await
        .map_err(unavailable)?;
    let counted = match admission {
        Admission::Admitted(counted) => counted,
        Admission::Locked(locked) => {
            auth_events::record(pool, &audit("login_locked", None)).await?;
            tracing::warn!("login refused: locked");
            return Ok(too_many_attempts(locked));
        }
    };
    let user = users::by_email(pool, &email).await?;
    let password = body.password;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    // Argon2 is deliberately slow: off the async workers. An unknown email verifies against a fixed
    // hash, so both failures take the same time and give the same answer.
    let matched =
        tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
            .await
            .map_err(ApiError::internal)?;
    let Some(user) = user.filter(|_| matched) else {
        auth_events::record(pool, &audit("login_failed", None)).await?;
        tracing::info!("login refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "the email or password is wrong",
        ));
    };
    state
        .throttle
        .succeeded(&counted)
        .await
        .map_err(unavailable)?;
    if user.disabled {
        auth_events::record(pool, &audit("login_failed", Some(user.user_id))).await?;
        return Err(ApiError::forbidden(
            "this account is disabled; ask the business's owner",
        ));
    }
    let role = user.role()?;
    let principal = Principal {
        user_id: user.user_id,
        business_id: user.business_id,
        role,
    };
    let mut tx = pool.begin().await?;
    auth_events::record(&mut *tx, &audit("login_succeeded", Some(user.user_id))).await?;
    let pair = sessions::issue(
        &state.admin,
        &mut tx,
        &principal,
        user.token_version,
        None,
        &client,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.user_id, role = role.as_str(), "login");
    ok(StatusCode::OK, &pair)
}

/// The 429 for a locked login: the same words whichever key is locked, and when to try again.
fn too_many_attempts(locked: std::time::Duration) -> Response<Body> {
    let mut resp = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "too many failed sign-in attempts; try again later",
    )
    .into_response();
    resp.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from(locked.as_secs().max(1)),
    );
    resp
}

fn unavailable(e: shared::login_throttle::ThrottleError) -> ApiError {
    tracing::error!(error = %e, "login throttle unavailable");
    ApiError::unavailable("sign-in is unavailable; try again shortly")
}

/// For the tests of other routes that change who can sign in.
#[cfg(feature = "test-support")]
pub mod testing {
    /// Signs in through this route: its status.
    pub async fn login_status(
        admin: &shared::admin::AdminState,
        email: &str,
        password: &str,
    ) -> u16 {
        let login = super::State {
            admin: admin.clone(),
            throttle: shared::login_throttle::LoginThrottle::new(
                shared::testing::aws().await.dynamodb,
                shared::testing::env("RATE_LIMIT_TABLE"),
            ),
        };
        shared::testing::admin::call(http::Method::POST)
            .body(serde_json::json!({"email": email, "password": password}))
            .send(|r| super::handle(&login, r))
            .await
            .0
    }
}
