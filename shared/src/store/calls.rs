//! The admin view of the call log: filtered keyset pages and one call with its transcript.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Keyed, Keyset};
use crate::domain::BusinessId;
use crate::domain::catalog::{CallDirection, CallStatus};
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallSummary {
    pub id: Uuid,
    pub call_sid: Option<String>,
    /// inbound or outbound.
    pub direction: Option<String>,
    pub from_phone: Option<String>,
    pub to_phone: Option<String>,
    /// completed, failed, busy, no-answer or in-progress.
    pub status: String,
    pub started_at: Option<DateTime<Utc>>,
    pub duration_secs: Option<i32>,
    pub summary_title: Option<String>,
    /// success, failure or unknown (ElevenLabs' judgement).
    pub call_successful: Option<String>,
    pub client_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl Keyed for CallSummary {
    fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CallDetail {
    #[serde(flatten)]
    pub call: CallSummary,
    pub elevenlabs_conversation_id: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub termination_reason: Option<String>,
    pub summary: Option<String>,
    /// elevenlabs, openai or extractive.
    pub summary_source: Option<String>,
    pub cost: Cost,
    pub failure_reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub failure_details: Option<serde_json::Value>,
    /// The conversation's turns: [{role, text, time_in_call_secs, interrupted, tool_calls, tool_results}].
    #[schema(value_type = Vec<Object>)]
    pub transcript: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Cost {
    /// ElevenLabs credits.
    pub credits: Option<i64>,
    /// Decimal amount as a string, e.g. "0.084000".
    pub amount: Option<String>,
    /// ISO 4217, e.g. USD.
    pub currency: Option<String>,
}

/// One page of the list, newest first; each filter applies when given.
pub struct CallFilter {
    pub status: Option<CallStatus>,
    pub direction: Option<CallDirection>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub page: Keyset,
}

pub async fn list(
    pool: &PgPool,
    business_id: BusinessId,
    f: &CallFilter,
) -> Result<Vec<CallSummary>, ApiError> {
    Ok(sqlx::query_as!(
        CallSummary,
        "SELECT cl.id, cl.call_sid, cl.direction, cl.from_phone, cl.to_phone, cl.status,
                cl.started_at, cl.duration_secs, cl.summary_title, cl.call_successful, cl.client_id,
                cl.lead_id, cl.created_at
         FROM call_logs cl
         WHERE cl.business_id = $1 AND (cl.created_at, cl.id) < ($2, $3)
           AND ($5::text IS NULL OR cl.status = $5) AND ($6::text IS NULL OR cl.direction = $6)
           AND ($7::timestamptz IS NULL OR cl.created_at >= $7)
           AND ($8::timestamptz IS NULL OR cl.created_at < $8)
         ORDER BY cl.created_at DESC, cl.id DESC LIMIT $4",
        business_id.get(),
        f.page.before.0,
        f.page.before.1,
        f.page.limit,
        f.status.map(CallStatus::as_str),
        f.direction.map(CallDirection::as_str),
        f.created_from,
        f.created_to,
    )
    .fetch_all(pool)
    .await?)
}

/// The call with its transcript, summary and cost; 404 when the business has no such call.
pub async fn load(
    pool: &PgPool,
    business_id: BusinessId,
    call_id: Uuid,
) -> Result<CallDetail, ApiError> {
    let row = sqlx::query!(
        r#"SELECT cl.id, cl.call_sid, cl.direction, cl.from_phone, cl.to_phone, cl.status,
                  cl.started_at, cl.duration_secs, cl.summary_title, cl.call_successful, cl.client_id,
                  cl.lead_id, cl.created_at,
                  cl.elevenlabs_conversation_id, cl.ended_at, cl.termination_reason,
                  cl.summary, cl.summary_source, cl.cost_credits, cl.cost_amount::text AS cost_amount,
                  cl.cost_currency, cl.failure_reason, cl.failure_details,
                  c.messages AS "messages?: sqlx::types::Json<Vec<serde_json::Value>>"
           FROM call_logs cl
           LEFT JOIN conversations c ON c.id = cl.conversation_id AND c.business_id = cl.business_id
           WHERE cl.business_id = $1 AND cl.id = $2"#,
        business_id.get(),
        call_id,
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such call"))?;
    Ok(CallDetail {
        call: CallSummary {
            id: row.id,
            call_sid: row.call_sid,
            direction: row.direction,
            from_phone: row.from_phone,
            to_phone: row.to_phone,
            status: row.status,
            started_at: row.started_at,
            duration_secs: row.duration_secs,
            summary_title: row.summary_title,
            call_successful: row.call_successful,
            client_id: row.client_id,
            lead_id: row.lead_id,
            created_at: row.created_at,
        },
        elevenlabs_conversation_id: row.elevenlabs_conversation_id,
        ended_at: row.ended_at,
        termination_reason: row.termination_reason,
        summary: row.summary,
        summary_source: row.summary_source,
        cost: Cost {
            credits: row.cost_credits,
            amount: row.cost_amount,
            currency: row.cost_currency,
        },
        failure_reason: row.failure_reason,
        failure_details: row.failure_details,
        transcript: row.messages.map(|j| j.0).unwrap_or_default(),
    })
}
