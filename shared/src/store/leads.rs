//! The admin view of leads: filtered keyset pages, one lead, and the team's edits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Keyed, Keyset};
use crate::domain::BusinessId;
use crate::domain::catalog::{LeadOrder, LeadStatus, Priority};
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Lead {
    pub id: Uuid,
    /// The number the lead called from (E.164), when known.
    pub caller_phone: Option<String>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub notes: String,
    /// Qualification answers by field key (stored as written by `domain::answers`).
    #[schema(value_type = std::collections::BTreeMap<String, crate::domain::answers::Answer>)]
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

impl Keyed for Lead {
    fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }

    fn rank(&self) -> Option<i16> {
        self.priority.parse::<Priority>().ok().map(priority_rank)
    }
}

/// A priority's place in the priority order (`Priority::ALL`, low to urgent), as the list query
/// ranks it (`array_position` over the same names).
fn priority_rank(p: Priority) -> i16 {
    Priority::ALL.iter().position(|x| *x == p).unwrap_or(0) as i16 + 1
}

/// One page of the list, newest first; each filter applies when given.
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub priority: Option<Priority>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub order: LeadOrder,
    pub page: Keyset,
}

/// The team's edit of a lead; `None` leaves a field as it is.
pub struct LeadEdit<'a> {
    pub status: Option<LeadStatus>,
    /// `Some(None)` unassigns.
    pub assignee_user_id: Option<Option<Uuid>>,
    pub notes: Option<&'a str>,
}

pub async fn list(
    pool: &PgPool,
    business_id: BusinessId,
    f: &LeadFilter,
) -> Result<Vec<Lead>, ApiError> {
    Ok(sqlx::query_as!(
        Lead,
        r#"SELECT l.id, l.caller_phone, l.contact_name, l.email, l.phone, l.company, l.notes,
                  l.answers AS "answers: sqlx::types::Json<serde_json::Value>", l.status, l.priority,
                  l.urgency_reasons, l.client_id, l.assignee_user_id,
                  (SELECT cl.id FROM call_logs cl WHERE cl.lead_id = l.id AND cl.business_id = l.business_id
                    ORDER BY cl.created_at DESC LIMIT 1) AS "last_call_id?",
                  l.created_at, l.updated_at
           FROM leads l
           WHERE l.business_id = $1
             AND CASE WHEN $9 THEN (array_position($10::text[], l.priority)::int2, l.created_at, l.id) < ($11, $2, $3)
                      ELSE (l.created_at, l.id) < ($2, $3) END
             AND ($5::text IS NULL OR l.status = $5) AND ($6::text IS NULL OR l.priority = $6)
             AND ($7::timestamptz IS NULL OR l.created_at >= $7)
             AND ($8::timestamptz IS NULL OR l.created_at < $8)
           ORDER BY CASE WHEN $9 THEN array_position($10::text[], l.priority) END DESC NULLS LAST,
                    l.created_at DESC, l.id DESC LIMIT $4"#,
        business_id.get(),
        f.page.before.0,
        f.page.before.1,
        f.page.limit,
        f.status.map(LeadStatus::as_str),
        f.priority.map(Priority::as_str),
        f.created_from,
        f.created_to,
        f.order == LeadOrder::Priority,
        &Priority::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>() as &[&str],
        f.page.rank_before.unwrap_or(i16::MAX),
    )
    .fetch_all(pool)
    .await?)
}

/// The lead; 404 when the business has no such lead.
pub async fn load(pool: &PgPool, business_id: BusinessId, lead_id: Uuid) -> Result<Lead, ApiError> {
    sqlx::query_as!(
        Lead,
        r#"SELECT l.id, l.caller_phone, l.contact_name, l.email, l.phone, l.company, l.notes,
                  l.answers AS "answers: sqlx::types::Json<serde_json::Value>", l.status, l.priority,
                  l.urgency_reasons, l.client_id, l.assignee_user_id,
                  (SELECT cl.id FROM call_logs cl WHERE cl.lead_id = l.id AND cl.business_id = l.business_id
                    ORDER BY cl.created_at DESC LIMIT 1) AS "last_call_id?",
                  l.created_at, l.updated_at
           FROM leads l
           WHERE l.business_id = $1 AND l.id = $2"#,
        business_id.get(),
        lead_id,
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such lead"))
}

/// Applies the edit; 404 when there is no such lead, 409 when reopening it would give the caller
/// two open leads.
pub async fn edit(
    pool: &PgPool,
    business_id: BusinessId,
    lead_id: Uuid,
    e: &LeadEdit<'_>,
) -> Result<(), ApiError> {
    let updated = sqlx::query!(
        "UPDATE leads SET status = COALESCE($3, status),
                assignee_user_id = CASE WHEN $4 THEN $5 ELSE assignee_user_id END,
                notes = COALESCE($6, notes), updated_at = now()
         WHERE id = $2 AND business_id = $1",
        business_id.get(),
        lead_id,
        e.status.map(LeadStatus::as_str),
        e.assignee_user_id.is_some(),
        e.assignee_user_id.flatten(),
        e.notes,
    )
    .execute(pool)
    .await
    // One open lead per caller (`leads_open_caller_key`), and per call for a caller without a
    // number (`leads_anonymous_call_key`): reopening a closed lead can meet either.
    .map_err(
        |err| match err.as_database_error().and_then(|d| d.constraint()) {
            Some("leads_open_caller_key" | "leads_anonymous_call_key") => ApiError::conflict(
                "open_lead_exists",
                "this caller (or, without a number, this call) already has another open lead",
            ),
            _ => err.into(),
        },
    )?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("no such lead"));
    }
    Ok(())
}
