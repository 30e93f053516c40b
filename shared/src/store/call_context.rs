//! The initiation webhook's one query: find the business by the number dialled (or, for an outbound
//! call, by our number in `caller_id`; else by the agent id), the caller among its clients, their
//! active projects, and record the call's start. One round trip; the lookups use
//! `business_phone_numbers_phone_e164_key`, `agent_configs_elevenlabs_agent_id_key`,
//! `client_phone_numbers_pkey` and `projects_client_active_idx` (see the README for the plans).
//!
//! The business's configuration (name, hours, agent settings, transfer numbers, questions) is kept
//! per container in a [`ConfigCache`]: the statement returns the business's `config_version`, and
//! [`BUSINESS_CONFIG_SQL`] reads the configuration only when the cache has none or an older one.
//! Every write to what is cached bumps that version in the database (migration
//! `business_config_version`), so a change reaches the next call, in every container, without
//! expiry times. Routing (number or agent id to business) is never cached.
//!
//! The call-start row is committed asynchronously (`synchronous_commit = off` for this statement's
//! transaction only): see the README's "Call starts" for what a database crash can lose and how
//! tools and the post-call pipeline then find the call by its numbers.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use hashlink::LruCache;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use crate::domain::{BusinessHours, Timezone, VoiceSettings};
use crate::personalization::{
    AgentSettings, BusinessConfig, CallContext, KnownClient, ProjectLine, Question,
};
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
    SELECT c.id, c.name, c.company, c.welcome_message
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
),
business AS (
    SELECT b.id, b.config_version, p.outbound,
           COALESCE((SELECT unverified_caller_access FROM agent_configs WHERE business_id = b.id), 'name') AS access
    FROM person p JOIN businesses b ON b.id = p.business_id
)
SELECT b.id AS business_id, b.config_version, b.outbound, b.access,
       -- The call start is the only write: its commit need not wait for the disk (module docs).
       set_config('synchronous_commit', 'off', true) AS commit_mode,
       c.name AS client_name, c.company AS client_company, c.welcome_message AS client_greeting,
       -- Projects only where the caller may hear them unverified (`CallerAccess::on_call`):
       -- otherwise the prompt never holds them, and the hot path does not load them.
       CASE WHEN c.id IS NULL OR NOT (b.outbound OR b.access = 'projects') THEN NULL
       ELSE COALESCE((
           SELECT json_agg(json_build_object('name', pr.name, 'status', pr.status,
                                             'provider_status', pr.provider_status, 'due_date', pr.due_date)
                           ORDER BY pr.due_date NULLS LAST, pr.name)
           FROM (SELECT name, status, provider_status, due_date FROM projects
                 WHERE client_id = c.id AND business_id = b.id AND status <> 'done'
                   AND deleted_at IS NULL AND stale_since IS NULL
                 ORDER BY due_date NULLS LAST, name LIMIT $6) pr), '[]') END AS projects
FROM business b
LEFT JOIN client c ON true
"#;

/// A business's configuration as the cache holds it, read only when the cache has none or an older
/// version than the call statement saw (its tables stay out of the per-call statement: fewer
/// relations to lock and plan on every call).
pub const BUSINESS_CONFIG_SQL: &str = r#"
SELECT b.config_version, b.name AS business_name, b.timezone, b.business_hours,
       (SELECT count(*) FROM business_transfer_numbers x WHERE x.business_id = b.id) AS transfer_numbers,
       a.voice_id, a.new_caller_voice_id, a.existing_client_voice_id,
       a.stability, a.similarity_boost, a.speed, COALESCE(a.language, 'en') AS language,
       COALESCE(a.persona_prompt, '') AS persona_prompt, COALESCE(a.welcome_message, '') AS welcome_message,
       COALESCE(a.client_welcome_message, '') AS client_welcome_message,
       COALESCE(a.after_hours_message, '') AS after_hours_message,
       COALESCE(a.client_after_hours_message, '') AS client_after_hours_message,
       COALESCE(a.holiday_message, '') AS holiday_message,
       COALESCE(a.client_holiday_message, '') AS client_holiday_message,
       COALESCE(a.unverified_caller_access, 'name') AS unverified_caller_access,
       COALESCE(a.faq, '') AS faq,
       COALESCE((
           SELECT json_agg(json_build_object('question', q.question, 'field_key', q.field_key,
                                             'format', q.expected_format, 'choices', q.choices, 'required', q.required)
                           ORDER BY q.position)
           FROM qualification_questions q WHERE q.business_id = b.id), '[]') AS questions
FROM businesses b
LEFT JOIN agent_configs a ON a.business_id = b.id
WHERE b.id = $1
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
struct CallRow {
    business_id: Uuid,
    config_version: i64,
    outbound: bool,
    /// What an unverified caller may hear, as the projects were loaded (`agent_configs`).
    access: String,
    client_name: Option<String>,
    client_company: Option<String>,
    client_greeting: Option<String>,
    projects: Option<Json<Vec<ProjectLine>>>,
}

#[derive(sqlx::FromRow)]
struct ConfigRow {
    config_version: i64,
    business_name: String,
    timezone: String,
    business_hours: Json<serde_json::Value>,
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
    client_after_hours_message: String,
    holiday_message: String,
    client_holiday_message: String,
    unverified_caller_access: String,
    faq: String,
    questions: Json<Vec<Question>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("business data is invalid: {0}")]
    Invalid(String),
}

impl LookupError {
    /// The database, not the statement, failed (a connection lost in a restart: an I/O error, or
    /// the server's own "terminating connection" 57P01 on a connection that was idle): another
    /// connection may well succeed.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Self::Database(e) if crate::error::database_unavailable(e))
    }
}

/// Business configurations a container has seen, by business id, with the version they were read
/// at. Bounded: the least recently used entry goes first.
pub struct ConfigCache {
    entries: Mutex<LruCache<Uuid, Cached>>,
}

#[derive(Clone)]
struct Cached {
    version: i64,
    config: Arc<BusinessConfig>,
}

/// An entry is a few KiB (the bench's: about 2 KiB); the largest the admin API allows (a
/// 20,000-character persona prompt, the questions) is about 100 KiB, so 1,024 entries stay under
/// ~100 MiB at worst, within the function's memory (template.yaml).
pub const CONFIG_CACHE_ENTRIES: usize = 1_024;

impl Default for ConfigCache {
    fn default() -> Self {
        Self::with_capacity(NonZeroUsize::new(CONFIG_CACHE_ENTRIES).expect("non-zero"))
    }
}

impl ConfigCache {
    pub fn with_capacity(entries: NonZeroUsize) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(entries.get())),
        }
    }

    fn get(&self, business_id: Uuid) -> Option<Cached> {
        self.lock().get(&business_id).cloned()
    }

    /// Keeps the newer of two copies (two calls may reload one business at once).
    fn put(&self, business_id: Uuid, entry: Cached) {
        let mut entries = self.lock();
        if entries
            .peek(&business_id)
            .is_none_or(|held| held.version < entry.version)
        {
            entries.insert(business_id, entry);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Uuid, Cached>> {
        // A panic while holding the lock leaves a consistent map (every operation is one call).
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The call's context, or `None` when no business matches. One round trip when the container has
/// the business's current configuration; two when it must (re)read it.
pub async fn load_call_context(
    pool: &PgPool,
    cache: &ConfigCache,
    keys: &CallKeys<'_>,
) -> Result<Option<CallContext>, LookupError> {
    let row: Option<CallRow> = sqlx::query_as(CALL_CONTEXT_SQL)
        .bind(keys.called.map(E164::as_str))
        .bind(keys.caller.map(E164::as_str))
        .bind(keys.agent_id)
        .bind(keys.conversation_id)
        .bind(keys.call_sid)
        .bind(MAX_PROMPT_PROJECTS)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let config = match cache.get(row.business_id) {
        // A newer version than the call saw is fine too (read by a concurrent call).
        Some(entry) if entry.version >= row.config_version => entry.config,
        _ => {
            let Some((version, config)) = load_business_config(pool, row.business_id).await? else {
                // Deleted since the call statement read it.
                return Ok(None);
            };
            let config = Arc::new(config);
            cache.put(
                row.business_id,
                Cached {
                    version,
                    config: Arc::clone(&config),
                },
            );
            config
        }
    };
    // The projects were loaded (or not) by the access setting the call statement saw; a cached
    // copy read a moment later may hold another one. The call follows what was loaded.
    let access = row.access.parse().map_err(LookupError::Invalid)?;
    let config = if config.agent.unverified_caller_access == access {
        config
    } else {
        let mut own = (*config).clone();
        own.agent.unverified_caller_access = access;
        Arc::new(own)
    };
    let client = row.client_name.map(|name| KnownClient {
        name,
        company: row.client_company,
        greeting: row.client_greeting.unwrap_or_default(),
        projects: row.projects.map(|p| p.0).unwrap_or_default(),
    });
    Ok(Some(CallContext {
        business: config,
        client,
        outbound: row.outbound,
    }))
}

/// The business's configuration and the version it was read at (also the agent-config preview's
/// starting point).
pub async fn load_business_config(
    pool: &PgPool,
    business_id: Uuid,
) -> Result<Option<(i64, BusinessConfig)>, LookupError> {
    let row: Option<ConfigRow> = sqlx::query_as(BUSINESS_CONFIG_SQL)
        .bind(business_id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let timezone = Timezone::try_from(row.timezone).map_err(LookupError::Invalid)?;
    let config = BusinessConfig {
        business_name: row.business_name,
        timezone: timezone.0,
        hours: BusinessHours::from_stored(row.business_hours.0),
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
            client_after_hours_message: row.client_after_hours_message,
            holiday_message: row.holiday_message,
            client_holiday_message: row.client_holiday_message,
            unverified_caller_access: row
                .unverified_caller_access
                .parse()
                .map_err(LookupError::Invalid)?,
            faq: row.faq,
        },
        questions: row.questions.0,
    };
    Ok(Some((row.config_version, config)))
}

/// How long a call start is kept: the queues' longest message retention (14 days, template.yaml),
/// after which no post-call event or redrive can still need it.
pub const CALL_START_RETENTION: std::time::Duration =
    std::time::Duration::from_secs(14 * 24 * 3600);
/// Rows deleted per statement, so a backlog never holds locks or bloats WAL in one go.
const PRUNE_BATCH: i64 = 10_000;

/// Deletes call starts older than `before`, in batches, up to `max_batches`; returns the count.
pub async fn prune_call_starts(
    pool: &PgPool,
    before: chrono::DateTime<chrono::Utc>,
    max_batches: usize,
) -> Result<u64, sqlx::Error> {
    let mut pruned = 0;
    for _ in 0..max_batches {
        let deleted = sqlx::query!(
            "DELETE FROM call_starts WHERE ctid = ANY (ARRAY(
                 SELECT ctid FROM call_starts WHERE started_at < $1 LIMIT $2))",
            before,
            PRUNE_BATCH
        )
        .execute(pool)
        .await?
        .rows_affected();
        pruned += deleted;
        if deleted < PRUNE_BATCH as u64 {
            break;
        }
    }
    Ok(pruned)
}

/// A client of the business to preview a known caller's start with: the first by name, with the
/// active projects the call statement would read for them.
pub async fn sample_client(
    pool: &PgPool,
    business_id: Uuid,
) -> Result<Option<KnownClient>, sqlx::Error> {
    let Some(client) = sqlx::query!(
        "SELECT id, name, company, welcome_message FROM clients WHERE business_id = $1 ORDER BY name, id LIMIT 1",
        business_id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let projects = sqlx::query!(
        r#"SELECT name, status, provider_status, due_date FROM projects
           WHERE client_id = $1 AND business_id = $2 AND status <> 'done'
             AND deleted_at IS NULL AND stale_since IS NULL
           ORDER BY due_date NULLS LAST, name LIMIT 10"#,
        client.id,
        business_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .filter_map(|p| {
        Some(ProjectLine {
            name: p.name,
            status: p.status.parse().ok()?,
            provider_status: p.provider_status,
            due_date: p.due_date,
        })
    })
    .collect();
    Ok(Some(KnownClient {
        name: client.name,
        company: client.company,
        greeting: client.welcome_message,
        projects,
    }))
}
