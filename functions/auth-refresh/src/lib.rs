//! `POST /api/auth/refresh`: a refresh token for a new token pair. The token is rotated (it works
//! once); presenting one that was already used revokes its whole sign-in, because only a stolen
//! copy or the thief's own use can explain it. A user disabled or removed since gets a 401.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::admin::auth::Principal;
use shared::admin::openapi::ErrorBody;
use shared::admin::sessions::{self, RefreshToken, TokenPair};
use shared::admin::{method_not_allowed, ok};
use shared::error::ApiError;
use shared::store::auth_events::{self, AuthEvent};
use shared::store::sessions::{self as refresh_tokens, Presented};
use shared::store::users;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(refresh(state, &req).await)
}

fn ended() -> ApiError {
    ApiError::unauthorized("the refresh token is not valid; sign in again")
}

#[utoipa::path(post, path = "/api/auth/refresh", operation_id = "refreshSession", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair, description = "a new pair; the token sent is spent"),
        (status = 400, body = ErrorBody, description = "malformed body"),
        (status = 401, body = ErrorBody, description = "unknown, spent, revoked or expired, or the user can no longer sign in"),
    ))]
pub async fn refresh(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::POST {
        return Err(method_not_allowed(req));
    }
    let body: RefreshRequest = parse_json(req)?;
    let token = RefreshToken::parse(&body.refresh_token).ok_or_else(ended)?;
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    match refresh_tokens::present(&mut tx, token.id, &token.digest()).await? {
        Presented::Dead => Err(ended()),
        Presented::Reused { user_id, family_id } => {
            refresh_tokens::revoke_family(&mut tx, family_id).await?;
            let meta = state.client(req);
            auth_events::record(
                &mut *tx,
                &AuthEvent {
                    kind: "refresh_reused",
                    user_id: Some(user_id),
                    address: meta.address.as_deref(),
                    user_agent: meta.user_agent.as_deref(),
                    ..AuthEvent::default()
                },
            )
            .await?;
            tx.commit().await?;
            tracing::warn!(%user_id, %family_id, "a spent refresh token was presented; its sign-in is revoked");
            Err(ended())
        }
        Presented::Rotated {
            user_id,
            family_id,
            expires_at,
        } => {
            let Some(user) = users::session(pool, user_id).await?.filter(|u| !u.disabled) else {
                refresh_tokens::revoke_family(&mut tx, family_id).await?;
                tx.commit().await?;
                return Err(ended());
            };
            let principal = Principal {
                user_id,
                business_id: user.business_id,
                role: user.role,
            };
            let pair = sessions::issue(
                state,
                &mut tx,
                &principal,
                user.token_version,
                Some((family_id, expires_at)),
                &state.client(req),
            )
            .await?;
            tx.commit().await?;
            ok(StatusCode::OK, &pair)
        }
    }
}
