//! A business at a glance, for its dashboard: today and the last 7 days in its own time zone
//! (calls answered, missed or failed, after hours, average duration, new leads, cost), the urgent
//! leads nobody has picked up, its agent's sync state and its integrations' health. One query per
//! figure group.

use chrono::{DateTime, Days, TimeZone, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::BusinessId;
use crate::domain::business_hours::Timezone;
use crate::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    /// The business's IANA time zone: "today" starts at its midnight.
    pub timezone: String,
    pub today: Period,
    /// Today and the 6 days before it.
    pub last_7_days: Period,
    /// Leads marked urgent and still `new` (nobody has contacted them), whenever they came in.
    pub urgent_leads_waiting: i64,
    pub agent: AgentSync,
    pub integrations: Vec<IntegrationHealth>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Period {
    /// When the period starts (the business's midnight, in UTC).
    pub from: DateTime<Utc>,
    /// Calls that connected (`completed`).
    pub calls_answered: i64,
    /// Calls that failed, were busy or went unanswered.
    pub calls_missed_or_failed: i64,
    /// Calls that came in while the office was closed (as the agent was told at the start).
    pub after_hours_calls: i64,
    /// Over the answered calls with a duration.
    pub average_duration_secs: Option<f64>,
    pub new_leads: i64,
    /// ElevenLabs credits the calls used.
    pub cost_credits: i64,
    /// The calls' cost in money, one entry per currency.
    pub costs: Vec<MoneySpent>,
}

// Not `Cost`: OpenAPI schema names are one namespace, and a call's `calls::Cost` has that one.
/// What the calls cost in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneySpent {
    /// A decimal amount, as stored (e.g. `"1.234500"`).
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentSync {
    /// `not_synced` (no ElevenLabs agent yet, or never synced), `in_sync`, or `out_of_date` (the
    /// agent configuration or the business changed after the last sync).
    #[schema(example = "in_sync")]
    pub state: &'static str,
    pub elevenlabs_agent_id: Option<String>,
    pub synced_at: Option<DateTime<Utc>>,
    /// The latest change of the agent configuration or the business profile.
    pub changed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationHealth {
    #[schema(example = "jira")]
    pub provider: String,
    /// `connected`, `syncing`, `error` or `needs_reconsent`.
    pub status: String,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub connected_at: DateTime<Utc>,
}

/// The overview at `now`; 404 when there is no such business.
pub async fn load(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    now: DateTime<Utc>,
) -> Result<Overview, ApiError> {
    let id = business_id.get();
    let agent = sqlx::query!(
        r#"SELECT b.timezone, a.elevenlabs_agent_id AS "agent_id?", a.agent_synced_at AS "synced_at?",
                  GREATEST(a.updated_at, b.updated_at) AS changed_at
           FROM businesses b LEFT JOIN agent_configs a ON a.business_id = b.id
           WHERE b.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such business"))?;
    let zone = Timezone::try_from(agent.timezone.clone())
        .map_err(super::corrupt)?
        .0;
    let midnight = now.with_timezone(&zone).date_naive();
    let start_of = |day: chrono::NaiveDate| {
        zone.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now)
    };
    let today = start_of(midnight);
    let week = start_of(midnight.checked_sub_days(Days::new(6)).unwrap_or(midnight));

    // Calls: by when they started (when they were logged, for a call with no start), found
    // through the (business, created_at) index: a call is logged within a day of its start.
    let calls = sqlx::query!(
        r#"WITH c AS (
               SELECT COALESCE(cl.started_at, cl.created_at) AS at, cl.status, cl.duration_secs,
                      cl.cost_credits,
                      COALESCE(cv.initiation_data -> 'dynamic_variables' ->> 'office_status' = 'closed', false) AS after_hours
               FROM call_logs cl
               LEFT JOIN conversations cv ON cv.id = cl.conversation_id AND cv.business_id = cl.business_id
               WHERE cl.business_id = $1 AND cl.created_at >= $3::timestamptz - interval '1 day'
           )
           SELECT count(*) FILTER (WHERE at >= $2 AND status = 'completed') AS "today_answered!",
                  count(*) FILTER (WHERE at >= $2 AND status IN ('failed', 'busy', 'no-answer')) AS "today_missed!",
                  count(*) FILTER (WHERE at >= $2 AND after_hours) AS "today_after_hours!",
                  avg(duration_secs) FILTER (WHERE at >= $2 AND status = 'completed')::float8 AS today_duration,
                  COALESCE(sum(cost_credits) FILTER (WHERE at >= $2), 0)::int8 AS "today_credits!",
                  count(*) FILTER (WHERE status = 'completed') AS "week_answered!",
                  count(*) FILTER (WHERE status IN ('failed', 'busy', 'no-answer')) AS "week_missed!",
                  count(*) FILTER (WHERE after_hours) AS "week_after_hours!",
                  avg(duration_secs) FILTER (WHERE status = 'completed')::float8 AS week_duration,
                  COALESCE(sum(cost_credits), 0)::int8 AS "week_credits!"
           FROM c WHERE at >= $3"#,
        id,
        today,
        week
    )
    .fetch_one(pool)
    .await?;
    let costs = sqlx::query!(
        r#"SELECT cost_currency AS "currency!",
                  (sum(cost_amount) FILTER (WHERE COALESCE(started_at, created_at) >= $2))::text AS today,
                  sum(cost_amount)::text AS "week!"
           FROM call_logs
           WHERE business_id = $1 AND created_at >= $3::timestamptz - interval '1 day'
             AND COALESCE(started_at, created_at) >= $3
             AND cost_currency IS NOT NULL AND cost_amount IS NOT NULL
           GROUP BY cost_currency ORDER BY cost_currency"#,
        id,
        today,
        week
    )
    .fetch_all(pool)
    .await?;
    let leads = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE created_at >= $2) AS "today!",
                  count(*) FILTER (WHERE created_at >= $3) AS "week!",
                  count(*) FILTER (WHERE priority = 'urgent' AND status = 'new') AS "urgent_waiting!"
           FROM leads WHERE business_id = $1"#,
        id,
        today,
        week
    )
    .fetch_one(pool)
    .await?;
    let integrations = sqlx::query_as!(
        IntegrationHealth,
        "SELECT provider, status, last_synced_at, last_error, connected_at
         FROM integrations WHERE business_id = $1 ORDER BY provider",
        id
    )
    .fetch_all(pool)
    .await?;

    let state = match (&agent.agent_id, agent.synced_at, agent.changed_at) {
        (Some(_), Some(synced), Some(changed)) if synced >= changed => "in_sync",
        (Some(_), Some(_), _) => "out_of_date",
        _ => "not_synced",
    };
    Ok(Overview {
        timezone: agent.timezone,
        today: Period {
            from: today,
            calls_answered: calls.today_answered,
            calls_missed_or_failed: calls.today_missed,
            after_hours_calls: calls.today_after_hours,
            average_duration_secs: calls.today_duration,
            new_leads: leads.today,
            cost_credits: calls.today_credits,
            costs: costs
                .iter()
                .filter_map(|c| {
                    c.today.clone().map(|amount| MoneySpent {
                        amount,
                        currency: c.currency.clone(),
                    })
                })
                .collect(),
        },
        last_7_days: Period {
            from: week,
            calls_answered: calls.week_answered,
            calls_missed_or_failed: calls.week_missed,
            after_hours_calls: calls.week_after_hours,
            average_duration_secs: calls.week_duration,
            new_leads: leads.week,
            cost_credits: calls.week_credits,
            costs: costs
                .into_iter()
                .map(|c| MoneySpent {
                    amount: c.week,
                    currency: c.currency,
                })
                .collect(),
        },
        urgent_leads_waiting: leads.urgent_waiting,
        agent: AgentSync {
            state,
            elevenlabs_agent_id: agent.agent_id,
            synced_at: agent.synced_at,
            changed_at: agent.changed_at,
        },
        integrations,
    })
}
