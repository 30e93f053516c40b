//! `POST /api/auth/login`: email + password -> a short-lived access token.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use shared::admin::auth::{Principal, verify_password};
use shared::admin::openapi::ErrorBody;
use shared::admin::{AdminState, method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::domain::catalog::Role;
use shared::error::ApiError;
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

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub user_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_id: Option<Uuid>,
    #[schema(value_type = String, example = "business_owner")]
    pub role: Role,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(login(&state.0, &req).await)
}

#[utoipa::path(post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = ErrorBody, description = "malformed body"),
        (status = 401, body = ErrorBody, description = "wrong email or password (the same answer for both)"),
    ))]
pub async fn login(state: &AdminState, req: &Request) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::POST {
        return Err(method_not_allowed(req));
    }
    let body: LoginRequest = parse_json(req)?;
    let email = body.email.trim().to_lowercase();
    let pool = state.db.pool().await?;
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
        tracing::info!("login refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "the email or password is wrong",
        ));
    };
    let role = user.role()?;
    let principal = Principal {
        user_id: user.user_id,
        business_id: user.business_id,
        role,
    };
    let now = (state.now)().timestamp().max(0) as u64;
    let token = state.tokens.issue(&principal, now)?;
    tracing::info!(user_id = %user.user_id, role = role.as_str(), "login");
    ok(
        StatusCode::OK,
        &LoginResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.tokens.ttl.as_secs(),
            user_id: user.user_id,
            business_id: user.business_id.map(BusinessId::get),
            role,
        },
    )
}
