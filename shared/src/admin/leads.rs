//! `GET /api/businesses/{id}/leads` (filters, cursor pages) and `GET/PATCH .../leads/{leadId}`
//! (status, assignee, notes): the people who called and what they want.

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Deserializer, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::request::{Cursor, Page, Query, invalid, path_id};
use super::{AdminState, conflict_on, method_not_allowed, ok};
use crate::domain::catalog::{LeadStatus, Priority};
use crate::error::ApiError;
use crate::web::parse_json;

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Lead {
    pub id: Uuid,
    /// The number the lead called from (E.164), when known.
    pub caller_phone: Option<String>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub notes: String,
    /// Qualification answers by field key: {raw, value, valid, problem, source}.
    #[schema(value_type = Object)]
    pub answers: sqlx::types::Json<serde_json::Value>,
    /// new, contacted, qualified or closed.
    pub status: String,
    /// low, normal, high or urgent.
    pub priority: String,
    pub urgency_reasons: Vec<String>,
    pub client_id: Option<Uuid>,
    pub assignee_user_id: Option<Uuid>,
    /// The call log of the call that last updated the lead.
    pub last_call_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "contacted")]
    pub status: Option<LeadStatus>,
    /// A user of this business; `null` unassigns.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub assignee_user_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Tells a field given as `null` (Some(None)) from one left out (None).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

const SELECT: &str =
    "SELECT l.id, l.caller_phone, l.contact_name, l.email, l.phone, l.company, l.notes,
        l.answers, l.status, l.priority, l.urgency_reasons, l.client_id, l.assignee_user_id,
        (SELECT cl.id FROM call_logs cl WHERE cl.lead_id = l.id AND cl.business_id = l.business_id
          ORDER BY cl.created_at DESC LIMIT 1)
            AS last_call_id,
        l.created_at, l.updated_at
    FROM leads l";

#[utoipa::path(get, path = "/api/businesses/{id}/leads", tag = "leads",
    params(("id" = Uuid, Path, description = "business id"),
        ("status" = Option<String>, Query, description = "new, contacted, qualified or closed"),
        ("priority" = Option<String>, Query, description = "low, normal, high or urgent"),
        ("created_from" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD, inclusive"),
        ("created_to" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD, exclusive"),
        ("limit" = Option<i64>, Query, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Page<Lead>),
        (status = 400, body = crate::admin::openapi::ErrorBody), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let mut q = Query::of(req)?;
    let page = q.page()?;
    let status = q.parsed::<LeadStatus>("status")?.map(LeadStatus::as_str);
    let priority = q.parsed::<Priority>("priority")?.map(Priority::as_str);
    let from = q.instant("created_from")?;
    let to = q.instant("created_to")?;
    q.finish()?;
    let (t, id) = page.bounds();
    let pool = state.db.pool().await?;
    let rows = sqlx::query_as::<_, Lead>(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE l.business_id = $1 AND (l.created_at, l.id) < ($2, $3)
           AND ($5::text IS NULL OR l.status = $5) AND ($6::text IS NULL OR l.priority = $6)
           AND ($7::timestamptz IS NULL OR l.created_at >= $7)
           AND ($8::timestamptz IS NULL OR l.created_at < $8)
         ORDER BY l.created_at DESC, l.id DESC LIMIT $4"
    )))
    .bind(business_id)
    .bind(t)
    .bind(id)
    .bind(page.fetch())
    .bind(status)
    .bind(priority)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    ok(
        StatusCode::OK,
        &page.finish(rows, |l| Cursor {
            created_at: l.created_at,
            id: l.id,
        }),
    )
}

#[utoipa::path(get, path = "/api/businesses/{id}/leads/{leadId}", tag = "leads",
    params(("id" = Uuid, Path, description = "business id"), ("leadId" = Uuid, Path)),
    responses((status = 200, body = Lead), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get(
    state: &AdminState,
    business_id: Uuid,
    lead_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(StatusCode::OK, &load(pool, business_id, lead_id).await?)
}

#[utoipa::path(patch, path = "/api/businesses/{id}/leads/{leadId}", tag = "leads",
    params(("id" = Uuid, Path, description = "business id"), ("leadId" = Uuid, Path)),
    request_body = LeadPatch,
    responses((status = 200, body = Lead),
        (status = 400, body = crate::admin::openapi::ErrorBody), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody),
        (status = 409, body = crate::admin::openapi::ErrorBody, description = "reopening would give the caller two open leads")),
    security(("bearer" = [])))]
pub(crate) async fn patch(
    state: &AdminState,
    business_id: Uuid,
    lead_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let patch: LeadPatch = parse_json(req)?;
    if patch
        .notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > 10_000)
    {
        return Err(invalid("notes", "must be at most 10000 characters"));
    }
    let pool = state.db.pool().await?;
    if let Some(Some(user)) = patch.assignee_user_id {
        let member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND business_id = $2)",
        )
        .bind(user)
        .bind(business_id)
        .fetch_one(pool)
        .await?;
        if !member {
            return Err(invalid(
                "assignee_user_id",
                "is not a user of this business",
            ));
        }
    }
    let updated = sqlx::query(
        "UPDATE leads SET status = COALESCE($3, status),
                assignee_user_id = CASE WHEN $4 THEN $5 ELSE assignee_user_id END,
                notes = COALESCE($6, notes), updated_at = now()
         WHERE id = $2 AND business_id = $1",
    )
    .bind(business_id)
    .bind(lead_id)
    .bind(patch.status.map(LeadStatus::as_str))
    .bind(patch.assignee_user_id.is_some())
    .bind(patch.assignee_user_id.flatten())
    .bind(&patch.notes)
    .execute(pool)
    .await
    .map_err(|e| {
        conflict_on(
            e,
            "leads_open_caller_key",
            "open_lead_exists",
            "this caller already has another open lead",
        )
    })?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("no such lead"));
    }
    ok(StatusCode::OK, &load(pool, business_id, lead_id).await?)
}

pub async fn handle_collection(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => list(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

pub async fn handle_item(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let lead_id = path_id(req, "leadId")?;
    match *req.method() {
        Method::GET => get(state, business_id, lead_id).await,
        Method::PATCH => patch(state, business_id, lead_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

async fn load(pool: &PgPool, business_id: Uuid, lead_id: Uuid) -> Result<Lead, ApiError> {
    sqlx::query_as::<_, Lead>(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE l.business_id = $1 AND l.id = $2"
    )))
    .bind(business_id)
    .bind(lead_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such lead"))
}
