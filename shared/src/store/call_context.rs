//! The initiation webhook's one query: find the business by the number dialled (or, for an outbound
//! call, by our number in `caller_id`; else by the agent id), the caller among its clients, their
//! active projects, the qualification questions, and record the call's start. One round trip; the
//! lookups use `business_phone_numbers_phone_e164_key`, `agent_configs_elevenlabs_agent_id_key`,
//! `client_phone_numbers_pkey` and `projects_client_active_idx` (see the README for the plans).

use sqlx::PgPool;
use sqlx::types::Json;

use crate::domain::{BusinessHours, Timezone, VoiceSettings};
use crate::personalization::{AgentSettings, CallContext, KnownClient, ProjectLine, Question};
use crate::phone::E164;

/// How many active projects go into a prompt (soonest due first).
pub const MAX_PROMPT_PROJECTS: i64 = 10;

pub const CALL_CONTEXT_SQL: &str = r#"
WITH target AS (
    SELECT business_id, outbound FROM (
        SELECT business_id, false AS outbound, 1 AS rank FROM business_phone_numbers WHERE phone_e164 = $1::text
        UNION ALL
        -- Outbound: the caller id is ours. Not when the agent belongs to another business (someone
        -- at business A calling business B's agent is an inbound call to B).
        SELECT n.business_id, true, 2 FROM business_phone_numbers n
        WHERE n.phone_e164 = $2::text
          AND NOT EXISTS (SELECT 1 FROM agent_configs ac WHERE ac.elevenlabs_agent_id = $3::text AND ac.business_id <> n.business_id)
        UNION ALL
        SELECT business_id, false, 3 FROM agent_configs WHERE elevenlabs_agent_id = $3::text
    ) candidates
    ORDER BY rank
    LIMIT 1
),
person AS (
    SELECT t.business_id, t.outbound,
           CASE WHEN t.outbound THEN $1::text ELSE $2::text END AS phone,
           CASE WHEN t.outbound THEN $2::text ELSE $1::text END AS our_phone
    FROM target t
),
client AS (
    SELECT c.id, c.name, c.company
    FROM person p
    JOIN client_phone_numbers cp ON cp.business_id = p.business_id AND cp.phone_e164 = p.phone
    JOIN clients c ON c.id = cp.client_id AND c.business_id = cp.business_id
),
recorded AS (
    INSERT INTO call_starts (conversation_id, call_sid, business_id, client_id, direction, person_phone, business_phone, agent_id)
    SELECT $4::text, $5::text, p.business_id, (SELECT id FROM client),
           CASE WHEN p.outbound THEN 'outbound' ELSE 'inbound' END, p.phone,
           (SELECT phone_e164 FROM business_phone_numbers WHERE phone_e164 = p.our_phone AND business_id = p.business_id), $3::text
    FROM person p
    WHERE $4::text IS NOT NULL
    ON CONFLICT (conversation_id) DO NOTHING
)
SELECT b.name AS business_name, b.timezone, b.business_hours, p.outbound,
       (SELECT count(*) FROM business_transfer_numbers x WHERE x.business_id = b.id) AS transfer_numbers,
       a.voice_id, a.new_caller_voice_id, a.existing_client_voice_id,
       a.stability, a.similarity_boost, a.speed, COALESCE(a.language, 'en') AS language,
       COALESCE(a.persona_prompt, '') AS persona_prompt, COALESCE(a.welcome_message, '') AS welcome_message,
       COALESCE(a.client_welcome_message, '') AS client_welcome_message,
       COALESCE(a.after_hours_message, '') AS after_hours_message,
       COALESCE(a.unverified_caller_access, 'name') AS unverified_caller_access,
       c.name AS client_name, c.company AS client_company,
       -- Projects only where the caller may hear them unverified (`CallerAccess::on_call`):
       -- otherwise the prompt never holds them, and the hot path does not load them.
       CASE WHEN c.id IS NULL OR NOT (p.outbound OR COALESCE(a.unverified_caller_access, 'name') = 'projects') THEN NULL
       ELSE COALESCE((
           SELECT json_agg(json_build_object('name', pr.name, 'status', pr.status,
                                             'provider_status', pr.provider_status, 'due_date', pr.due_date)
                           ORDER BY pr.due_date NULLS LAST, pr.name)
           FROM (SELECT name, status, provider_status, due_date FROM projects
                 WHERE client_id = c.id AND business_id = b.id AND status <> 'done'
                   AND deleted_at IS NULL AND stale_since IS NULL
                 ORDER BY due_date NULLS LAST, name LIMIT $6) pr), '[]') END AS projects,
       CASE WHEN c.id IS NOT NULL THEN NULL ELSE COALESCE((
           SELECT json_agg(json_build_object('question', q.question, 'field_key', q.field_key,
                                             'format', q.expected_format, 'choices', q.choices, 'required', q.required)
                           ORDER BY q.position)
           FROM qualification_questions q WHERE q.business_id = b.id), '[]') END AS questions
FROM person p
JOIN businesses b ON b.id = p.business_id
LEFT JOIN agent_configs a ON a.business_id = b.id
LEFT JOIN client c ON true
"#;

/// What identifies the call.
#[derive(Debug, Clone, Default)]
pub struct CallKeys<'a> {
    pub called: Option<&'a E164>,
    pub caller: Option<&'a E164>,
    pub agent_id: Option<&'a str>,
    pub conversation_id: Option<&'a str>,
    pub call_sid: Option<&'a str>,
}

#[derive(sqlx::FromRow)]
struct Row {
    business_name: String,
    timezone: String,
    business_hours: Json<serde_json::Value>,
    outbound: bool,
    transfer_numbers: i64,
    voice_id: Option<String>,
    new_caller_voice_id: Option<String>,
    existing_client_voice_id: Option<String>,
    stability: Option<f32>,
    similarity_boost: Option<f32>,
    speed: Option<f32>,
    language: String,
    persona_prompt: String,
    welcome_message: String,
    client_welcome_message: String,
    after_hours_message: String,
    unverified_caller_access: String,
    client_name: Option<String>,
    client_company: Option<String>,
    projects: Option<Json<Vec<ProjectLine>>>,
    questions: Option<Json<Vec<Question>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("business data is invalid: {0}")]
    Invalid(String),
}

/// The call's context, or `None` when no business matches.
pub async fn load_call_context(
    pool: &PgPool,
    keys: &CallKeys<'_>,
) -> Result<Option<CallContext>, LookupError> {
    let row: Option<Row> = sqlx::query_as(CALL_CONTEXT_SQL)
        .bind(keys.called.map(E164::as_str))
        .bind(keys.caller.map(E164::as_str))
        .bind(keys.agent_id)
        .bind(keys.conversation_id)
        .bind(keys.call_sid)
        .bind(MAX_PROMPT_PROJECTS)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let timezone = Timezone::try_from(row.timezone).map_err(LookupError::Invalid)?;
    let hours = BusinessHours::from_stored(row.business_hours.0);
    let client = row.client_name.map(|name| KnownClient {
        name,
        company: row.client_company,
        projects: row.projects.map(|p| p.0).unwrap_or_default(),
    });
    let questions = row.questions.map(|q| q.0).unwrap_or_default();
    Ok(Some(CallContext {
        business_name: row.business_name,
        timezone: timezone.0,
        hours,
        transfer_numbers: row.transfer_numbers as usize,
        agent: AgentSettings {
            voice_id: row.voice_id,
            new_caller_voice_id: row.new_caller_voice_id,
            existing_client_voice_id: row.existing_client_voice_id,
            voice: VoiceSettings::stored(row.stability, row.similarity_boost, row.speed),
            language: row.language,
            persona_prompt: row.persona_prompt,
            welcome_message: row.welcome_message,
            client_welcome_message: row.client_welcome_message,
            after_hours_message: row.after_hours_message,
            unverified_caller_access: row
                .unverified_caller_access
                .parse()
                .map_err(LookupError::Invalid)?,
        },
        client,
        questions,
        outbound: row.outbound,
    }))
}
