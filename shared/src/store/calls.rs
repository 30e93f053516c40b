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
    /// ElevenLabs' analysis as delivered: {call_successful, transcript_summary,
    /// evaluation_criteria_results, data_collection_results, ...}.
    #[schema(value_type = Option<Object>)]
    pub analysis: Option<serde_json::Value>,
    /// The messages the agent took during the call, oldest first.
    pub messages: Vec<TakenMessage>,
}

/// A message the agent took for the business (the `take_message` tool).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TakenMessage {
    pub id: Uuid,
    pub caller_name: Option<String>,
    /// Where to call back (E.164), when the caller gave a number.
    pub callback_phone: Option<String>,
    /// The callback as said, when it was not a number.
    pub callback_raw: Option<String>,
    pub message: String,
    pub preferred_time: Option<String>,
    pub created_at: DateTime<Utc>,
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
    pub caller: Option<CallerSearch>,
    /// The calls of one lead.
    pub lead_id: Option<Uuid>,
    pub page: Keyset,
}

/// Who called, as typed in a search box: digits find the number (however it is written: "415
/// 555-01" finds +1415555 01..), anything else the lead's or the client's name, email or company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerSearch {
    Digits(String),
    /// A LIKE pattern, wildcards in the search escaped.
    Words(String),
}

impl CallerSearch {
    /// None for a search of only spaces; a refusal (why) for a number too short to search by,
    /// which would otherwise be no filter at all: the whole list for what looked like a search.
    pub fn parse(raw: &str) -> Result<Option<Self>, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let phone_like = raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !phone_like {
            return Ok(Some(Self::Words(super::contains_pattern(raw))));
        }
        if digits.len() < 3 {
            return Err("give at least 3 digits of a number, or a name");
        }
        Ok(Some(Self::Digits(digits)))
    }
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
           -- The caller's number: the other party, never our own (every inbound call has it).
           AND ($9::text IS NULL
                OR (CASE WHEN cl.direction = 'outbound' THEN cl.to_phone ELSE cl.from_phone END) LIKE '%' || $9 || '%')
           AND ($10::text IS NULL
                OR EXISTS (SELECT 1 FROM leads l WHERE l.id = cl.lead_id AND l.business_id = cl.business_id
                           AND (l.contact_name ILIKE $10 OR l.email ILIKE $10 OR l.company ILIKE $10))
                OR EXISTS (SELECT 1 FROM clients c WHERE c.id = cl.client_id AND c.business_id = cl.business_id
                           AND (c.name ILIKE $10 OR c.email ILIKE $10 OR c.company ILIKE $10)))
           AND ($11::uuid IS NULL OR cl.lead_id = $11)
         ORDER BY cl.created_at DESC, cl.id DESC LIMIT $4",
        business_id.get(),
        f.page.before.0,
        f.page.before.1,
        f.page.limit,
        f.status.map(CallStatus::as_str),
        f.direction.map(CallDirection::as_str),
        f.created_from,
        f.created_to,
        match &f.caller {
            Some(CallerSearch::Digits(d)) => Some(d.as_str()),
            _ => None,
        },
        match &f.caller {
            Some(CallerSearch::Words(w)) => Some(w.as_str()),
            _ => None,
        },
        f.lead_id,
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
                  cl.cost_currency, cl.failure_reason, cl.failure_details, c.analysis AS "analysis?",
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
    let messages = match &row.elevenlabs_conversation_id {
        Some(conversation) => {
            sqlx::query_as!(
                TakenMessage,
                "SELECT id, caller_name, callback_phone, callback_raw, message, preferred_time, created_at
                 FROM call_messages WHERE business_id = $1 AND elevenlabs_conversation_id = $2
                 ORDER BY created_at, id",
                business_id.get(),
                conversation,
            )
            .fetch_all(pool)
            .await?
        }
        None => Vec::new(),
    };
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
        analysis: row.analysis,
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::CallerSearch;

    #[test]
    fn a_search_is_a_number_or_words() {
        assert_eq!(
            CallerSearch::parse("(415) 555-01"),
            Ok(Some(CallerSearch::Digits("41555501".into())))
        );
        assert_eq!(
            CallerSearch::parse("+1 415"),
            Ok(Some(CallerSearch::Digits("1415".into())))
        );
        assert_eq!(
            CallerSearch::parse(" Sam Rivera "),
            Ok(Some(CallerSearch::Words("%Sam Rivera%".into())))
        );
        assert_eq!(
            CallerSearch::parse("100%_off\\"),
            Ok(Some(CallerSearch::Words("%100\\%\\_off\\\\%".into())))
        );
        assert_eq!(CallerSearch::parse("  "), Ok(None));
        assert!(CallerSearch::parse("41").is_err());
        assert!(CallerSearch::parse("+-").is_err());
    }
}
