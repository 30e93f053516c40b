//! `GET/PATCH /api/businesses/{id}/leads/{leadId}`: one lead, and the team's edits to it (status,
//! assignee, notes). Members may edit leads too: it is their day-to-day work.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use uuid::Uuid;

use shared::admin::auth::Access;
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::{invalid, path_id};
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::domain::catalog::LeadStatus;
use shared::error::ApiError;
use shared::store::leads::{self, Lead, LeadEdit};
use shared::store::users;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

pub const MAX_NOTES_CHARS: usize = 10_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    #[serde(default)]
    #[schema(example = "contacted")]
    pub status: Option<LeadStatus>,
    /// A user of this business; `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_user_id: Option<Option<Uuid>>,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// Tells a field given as `null` (Some(None)) from one left out (None).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let access = match *req.method() {
        Method::PATCH => Access::WorkLeads,
        Method::GET => Access::Read,
        _ => Access::Write,
    };
    let (_, business_id) = state.authorize(req, access).await?;
    let lead_id = path_id(req, "leadId")?;
    match *req.method() {
        Method::GET => get(state, business_id, lead_id).await,
        Method::PATCH => patch(state, business_id, lead_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/leads/{leadId}", operation_id = "getLead", tag = "leads",
    params(("id" = Uuid, Path, description = "business id"), ("leadId" = Uuid, Path)),
    responses((status = 200, body = Lead), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn get(
    state: &State,
    business_id: BusinessId,
    lead_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(
        StatusCode::OK,
        &leads::load(pool, business_id, lead_id).await?,
    )
}

#[utoipa::path(patch, path = "/api/businesses/{id}/leads/{leadId}", operation_id = "updateLead", tag = "leads",
    params(("id" = Uuid, Path, description = "business id"), ("leadId" = Uuid, Path)),
    request_body = LeadPatch,
    responses((status = 200, body = Lead), Invalid, RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "reopening would give the caller two open leads")),
    security(("bearer" = [])))]
pub async fn patch(
    state: &State,
    business_id: BusinessId,
    lead_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let patch: LeadPatch = parse_json(req)?;
    if patch.status.is_none() && patch.assignee_user_id.is_none() && patch.notes.is_none() {
        return Err(invalid(
            "status",
            "give a status, assignee_user_id, notes, or several",
        ));
    }
    if patch
        .notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTES_CHARS)
    {
        return Err(invalid(
            "notes",
            format!("must be at most {MAX_NOTES_CHARS} characters"),
        ));
    }
    let pool = state.db.pool().await?;
    if let Some(Some(user)) = patch.assignee_user_id
        && !users::may_be_assigned(pool, user, business_id, lead_id).await?
    {
        return Err(invalid(
            "assignee_user_id",
            "is not an enabled user of this business",
        ));
    }
    let edit = LeadEdit {
        status: patch.status,
        assignee_user_id: patch.assignee_user_id,
        notes: patch.notes.as_deref(),
    };
    leads::edit(pool, business_id, lead_id, &edit).await?;
    ok(
        StatusCode::OK,
        &leads::load(pool, business_id, lead_id).await?,
    )
}
