//! The mid-call tools' queries. A call is identified only by what ElevenLabs itself passes
//! (`system__conversation_id`, `system__called_number`, `system__caller_id`): first the call start
//! the initiation webhook recorded, else the numbers. The caller is a client only within that
//! business, so one tenant's caller can never reach another tenant's records.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::answers::Answer;
use crate::domain::business_hours::HoursStatus;
use crate::domain::catalog::CallerAccess;
use crate::domain::lead::LeadColumns;
use crate::domain::spoken::AnswerContext;
use crate::domain::urgency::Urgency;
use crate::domain::{BusinessHours, Priority, ProjectStatus, Timezone};
use crate::phone::E164;
use crate::post_call::store::LeadWrite;
use crate::post_call::store::{self as post_call_store, QuestionSpec};

/// Who is on the call, as far as our records say.
#[derive(Debug, Clone)]
pub struct CallIdentity {
    pub business_id: Uuid,
    pub business_name: String,
    pub timezone: String,
    pub default_region: String,
    pub business_hours: Json<serde_json::Value>,
    pub notification_emails: Vec<String>,
    pub notification_phone: Option<String>,
    pub transfer_numbers: i64,
    pub client_id: Option<Uuid>,
    pub client_name: Option<String>,
    /// The caller (or, on an outbound call, the person called).
    pub person_phone: Option<String>,
    /// The business's number on this call.
    pub business_phone: Option<String>,
    pub outbound: bool,
    pub started_at: Option<DateTime<Utc>>,
    /// What the business lets a caller recognised by caller ID alone hear (`CallerAccess`).
    pub caller_access: String,
    /// The agent's language: number words in callers' answers are read in it too.
    pub language: String,
    /// Where a verification code can go besides the client's number.
    pub client_email: Option<String>,
    /// The client's PIN (argon2), when they set one.
    pub client_pin_hash: Option<String>,
    /// `verify_caller` verified this client on this call (`caller_verification_events`).
    pub verified: bool,
}

impl CallIdentity {
    /// What this caller hears before verifying (`CallerAccess::on_call`).
    pub fn access(&self) -> CallerAccess {
        let configured: CallerAccess = self.caller_access.parse().unwrap_or_default();
        configured.on_call(self.outbound)
    }

    /// How callers' answers on this call are read (`domain::spoken`): the business's region, today
    /// in its time zone, the agent's language.
    pub fn answer_context(&self, now: DateTime<Utc>) -> AnswerContext<'_> {
        let today = now.with_timezone(&self.zone()).date_naive();
        AnswerContext::new(&self.default_region, today, &self.language)
    }

    /// The business's time zone; one that no longer parses reads as UTC.
    fn zone(&self) -> chrono_tz::Tz {
        Timezone::try_from(self.timezone.clone())
            .map(|t| t.0)
            .unwrap_or(chrono_tz::UTC)
    }

    /// Open or closed now, in the business's time zone. Hours that no longer parse count as
    /// closed (`BusinessHours::from_stored`); a zone that no longer parses reads them in UTC.
    pub fn hours_at(&self, now: DateTime<Utc>) -> (HoursStatus, chrono_tz::Tz) {
        let tz = self.zone();
        let hours = BusinessHours::from_stored(self.business_hours.0.clone());
        (hours.status_at(now, tz), tz)
    }

    /// A person can take a live transfer now.
    pub fn transfer_available(&self, now: DateTime<Utc>) -> bool {
        self.transfer_numbers > 0 && self.hours_at(now).0.open
    }
}

pub async fn identify(
    pool: &PgPool,
    conversation_id: &str,
    called: Option<&E164>,
    caller: Option<&E164>,
) -> anyhow::Result<Option<CallIdentity>> {
    Ok(sqlx::query_as!(
        CallIdentity,
        r#"
WITH chosen AS (
    SELECT * FROM (
        SELECT business_id, client_id, person_phone, business_phone, direction = 'outbound' AS outbound,
               started_at, 0 AS rank
        FROM call_starts WHERE conversation_id = $1::text
        UNION ALL
        SELECT business_id, NULL::uuid, $3::text, phone_e164, false, NULL::timestamptz, 1
        FROM business_phone_numbers WHERE phone_e164 = $2::text
        UNION ALL
        SELECT business_id, NULL::uuid, $2::text, phone_e164, true, NULL::timestamptz, 2
        FROM business_phone_numbers WHERE phone_e164 = $3::text
    ) candidates
    ORDER BY rank
    LIMIT 1
)
SELECT c.business_id AS "business_id!", b.name AS business_name, b.timezone, b.default_region,
       b.business_hours AS "business_hours: Json<serde_json::Value>",
       b.notification_emails, b.notification_phone,
       (SELECT count(*) FROM business_transfer_numbers t WHERE t.business_id = c.business_id) AS "transfer_numbers!",
       cl.id AS "client_id?", cl.name AS "client_name?", c.person_phone, c.business_phone,
       c.outbound AS "outbound!", c.started_at,
       COALESCE((SELECT a.unverified_caller_access FROM agent_configs a
                 WHERE a.business_id = c.business_id), 'name') AS "caller_access!",
       COALESCE((SELECT a.language FROM agent_configs a
                 WHERE a.business_id = c.business_id), 'en') AS "language!",
       cl.email AS "client_email?", cl.pin_hash AS "client_pin_hash?",
       EXISTS (SELECT 1 FROM caller_verification_events e
               WHERE e.conversation_id = $1::text AND e.kind = 'verified'
                 AND e.client_id = cl.id) AS "verified!"
FROM chosen c
JOIN businesses b ON b.id = c.business_id
LEFT JOIN client_phone_numbers cp ON cp.business_id = c.business_id AND cp.phone_e164 = c.person_phone
LEFT JOIN clients cl ON cl.business_id = c.business_id AND cl.id = COALESCE(c.client_id, cp.client_id)"#,
        conversation_id,
        called.map(E164::as_str),
        caller.map(E164::as_str),
    )
    .fetch_optional(pool)
    .await?)
}

/// A project as told to its client, with its open tasks.
#[derive(Debug, Clone)]
pub struct ClientProject {
    pub name: String,
    pub status: String,
    pub provider_status: String,
    pub due_date: Option<NaiveDate>,
    pub open_tasks: Json<Vec<OpenTask>>,
    pub open_task_count: i64,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct OpenTask {
    pub name: String,
    pub status: ProjectStatus,
    pub due_date: Option<NaiveDate>,
}

/// Projects told per call, and open tasks per project.
pub const MAX_SPOKEN_PROJECTS: i64 = 5;
pub const MAX_SPOKEN_TASKS: i64 = 3;

/// The client's projects, most relevant first: active before done, overdue and soonest due first,
/// then the most recently updated; each with its soonest open tasks.
pub async fn client_projects(
    pool: &PgPool,
    business_id: Uuid,
    client_id: Uuid,
) -> anyhow::Result<Vec<ClientProject>> {
    Ok(sqlx::query_as!(
        ClientProject,
        r#"
        SELECT p.name, p.status, p.provider_status, p.due_date,
               COALESCE((
                   SELECT json_agg(json_build_object('name', t.name, 'status', t.status, 'due_date', t.due_date)
                                   ORDER BY t.due_date NULLS LAST, t.name)
                   FROM (SELECT name, status, due_date FROM tasks
                         WHERE project_id = p.id AND business_id = p.business_id AND status <> 'done'
                           AND deleted_at IS NULL AND stale_since IS NULL
                         ORDER BY due_date NULLS LAST, name LIMIT $3) t
               ), '[]'::json) AS "open_tasks!: Json<Vec<OpenTask>>",
               (SELECT count(*) FROM tasks t
                WHERE t.project_id = p.id AND t.business_id = p.business_id AND t.status <> 'done'
                  AND t.deleted_at IS NULL AND t.stale_since IS NULL) AS "open_task_count!"
        FROM projects p
        WHERE p.business_id = $1 AND p.client_id = $2 AND p.deleted_at IS NULL AND p.stale_since IS NULL
        ORDER BY p.status = 'done', p.due_date NULLS LAST, p.provider_updated_at DESC NULLS LAST, p.name
        LIMIT $4
        "#,
        business_id,
        client_id,
        MAX_SPOKEN_TASKS,
        MAX_SPOKEN_PROJECTS,
    )
    .fetch_all(pool)
    .await?)
}

/// The conversation row a live call's records link to, created before the post-call webhook
/// fills it (which then overwrites every field).
async fn ensure_conversation(
    tx: &mut PgConnection,
    call: &CallIdentity,
    conversation_id: &str,
) -> anyhow::Result<Uuid> {
    let direction = if call.outbound { "outbound" } else { "inbound" };
    let id = sqlx::query_scalar!(
        r#"
        INSERT INTO conversations (business_id, elevenlabs_conversation_id, status, direction,
                                   caller_phone, business_phone, client_id, started_at)
        VALUES ($1, $2, 'in-progress', $3, $4, $5, $6, COALESCE($7, now()))
        ON CONFLICT (elevenlabs_conversation_id) DO UPDATE SET updated_at = conversations.updated_at
        WHERE conversations.business_id = EXCLUDED.business_id
        RETURNING id
        "#,
        call.business_id,
        conversation_id,
        direction,
        call.person_phone.as_deref(),
        call.business_phone.as_deref(),
        call.client_id,
        call.started_at,
    )
    .fetch_optional(&mut *tx)
    .await?;
    id.ok_or_else(|| anyhow::anyhow!("conversation {conversation_id} belongs to another business"))
}

/// What a live call adds to its caller's open lead.
pub struct LiveLead<'a> {
    /// Answers recorded live; each replaces the lead's answer to the same question.
    pub answers: &'a BTreeMap<String, Answer>,
    pub priority: Priority,
    pub reasons: &'a [String],
}

/// The caller's open lead after a live write.
pub struct RecordedLead {
    pub id: Uuid,
    pub contact_name: Option<String>,
}

/// Creates or updates the caller's open lead with what the call has said so far, so an abandoned
/// call still leaves a lead. Priority only ever rises.
pub async fn record_live_lead(
    pool: &PgPool,
    call: &CallIdentity,
    conversation_id: &str,
    questions: &[QuestionSpec],
    live: &LiveLead<'_>,
) -> anyhow::Result<RecordedLead> {
    let mut tx = pool.begin().await?;
    let conversation = ensure_conversation(&mut tx, call, conversation_id).await?;
    let caller_phone = call.person_phone.as_deref();
    for _ in 0..2 {
        let existing =
            post_call_store::lock_open_lead(&mut tx, call.business_id, caller_phone, conversation)
                .await?;
        let mut answers = existing
            .as_ref()
            .map(|l| l.answers.0.clone())
            .unwrap_or_default();
        answers.extend(live.answers.iter().map(|(k, a)| (k.clone(), a.clone())));
        let mut urgency = Urgency::default();
        if let Some(lead) = &existing {
            urgency.priority = lead.priority.parse().unwrap_or_default();
            urgency.reasons = lead.urgency_reasons.clone();
        }
        for reason in live.reasons {
            urgency.raise(live.priority, reason.clone());
        }
        if live.reasons.is_empty() && live.priority > urgency.priority {
            urgency.priority = live.priority;
        }
        let columns = LeadColumns::from_answers(questions, &answers);
        let write = LeadWrite::new(
            &columns,
            call.business_id,
            caller_phone,
            &answers,
            &urgency,
            conversation,
        );
        let written =
            post_call_store::write_lead(&mut tx, existing.as_ref().map(|l| l.id), &write).await?;
        if let Some(id) = written {
            let withdrawn = LeadColumns::withdrawn(questions, &answers);
            sqlx::query!(
                "UPDATE leads SET
                     contact_name = CASE WHEN contact_name = $2 THEN NULL ELSE contact_name END,
                     email = CASE WHEN email = $3 THEN NULL ELSE email END,
                     phone = CASE WHEN phone = $4 AND phone IS DISTINCT FROM caller_phone
                                  THEN NULL ELSE phone END,
                     company = CASE WHEN company = $5 THEN NULL ELSE company END
                 WHERE id = $1",
                id,
                withdrawn.contact_name,
                withdrawn.email,
                withdrawn.phone,
                withdrawn.company,
            )
            .execute(&mut *tx)
            .await?;
            if let Some(client_id) = call.client_id {
                sqlx::query!(
                    "UPDATE leads SET client_id = $2 WHERE id = $1",
                    id,
                    client_id
                )
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            return Ok(RecordedLead {
                id,
                contact_name: columns.contact_name,
            });
        }
        // Another writer created the open lead meanwhile: lock and update that one.
    }
    anyhow::bail!("could not create or find the open lead for conversation {conversation_id}")
}

/// A message taken for the team.
pub struct NewMessage<'a> {
    pub conversation_id: &'a str,
    pub caller_name: Option<&'a str>,
    pub callback_phone: Option<&'a str>,
    pub callback_raw: Option<&'a str>,
    pub message: &'a str,
    pub preferred_time: Option<&'a str>,
}

/// Messages one call may leave: a caller (or a looping agent) cannot fill the team's inbox.
pub const MAX_MESSAGES_PER_CALL: i64 = 5;

/// Keeps a message once per call and text: `Some(id)` (new, or the same text again), `None` when
/// the call already left `MAX_MESSAGES_PER_CALL` others.
pub async fn record_message(
    pool: &PgPool,
    call: &CallIdentity,
    m: &NewMessage<'_>,
) -> anyhow::Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"
        INSERT INTO call_messages (business_id, elevenlabs_conversation_id, client_id, caller_phone,
                                   caller_name, callback_phone, callback_raw, message, preferred_time)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
        WHERE EXISTS (SELECT 1 FROM call_messages
                      WHERE elevenlabs_conversation_id = $2 AND md5(message) = md5($8))
           OR (SELECT count(*) FROM call_messages
               WHERE business_id = $1 AND elevenlabs_conversation_id = $2) < $10
        ON CONFLICT (elevenlabs_conversation_id, md5(message)) DO UPDATE SET updated_at = now()
        RETURNING id
        "#,
        call.business_id,
        m.conversation_id,
        call.client_id,
        call.person_phone.as_deref(),
        m.caller_name,
        m.callback_phone,
        m.callback_raw,
        m.message,
        m.preferred_time,
        MAX_MESSAGES_PER_CALL,
    )
    .fetch_optional(pool)
    .await?)
}
