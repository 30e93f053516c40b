//! `GET/POST /api/businesses/{id}/users`: the business's team (anyone of it may read the list) and
//! invitations (owners and platform admins). An invitation creates the user without a password and
//! answers the link that lets them set one (`POST /api/auth/invitations/accept`), good for
//! `INVITE_LIFETIME`; only the token's digest is stored. The owner sends the link.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::admin::auth::Access;
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::invalid;
use shared::admin::sessions::new_secret;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::domain::answers::email;
use shared::domain::catalog::Role;
use shared::error::ApiError;
use shared::store::Taken;
use shared::store::users::{self, UserView};
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

pub use shared::admin::invitations::{INVITE_LIFETIME, Invited};
use shared::admin::invitations::{InvitationAudit, invite_url};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    #[schema(max_length = 320)]
    pub email: String,
    /// `business_owner` or `business_member`.
    #[schema(example = "business_member")]
    pub role: Role,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let (who, business_id) = state
        .admin
        .authorize(req, Access::for_method(req.method()))
        .await?;
    match *req.method() {
        Method::GET => list(state, business_id).await,
        Method::POST => invite(state, who.user_id, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/users", operation_id = "listUsers", tag = "users",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = UserList), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn list(state: &State, business_id: BusinessId) -> Result<Response<Body>, ApiError> {
    let users = users::list_for_business(state.admin.db.pool().await?, business_id).await?;
    ok(StatusCode::OK, &UserList { users })
}

#[utoipa::path(post, path = "/api/businesses/{id}/users", operation_id = "inviteUser", tag = "users",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = Invitation,
    responses((status = 201, body = Invited), Invalid, RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "a user with that email exists")),
    security(("bearer" = [])))]
pub async fn invite(
    state: &State,
    inviter: uuid::Uuid,
    business_id: BusinessId,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let body: Invitation = parse_json(req)?;
    if body.email.chars().count() > 320 {
        return Err(invalid("email", "at most 320 characters"));
    }
    let address = email(&body.email)
        .ok_or_else(|| invalid("email", format!("{:?} is not an email address", body.email)))?;
    if body.role == Role::PlatformAdmin {
        return Err(invalid(
            "role",
            "a business's user is a business_owner or a business_member",
        ));
    }
    let (token, digest) = new_secret();
    let expires_at = (state.admin.now)() + INVITE_LIFETIME;
    let pool = state.admin.db.pool().await?;
    let mut tx = pool.begin().await?;
    let user_id = users::invite(
        &mut tx,
        business_id,
        &address,
        body.role,
        &digest,
        expires_at,
        inviter,
    )
    .await
    .map_err(|e| Taken::Email.or_error(e, "email: a user with that email exists"))?;
    InvitationAudit {
        invited: user_id,
        inviter,
        business_id,
        email: &address,
        meta: &state.admin.client(req),
    }
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    ok(
        StatusCode::CREATED,
        &Invited {
            user: users::load_in_business(pool, business_id, user_id).await?,
            invite_url: invite_url(&state.dashboard_url, &token),
            invite_expires_at: expires_at,
        },
    )
}
