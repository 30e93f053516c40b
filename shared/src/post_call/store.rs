//! The post-call pipeline's queries. Every write is an upsert on a natural key (the ElevenLabs
//! conversation id, the call key, the caller's open lead), so a redelivered job changes nothing twice.

use crate::domain::lead::LeadColumns;
pub use crate::domain::lead::QuestionSpec;
use crate::domain::urgency::Urgency;
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db::Database;
use crate::domain::Priority;
use crate::domain::answers::Answer;
use crate::domain::urgency::UrgencyKeyword;

pub async fn save_payload(
    db: &Database,
    event_type: &str,
    conversation_id: &str,
    raw: &[u8],
) -> anyhow::Result<Uuid> {
    let pool = db.pool().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO webhook_payloads (source, event_type, conversation_id, body) \
         VALUES ('elevenlabs', $1, $2, $3) RETURNING id",
        event_type,
        conversation_id,
        raw,
    )
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub async fn load_payload(pool: &PgPool, id: Uuid) -> anyhow::Result<Vec<u8>> {
    sqlx::query_scalar!("SELECT body FROM webhook_payloads WHERE id = $1", id,)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| anyhow::anyhow!("stored payload {id} does not exist"))
}

/// The business a call belongs to, and what the initiation webhook recorded about the call.
#[derive(Debug, Clone)]
pub struct CallOwner {
    pub business_id: Uuid,
    pub business_name: String,
    pub default_region: String,
    pub timezone: String,
    /// The agent's language (number words in answers are read in it too).
    pub language: String,
    pub notification_emails: Vec<String>,
    pub start_client_id: Option<Uuid>,
    pub start_direction: Option<String>,
    pub start_person_phone: Option<String>,
    pub start_business_phone: Option<String>,
    pub start_call_sid: Option<String>,
}

/// The business a call belongs to: the one whose initiation webhook recorded the call's start (by
/// conversation id, then by Twilio call SID), and only for a call with no recorded start, the one
/// that holds our number on the call now, else the one whose agent took it. The start comes first
/// because a number can change hands after a call: the call stays with the business it rang.
pub async fn find_call_owner(
    pool: &PgPool,
    conversation_id: &str,
    call_sid: Option<&str>,
    our_number: Option<&str>,
    agent_id: Option<&str>,
) -> anyhow::Result<Option<CallOwner>> {
    let owner = sqlx::query_as!(
        CallOwner,
        r#"
        WITH start AS (
            SELECT *, 1 AS rank FROM call_starts WHERE conversation_id = $1::text
            UNION ALL
            SELECT *, 2 FROM call_starts WHERE call_sid = $2::text
            ORDER BY rank LIMIT 1
        ), candidate AS (
            SELECT business_id, 1 AS rank FROM start
            UNION ALL
            SELECT business_id, 2 FROM business_phone_numbers WHERE phone_e164 = $3::text
            UNION ALL
            SELECT business_id, 3 FROM agent_configs WHERE elevenlabs_agent_id = $4::text
            ORDER BY rank LIMIT 1
        )
        SELECT b.id AS business_id, b.name AS business_name, b.default_region, b.timezone,
               COALESCE((SELECT a.language FROM agent_configs a WHERE a.business_id = b.id), 'en') AS "language!",
               b.notification_emails,
               s.client_id AS "start_client_id?", s.direction AS "start_direction?",
               s.person_phone AS "start_person_phone?", s.business_phone AS "start_business_phone?",
               s.call_sid AS "start_call_sid?"
        FROM candidate c
        JOIN businesses b ON b.id = c.business_id
        LEFT JOIN start s ON s.business_id = b.id
        "#,
        conversation_id,
        call_sid,
        our_number,
        agent_id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(owner)
}

#[derive(Debug, Clone)]
pub struct ClientRef {
    pub id: Uuid,
    pub name: String,
}

pub async fn client_by_phone(
    pool: &PgPool,
    business_id: Uuid,
    phone: &str,
) -> anyhow::Result<Option<ClientRef>> {
    Ok(sqlx::query_as!(
        ClientRef,
        "SELECT c.id, c.name FROM client_phone_numbers p \
         JOIN clients c ON c.id = p.client_id AND c.business_id = p.business_id \
         WHERE p.business_id = $1 AND p.phone_e164 = $2",
        business_id,
        phone,
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn client_by_id(
    pool: &PgPool,
    business_id: Uuid,
    client_id: Uuid,
) -> anyhow::Result<Option<ClientRef>> {
    Ok(sqlx::query_as!(
        ClientRef,
        "SELECT id, name FROM clients WHERE business_id = $1 AND id = $2",
        business_id,
        client_id,
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn questions(pool: &PgPool, business_id: Uuid) -> anyhow::Result<Vec<QuestionSpec>> {
    let rows = sqlx::query!(
        r#"SELECT field_key, question, expected_format, choices, required, maps_to_lead_field,
                  choice_synonyms AS "choice_synonyms: Json<crate::domain::answers::ChoiceSynonyms>"
           FROM qualification_questions WHERE business_id = $1 ORDER BY position"#,
        business_id,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(QuestionSpec {
                field_key: r.field_key,
                question: r.question,
                expected_format: r.expected_format.parse().map_err(anyhow::Error::msg)?,
                choices: r.choices,
                choice_synonyms: r.choice_synonyms.0,
                required: r.required,
                maps_to_lead_field: r.maps_to_lead_field,
            })
        })
        .collect()
}

pub async fn urgency_keywords(
    pool: &PgPool,
    business_id: Uuid,
) -> anyhow::Result<Vec<UrgencyKeyword>> {
    let rows = sqlx::query!(
        "SELECT phrase, severity FROM urgency_keywords WHERE business_id = $1",
        business_id,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(UrgencyKeyword {
                phrase: r.phrase,
                severity: r.severity.parse().map_err(anyhow::Error::msg)?,
            })
        })
        .collect()
}

/// A conversation as stored.
pub struct ConversationRow<'a> {
    pub business_id: Uuid,
    pub elevenlabs_conversation_id: &'a str,
    pub agent_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub direction: &'a str,
    pub caller_phone: Option<&'a str>,
    pub business_phone: Option<&'a str>,
    pub client_id: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_secs: Option<i32>,
    pub main_language: Option<&'a str>,
    pub messages: serde_json::Value,
    pub analysis: serde_json::Value,
    pub initiation_data: Option<serde_json::Value>,
}

pub async fn upsert_conversation(
    tx: &mut PgConnection,
    c: &ConversationRow<'_>,
) -> anyhow::Result<Uuid> {
    let id: Option<Uuid> = sqlx::query_scalar!(
        r#"
        INSERT INTO conversations (business_id, elevenlabs_conversation_id, agent_id, status, direction,
            caller_phone, business_phone, client_id, started_at, ended_at, duration_secs, main_language,
            messages, analysis, initiation_data)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT (elevenlabs_conversation_id) DO UPDATE SET
            agent_id = EXCLUDED.agent_id, status = EXCLUDED.status, direction = EXCLUDED.direction,
            caller_phone = EXCLUDED.caller_phone, business_phone = EXCLUDED.business_phone,
            client_id = EXCLUDED.client_id, started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
            duration_secs = EXCLUDED.duration_secs, main_language = EXCLUDED.main_language,
            messages = EXCLUDED.messages, analysis = EXCLUDED.analysis,
            initiation_data = EXCLUDED.initiation_data, updated_at = now()
        WHERE conversations.business_id = EXCLUDED.business_id
        RETURNING id
        "#,
        c.business_id,
        c.elevenlabs_conversation_id,
        c.agent_id,
        c.status,
        c.direction,
        c.caller_phone,
        c.business_phone,
        c.client_id,
        c.started_at,
        c.ended_at,
        c.duration_secs,
        c.main_language,
        &c.messages,
        &c.analysis,
        c.initiation_data as _,
    )
    .fetch_optional(&mut *tx)
    .await?;
    id.ok_or_else(|| {
        anyhow::anyhow!(
            "conversation {} already belongs to another business",
            c.elevenlabs_conversation_id
        )
    })
}

pub async fn upsert_client_note(
    tx: &mut PgConnection,
    business_id: Uuid,
    client_id: Uuid,
    conversation_id: Uuid,
    body: &str,
) -> anyhow::Result<()> {
    sqlx::query!(
        "INSERT INTO client_notes (business_id, client_id, conversation_id, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (conversation_id) DO UPDATE SET body = EXCLUDED.body",
        business_id,
        client_id,
        conversation_id,
        body,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An open lead as read for update.
#[derive(Debug, Clone)]
pub struct OpenLead {
    pub id: Uuid,
    pub answers: Json<BTreeMap<String, Answer>>,
    pub priority: String,
    pub urgency_reasons: Vec<String>,
    /// The call that last updated it, and when that call started.
    pub conversation_id: Option<Uuid>,
    pub last_call_started_at: Option<DateTime<Utc>>,
}

/// The caller's open lead (by phone; for a caller without caller id, the one this call made),
/// locked until the transaction ends.
pub async fn lock_open_lead(
    tx: &mut PgConnection,
    business_id: Uuid,
    caller_phone: Option<&str>,
    conversation_id: Uuid,
) -> anyhow::Result<Option<OpenLead>> {
    Ok(sqlx::query_as!(
        OpenLead,
        r#"SELECT l.id, l.answers AS "answers: Json<BTreeMap<String, Answer>>", l.priority,
                  l.urgency_reasons, l.conversation_id,
                  c.started_at AS "last_call_started_at?"
           FROM leads l LEFT JOIN conversations c ON c.id = l.conversation_id
           WHERE l.business_id = $1 AND l.status <> 'closed'
             AND (l.caller_phone = $2 OR ($2::text IS NULL AND l.conversation_id = $3))
           FOR UPDATE OF l"#,
        business_id,
        caller_phone,
        conversation_id,
    )
    .fetch_optional(&mut *tx)
    .await?)
}

/// A lead's fields after this call.
pub struct LeadWrite<'a> {
    pub business_id: Uuid,
    pub caller_phone: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub company: Option<&'a str>,
    pub answers: &'a BTreeMap<String, Answer>,
    pub priority: Priority,
    pub urgency_reasons: &'a [String],
    pub conversation_id: Uuid,
}

impl<'a> LeadWrite<'a> {
    /// The lead row; without an answered phone number the caller's own is the one to call back.
    pub fn new(
        columns: &'a LeadColumns,
        business_id: Uuid,
        caller_phone: Option<&'a str>,
        answers: &'a BTreeMap<String, Answer>,
        urgency: &'a Urgency,
        conversation_id: Uuid,
    ) -> Self {
        LeadWrite {
            business_id,
            caller_phone,
            contact_name: columns.contact_name.as_deref(),
            email: columns.email.as_deref(),
            phone: columns.phone.as_deref().or(caller_phone),
            company: columns.company.as_deref(),
            answers,
            priority: urgency.priority,
            urgency_reasons: &urgency.reasons,
            conversation_id,
        }
    }
}

/// Inserts a new open lead, or returns None when a concurrent writer (the live qualification tool, or
/// a duplicate delivery) created the caller's open lead first (either unique index: by caller, or for
/// a caller without caller id by conversation); the caller then locks and updates that one.
pub async fn insert_lead(tx: &mut PgConnection, l: &LeadWrite<'_>) -> anyhow::Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"
        INSERT INTO leads (business_id, caller_phone, contact_name, email, phone, company, answers,
                           priority, urgency_reasons, conversation_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT DO NOTHING
        RETURNING id
        "#,
        l.business_id,
        l.caller_phone,
        l.contact_name,
        l.email,
        l.phone,
        l.company,
        Json(l.answers) as _,
        l.priority.as_str(),
        l.urgency_reasons,
        l.conversation_id,
    )
    .fetch_optional(&mut *tx)
    .await?)
}

/// Updates the locked lead `existing`, or inserts one; None when a concurrent writer created the
/// caller's open lead first (lock it and try again).
pub async fn write_lead(
    tx: &mut PgConnection,
    existing: Option<Uuid>,
    l: &LeadWrite<'_>,
) -> anyhow::Result<Option<Uuid>> {
    match existing {
        Some(id) => {
            update_lead(tx, id, l).await?;
            Ok(Some(id))
        }
        None => insert_lead(tx, l).await,
    }
}

/// Updates a locked lead; a field this call did not learn keeps its value.
pub async fn update_lead(tx: &mut PgConnection, id: Uuid, l: &LeadWrite<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        r#"
        UPDATE leads SET
            contact_name = COALESCE($2, contact_name), email = COALESCE($3, email),
            phone = COALESCE($4, phone), company = COALESCE($5, company), answers = $6,
            priority = $7, urgency_reasons = $8, conversation_id = $9, updated_at = now()
        WHERE id = $1
        "#,
        id,
        l.contact_name,
        l.email,
        l.phone,
        l.company,
        Json(l.answers) as _,
        l.priority.as_str(),
        l.urgency_reasons,
        l.conversation_id,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A call log as stored.
#[derive(Debug, Default)]
pub struct CallLogRow<'a> {
    pub business_id: Uuid,
    pub call_sid: Option<&'a str>,
    pub elevenlabs_conversation_id: &'a str,
    pub conversation_id: Option<Uuid>,
    pub direction: Option<&'a str>,
    pub from_phone: Option<&'a str>,
    pub to_phone: Option<&'a str>,
    pub status: &'a str,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_secs: Option<i32>,
    pub termination_reason: Option<&'a str>,
    pub cost_credits: Option<i64>,
    pub cost_amount: Option<f64>,
    pub cost_currency: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub summary_title: Option<&'a str>,
    pub summary_source: Option<&'a str>,
    pub call_successful: Option<&'a str>,
    pub failure_reason: Option<&'a str>,
    pub failure_details: Option<serde_json::Value>,
    pub client_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
}

impl CallLogRow<'_> {
    /// Twilio's call SID names a call; a call without one (a web or test call) is named by its
    /// conversation.
    pub fn call_key(&self) -> String {
        match self.call_sid {
            Some(sid) => sid.to_owned(),
            None => format!("conversation:{}", self.elevenlabs_conversation_id),
        }
    }
}

pub async fn upsert_call_log(tx: &mut PgConnection, c: &CallLogRow<'_>) -> anyhow::Result<Uuid> {
    let id: Option<Uuid> = sqlx::query_scalar!(
        r#"
        INSERT INTO call_logs (business_id, call_key, call_sid, elevenlabs_conversation_id, conversation_id,
            direction, from_phone, to_phone, status, started_at, ended_at, duration_secs, termination_reason,
            cost_credits, cost_amount, cost_currency, summary, summary_title, summary_source, call_successful,
            failure_reason, failure_details, client_id, lead_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::float8::numeric, $16, $17, $18,
                $19, $20, $21, $22, $23, $24)
        ON CONFLICT (call_key) DO UPDATE SET
            elevenlabs_conversation_id = EXCLUDED.elevenlabs_conversation_id,
            conversation_id = EXCLUDED.conversation_id, direction = EXCLUDED.direction,
            from_phone = EXCLUDED.from_phone, to_phone = EXCLUDED.to_phone, status = EXCLUDED.status,
            started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
            duration_secs = EXCLUDED.duration_secs, termination_reason = EXCLUDED.termination_reason,
            cost_credits = EXCLUDED.cost_credits, cost_amount = EXCLUDED.cost_amount,
            cost_currency = EXCLUDED.cost_currency, summary = EXCLUDED.summary,
            summary_title = EXCLUDED.summary_title, summary_source = EXCLUDED.summary_source,
            call_successful = EXCLUDED.call_successful, failure_reason = EXCLUDED.failure_reason,
            failure_details = EXCLUDED.failure_details, client_id = EXCLUDED.client_id,
            lead_id = EXCLUDED.lead_id, updated_at = now()
        WHERE call_logs.business_id = EXCLUDED.business_id
        RETURNING id
        "#,
        c.business_id,
        c.call_key(),
        c.call_sid,
        c.elevenlabs_conversation_id,
        c.conversation_id,
        c.direction,
        c.from_phone,
        c.to_phone,
        c.status,
        c.started_at,
        c.ended_at,
        c.duration_secs,
        c.termination_reason,
        c.cost_credits,
        c.cost_amount,
        c.cost_currency,
        c.summary,
        c.summary_title,
        c.summary_source,
        c.call_successful,
        c.failure_reason,
        c.failure_details as _,
        c.client_id,
        c.lead_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    id.ok_or_else(|| anyhow::anyhow!("call {} already belongs to another business", c.call_key()))
}

/// A language-model summary already stored for this conversation (a redelivery after the email
/// failed must not pay for it again, nor replace it with a worse one).
pub async fn model_summary(pool: &PgPool, conversation_id: &str) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT summary AS "summary!" FROM call_logs
           WHERE elevenlabs_conversation_id = $1 AND summary_source = 'openai' AND summary IS NOT NULL"#,
        conversation_id,
    )
    .fetch_optional(pool)
    .await?)
}

/// Which of `ids` (ElevenLabs conversation ids) have no call log yet.
pub async fn missing_conversations(
    pool: &PgPool,
    ids: &[String],
) -> anyhow::Result<HashSet<String>> {
    let rows = sqlx::query_scalar!(
        r#"SELECT w.conversation_id AS "conversation_id!" FROM unnest($1::text[]) AS w (conversation_id)
           WHERE NOT EXISTS (SELECT 1 FROM call_logs l WHERE l.elevenlabs_conversation_id = w.conversation_id)"#,
        ids,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The ElevenLabs agent ids that belong to our businesses.
pub async fn known_agent_ids(pool: &PgPool) -> anyhow::Result<HashSet<String>> {
    let rows = sqlx::query_scalar!(
        r#"SELECT elevenlabs_agent_id AS "agent_id!" FROM agent_configs WHERE elevenlabs_agent_id IS NOT NULL"#,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}
