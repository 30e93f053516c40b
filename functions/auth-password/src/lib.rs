//! `PUT /api/auth/password`: a signed-in user changes their own password with the current one.
//! Every other session of theirs ends (access tokens at once, refresh tokens revoked); the answer
//! is a new pair for this one. Wrong current passwords are counted per user like failed sign-ins
//! (`domain::login_throttle`): past five, the route answers 429 until the lockout passes.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::admin::auth::{check_new_password, hash_password, verify_password};
use shared::admin::openapi::{ErrorBody, Refused};
use shared::admin::request::invalid;
use shared::admin::sessions::{self, TokenPair};
use shared::admin::{method_not_allowed, ok};
use shared::domain::login_throttle::Subject;
use shared::error::ApiError;
use shared::login_throttle::Admission;
use shared::store::auth_events::{self, AuthEvent};
use shared::store::sessions as refresh_tokens;
use shared::store::users;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters.
    #[schema(min_length = 12)]
    pub new_password: String,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(change(state, &req).await)
}

#[utoipa::path(put, path = "/api/auth/password", operation_id = "changePassword", tag = "auth",
    request_body = PasswordChange,
    responses(
        (status = 200, body = TokenPair, description = "changed; every other session has ended"),
        (status = 400, body = ErrorBody, description = "a new password too short or too long"),
        (status = 403, body = ErrorBody, description = "the current password is wrong"),
        (status = 429, body = ErrorBody, description = "too many wrong current passwords; try again later"),
        Refused,
    ),
    security(("bearer" = [])))]
pub async fn change(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::PUT {
        return Err(method_not_allowed(req));
    }
    let principal = state.admin.authenticate(req).await?;
    let body: PasswordChange = parse_json(req)?;
    if body.current_password.len() > 1024 {
        return Err(invalid("current_password", "at most 1024 bytes"));
    }
    check_new_password(&body.new_password).map_err(|e| invalid("new_password", e))?;
    let pool = state.admin.db.pool().await?;
    let key = format!("password-change:{}", principal.user_id);
    let now = (state.admin.now)().timestamp().max(0) as u64;
    let keys = [(Subject::Account, key.as_str())];
    // Counted before the password is checked, so concurrent guesses cannot all slip through.
    let admission = state
        .throttle
        .attempt(&keys, now)
        .await
        .map_err(unavailable)?;
    let Admission::Admitted(counted) = admission else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many wrong passwords; try again later",
        ));
    };
    let stored = users::password_hash(pool, principal.user_id).await?;
    let (current, new) = (body.current_password, body.new_password);
    let (matched, hash) = tokio::task::spawn_blocking(move || {
        let matched = verify_password(&current, stored.as_deref());
        (matched, matched.then(|| hash_password(&new)))
    })
    .await
    .map_err(ApiError::internal)?;
    let meta = state.admin.client(req);
    let audit = |kind| AuthEvent {
        kind,
        user_id: Some(principal.user_id),
        business_id: principal.business_id,
        address: meta.address.as_deref(),
        user_agent: meta.user_agent.as_deref(),
        ..AuthEvent::default()
    };
    let Some(hash) = hash else {
        auth_events::record(pool, &audit("password_change_failed")).await?;
        return Err(ApiError::forbidden("the current password is wrong"));
    };
    let hash = hash.map_err(ApiError::internal)?;
    state
        .throttle
        .succeeded(&counted)
        .await
        .map_err(unavailable)?;
    let mut tx = pool.begin().await?;
    let version = users::set_password(&mut tx, principal.user_id, &hash).await?;
    refresh_tokens::revoke_all(&mut tx, principal.user_id).await?;
    auth_events::record(&mut *tx, &audit("password_changed")).await?;
    let pair = sessions::issue(&state.admin, &mut tx, &principal, version, None, &meta).await?;
    tx.commit().await?;
    debug_assert!(matched);
    ok(StatusCode::OK, &pair)
}

fn unavailable(e: shared::login_throttle::ThrottleError) -> ApiError {
    tracing::error!(error = %e, "attempt counts unavailable");
    ApiError::unavailable("changing the password is unavailable; try again shortly")
}
