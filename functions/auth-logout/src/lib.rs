//! `POST /api/auth/logout`: ends this sign-in (the refresh token given, and so every token it
//! would have made), or with `everywhere` every sign-in of the user, access tokens included (the
//! user's token version moves on). An access token of a sign-in ended without `everywhere` lives
//! out its few minutes; the dashboard forgets it.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::admin::method_not_allowed;
use shared::admin::openapi::{ErrorBody, Refused};
use shared::admin::request::invalid;
use shared::admin::sessions::RefreshToken;
use shared::error::ApiError;
use shared::store::auth_events::{self, AuthEvent};
use shared::store::sessions as refresh_tokens;
use shared::store::users;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The refresh token of the sign-in to end.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// End every sign-in of this user, on every device.
    #[serde(default)]
    pub everywhere: bool,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(logout(state, &req).await)
}

#[utoipa::path(post, path = "/api/auth/logout", operation_id = "logout", tag = "auth",
    request_body = LogoutRequest,
    responses(
        (status = 204, description = "ended"),
        (status = 400, body = ErrorBody, description = "neither a refresh token nor everywhere"),
        Refused,
    ),
    security(("bearer" = [])))]
pub async fn logout(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::POST {
        return Err(method_not_allowed(req));
    }
    let principal = state.authenticate(req).await?;
    let body: LogoutRequest = parse_json(req)?;
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    if body.everywhere {
        users::bump_token_version(&mut tx, principal.user_id).await?;
        refresh_tokens::revoke_all(&mut tx, principal.user_id).await?;
    } else {
        let raw = body
            .refresh_token
            .as_deref()
            .ok_or_else(|| invalid("refresh_token", "is required unless everywhere is true"))?;
        let token = RefreshToken::parse(raw)
            .ok_or_else(|| invalid("refresh_token", "is not a refresh token"))?;
        // Only one's own sign-in; anything else is already as good as ended.
        if let Some(family) =
            refresh_tokens::family_of(&mut tx, principal.user_id, token.id, &token.digest()).await?
        {
            refresh_tokens::revoke_family(&mut tx, family).await?;
        }
    }
    let meta = state.client(req);
    auth_events::record(
        &mut *tx,
        &AuthEvent {
            kind: "logout",
            user_id: Some(principal.user_id),
            business_id: principal.business_id,
            address: meta.address.as_deref(),
            user_agent: meta.user_agent.as_deref(),
            ..AuthEvent::default()
        },
    )
    .await?;
    tx.commit().await?;
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}
