//! `PATCH/DELETE /api/businesses/{id}/users/{userId}`: an owner (or a platform admin) changes a
//! user's role, disables or re-enables them, or removes them. Any change ends the user's sessions
//! (their token version moves on and their refresh tokens are revoked). The business always
//! keeps an active owner: a change that would leave none is a 409.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use shared::admin::auth::{Access, Principal};
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::{invalid, path_id};
use shared::admin::sessions::ClientMeta;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::domain::catalog::Role;
use shared::error::ApiError;
use shared::store::auth_events::{self, AuthEvent};
use shared::store::sessions as refresh_tokens;
use shared::store::users;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessChange {
    /// `business_owner` or `business_member`.
    #[serde(default)]
    #[schema(example = "business_member")]
    pub role: Option<Role>,
    /// Disabled users cannot sign in or refresh, and their sessions end at once.
    #[serde(default)]
    pub disabled: Option<bool>,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let (who, business_id) = state.authorize(req, Access::Write).await?;
    let user_id = path_id(req, "userId")?;
    match *req.method() {
        Method::PATCH => patch(state, &who, business_id, user_id, req).await,
        Method::DELETE => delete(state, &who, business_id, user_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

fn last_owner() -> ApiError {
    ApiError::conflict(
        "last_owner",
        "the business would have no active owner; make someone else an owner first",
    )
}

async fn audit(
    conn: &mut sqlx::PgConnection,
    kind: &str,
    who: &Principal,
    business_id: BusinessId,
    user_id: Uuid,
    meta: &ClientMeta,
) -> Result<(), ApiError> {
    auth_events::record(
        conn,
        &AuthEvent {
            kind,
            user_id: Some(user_id),
            actor_id: Some(who.user_id),
            business_id: Some(business_id),
            address: meta.address.as_deref(),
            user_agent: meta.user_agent.as_deref(),
            ..AuthEvent::default()
        },
    )
    .await?;
    Ok(())
}

#[utoipa::path(patch, path = "/api/businesses/{id}/users/{userId}", operation_id = "updateUser", tag = "users",
    params(("id" = Uuid, Path, description = "business id"), ("userId" = Uuid, Path)),
    request_body = AccessChange,
    responses((status = 200, body = users::UserView), Invalid, RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "the business would have no active owner")),
    security(("bearer" = [])))]
pub async fn patch(
    state: &State,
    who: &Principal,
    business_id: BusinessId,
    user_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let change: AccessChange = parse_json(req)?;
    if change.role.is_none() && change.disabled.is_none() {
        return Err(invalid("role", "give a role, disabled, or both"));
    }
    if change.role == Some(Role::PlatformAdmin) {
        return Err(invalid(
            "role",
            "a business's user is a business_owner or a business_member",
        ));
    }
    let pool = state.db.pool().await?;
    let current = users::load_in_business(pool, business_id, user_id).await?;
    let role = change.role.unwrap_or(current.role);
    let disabled = change.disabled.unwrap_or(current.status == "disabled");
    if role == current.role && disabled == (current.status == "disabled") {
        // Nothing changes, so nothing ends: their sign-ins stay (an edit that changes nothing
        // used to sign them out everywhere, with no audit record of it).
        return ok(StatusCode::OK, &current);
    }
    let mut tx = pool.begin().await?;
    let owners = users::active_owners(&mut tx, business_id).await?;
    let stays_owner = role == Role::BusinessOwner && !disabled;
    if owners.contains(&user_id) && !stays_owner && owners.len() == 1 {
        return Err(last_owner());
    }
    users::update_access(&mut tx, business_id, user_id, role, disabled).await?;
    refresh_tokens::revoke_all(&mut tx, user_id).await?;
    let client = state.client(req);
    if role != current.role {
        audit(&mut tx, "role_changed", who, business_id, user_id, &client).await?;
    }
    if disabled != (current.status == "disabled") {
        let kind = if disabled {
            "user_disabled"
        } else {
            "user_enabled"
        };
        audit(&mut tx, kind, who, business_id, user_id, &client).await?;
    }
    tx.commit().await?;
    ok(
        StatusCode::OK,
        &users::load_in_business(pool, business_id, user_id).await?,
    )
}

#[utoipa::path(delete, path = "/api/businesses/{id}/users/{userId}", operation_id = "deleteUser", tag = "users",
    params(("id" = Uuid, Path, description = "business id"), ("userId" = Uuid, Path)),
    responses((status = 204, description = "removed; their calls, leads and notes stay"),
        RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "the business would have no active owner")),
    security(("bearer" = [])))]
pub async fn delete(
    state: &State,
    who: &Principal,
    business_id: BusinessId,
    user_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    let owners = users::active_owners(&mut tx, business_id).await?;
    if owners == [user_id] {
        return Err(last_owner());
    }
    if !users::remove(&mut tx, business_id, user_id).await? {
        return Err(ApiError::not_found("no such user in this business"));
    }
    audit(
        &mut tx,
        "user_removed",
        who,
        business_id,
        user_id,
        &state.client(req),
    )
    .await?;
    tx.commit().await?;
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}
