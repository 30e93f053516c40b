//! `GET/POST /api/businesses`: platform admins only. GET lists every business (searched by name
//! or number, in cursor pages); POST creates one with its numbers and its first owner, checked as
//! the operator CLI checks it (`shared::admin::operator::check_business`), the owner invited
//! (`shared::admin::invitations`: the answer carries the link to send them).

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::admin::auth::Principal;
use shared::admin::invitations::{INVITE_LIFETIME, InvitationAudit, Invited, invite_url};
use shared::admin::openapi::{ErrorBody, Invalid, Refused};
use shared::admin::operator::{check_business, create_business_inviting_owner};
use shared::admin::request::{Page, Query};
use shared::admin::sessions::new_secret;
use shared::admin::{method_not_allowed, ok};
use shared::domain::catalog::Role;
use shared::error::ApiError;
use shared::store::business::Business;
use shared::store::businesses::{self, BusinessSummary};
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBusiness {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// IANA time zone, e.g. `America/Los_Angeles`.
    pub timezone: String,
    /// ISO 3166 region the business's numbers are read in when written without a country code.
    #[serde(default = "default_region")]
    pub default_region: String,
    /// The numbers the agent answers for it; each may belong to one business.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub phone_numbers: Vec<String>,
    /// The first owner, invited by the link in the answer.
    #[schema(max_length = 320)]
    pub owner_email: String,
}

fn default_region() -> String {
    "US".into()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedBusiness {
    pub business: Business,
    pub owner: Invited,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let who = state.admin.authenticate(req).await?;
    if who.role != Role::PlatformAdmin {
        return Err(ApiError::forbidden(
            "only platform admins list and create businesses",
        ));
    }
    match *req.method() {
        Method::GET => list(state, req).await,
        Method::POST => create(state, &who, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses", operation_id = "listBusinesses", tag = "business",
    params(("search" = Option<String>, Query, description = "part of the name, or 3 or more digits of a number"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Page<BusinessSummary>), Invalid, Refused),
    security(("bearer" = [])))]
pub async fn list(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let mut q = Query::of(req)?;
    let page = q.page()?;
    let search = q.text("search");
    q.finish()?;
    page.check_list("businesses")?;
    let rows = businesses::list(
        state.admin.db.pool().await?,
        search.as_deref(),
        &page.keyset(),
    )
    .await?;
    ok(StatusCode::OK, &page.finish(rows, "businesses"))
}

#[utoipa::path(post, path = "/api/businesses", operation_id = "createBusiness", tag = "business",
    request_body = NewBusiness,
    responses((status = 201, body = CreatedBusiness), Invalid, Refused,
        (status = 409, body = ErrorBody, description = "the owner's email is a user already, or a number belongs to another business")),
    security(("bearer" = [])))]
pub async fn create(
    state: &State,
    who: &Principal,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let body: NewBusiness = parse_json(req)?;
    let checked = check_business(
        &body.name,
        &body.timezone,
        &body.default_region,
        &body.phone_numbers,
        &body.owner_email,
    )?;
    let (token, digest) = new_secret();
    let expires_at = (state.admin.now)() + INVITE_LIFETIME;
    let pool = state.admin.db.pool().await?;
    // The business, its owner and the audit of the invitation stand or fall together.
    let mut tx = pool.begin().await?;
    let (business_id, owner_id) =
        create_business_inviting_owner(&mut tx, &checked, &digest, expires_at, who.user_id).await?;
    InvitationAudit {
        invited: owner_id,
        inviter: who.user_id,
        business_id,
        email: &checked.owner_email,
        meta: &state.admin.client(req),
    }
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    ok(
        StatusCode::CREATED,
        &CreatedBusiness {
            business: shared::store::business::load(pool, business_id).await?,
            owner: Invited {
                user: shared::store::users::load_in_business(pool, business_id, owner_id).await?,
                invite_url: invite_url(&state.dashboard_url, &token),
                invite_expires_at: expires_at,
            },
        },
    )
}
