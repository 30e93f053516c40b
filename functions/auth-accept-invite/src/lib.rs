//! `POST /api/auth/invitations/accept`: an invited user (`POST /api/businesses/{id}/users`) sets
//! their password with the invitation's token and is signed in. A token works once, until it
//! expires; only its digest was stored.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::admin::auth::{Principal, check_new_password, hash_password};
use shared::admin::openapi::ErrorBody;
use shared::admin::request::invalid;
use shared::admin::sessions::{self, TokenPair, digest_of};
use shared::admin::{method_not_allowed, ok};
use shared::error::ApiError;
use shared::store::auth_events::{self, AuthEvent};
use shared::store::users;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    /// The token from the invitation link.
    pub token: String,
    /// At least 12 characters.
    #[schema(min_length = 12)]
    pub password: String,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(accept(state, &req).await)
}

#[utoipa::path(post, path = "/api/auth/invitations/accept", operation_id = "acceptInvitation", tag = "auth",
    request_body = AcceptInvitation,
    responses(
        (status = 200, body = TokenPair, description = "the password is set and the user signed in"),
        (status = 400, body = ErrorBody, description = "a password too short, or an invitation that is unknown, used or expired"),
    ))]
pub async fn accept(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::POST {
        return Err(method_not_allowed(req));
    }
    let body: AcceptInvitation = parse_json(req)?;
    check_new_password(&body.password).map_err(|e| invalid("password", e))?;
    if body.token.len() > 128 {
        return Err(invalid("token", "is not an invitation"));
    }
    let password = body.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    let Some(user_id) = users::accept_invite(&mut tx, &digest_of(&body.token), &hash).await? else {
        return Err(ApiError::bad_request(
            "invalid_invitation",
            "token: this invitation is unknown, already used or expired; ask for a new one",
        ));
    };
    let user = users::session(pool, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    let principal = Principal {
        user_id,
        business_id: user.business_id,
        role: user.role,
    };
    let meta = state.client(req);
    auth_events::record(
        &mut *tx,
        &AuthEvent {
            kind: "invite_accepted",
            user_id: Some(user_id),
            business_id: user.business_id,
            address: meta.address.as_deref(),
            user_agent: meta.user_agent.as_deref(),
            ..AuthEvent::default()
        },
    )
    .await?;
    let pair = sessions::issue(state, &mut tx, &principal, user.token_version, None, &meta).await?;
    tx.commit().await?;
    ok(StatusCode::OK, &pair)
}
