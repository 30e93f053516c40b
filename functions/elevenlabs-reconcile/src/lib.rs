//! The post-call safety net, run on a schedule (template.yaml `ElevenLabsReconcileFunction`) and on
//! demand locally (`POST /_local/schedules/ElevenLabsReconcileFunction`). It lists recent
//! conversations from ElevenLabs (`GET /v1/convai/conversations`), keeps the finished ones of our
//! agents that have no call log, fetches each (`GET /v1/convai/conversations/{id}`) and queues it
//! exactly as the webhook would have, under the same idempotency key, so a late webhook and the
//! reconciliation never both queue a call. It reads the whole lookback window (a window it could
//! not read to the end is a warning and the `ReconcileWindowTruncated` metric), and a call whose
//! job was exhausted in the dead-letter queue is queued again once it is `STUCK_AFTER` old, at
//! most once per `REQUEUE_EVERY`, so fixing the cause is enough for it to be processed. It also
//! prunes call starts older than their retention.

use std::time::Duration;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde_json::{Value, json};
use shared::elevenlabs::webhook::EventType;
use shared::idempotency::{Once, OnceError};
use shared::post_call::intake::Accepted;
use shared::post_call::store;
use shared::store::call_context;

mod config;

pub use config::{SECRETS, State};

pub const DEFAULT_LOOKBACK: Duration = Duration::from_secs(24 * 3600);
/// A bound against a listing that never ends: 100,000 conversations a lookback window. Reaching it
/// is reported (log and metric), never silent.
pub const MAX_PAGES: usize = 1_000;
/// A finished call still without a call log this long after it ended had its job exhausted (five
/// receives of twelve minutes, then the dead-letter queue) or lost.
pub const STUCK_AFTER: Duration = Duration::from_secs(3 * 3600);
/// What pruning call starts may take of a run, before the reconciliation itself.
pub const PRUNE_BUDGET: Duration = Duration::from_secs(30);
/// A stuck call is queued again at most this often: while its cause is not fixed, each copy ends
/// in the dead-letter queue too.
pub const REQUEUE_EVERY: Duration = Duration::from_secs(6 * 3600);

/// What a run did; also the function's result, visible in the invocation log.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub listed: usize,
    /// Finished conversations of our agents.
    pub ours: usize,
    /// Of those, without a call log.
    pub missing: usize,
    pub enqueued: Vec<String>,
    /// Queued earlier (by the webhook or a previous run) and not processed yet.
    pub already_queued: usize,
    /// Queued earlier, still not processed `STUCK_AFTER` the call: queued again.
    pub requeued_stuck: Vec<String>,
    pub failed: usize,
    /// The window was not read to its end (`MAX_PAGES`).
    pub truncated: bool,
    /// Call starts past their retention, deleted (`call_context::CALL_START_RETENTION`).
    pub pruned_call_starts: u64,
}

pub async fn handle(state: &State, _event: EventBridgeEvent<Value>) -> anyhow::Result<Value> {
    let report = reconcile(state).await?;
    tracing::info!(?report, "reconciliation finished");
    Ok(serde_json::to_value(report)?)
}

pub async fn reconcile(state: &State) -> anyhow::Result<Report> {
    let since = ((state.now)() - chrono::Duration::from_std(state.lookback)?).timestamp();
    // Housekeeping first, so an ElevenLabs outage does not stop it: call starts past their retention.
    let pruned_call_starts = prune(state).await;
    let listing = state.api.list_conversations(since, MAX_PAGES).await?;
    if listing.truncated {
        tracing::warn!(
            pages = listing.pages,
            "the lookback window was not read to its end; older calls are not checked this run"
        );
        metric("ReconcileWindowTruncated", 1);
    }
    let listed = listing.conversations;
    let pool = state.db.pool().await?;
    let agents = store::known_agent_ids(pool).await?;
    // Only finished calls: a failed one arrives as `call_initiation_failure`, which has its own key,
    // and replaying it as a transcription would make a lead of a call that never connected.
    let mut finished: Vec<_> = listed
        .iter()
        .filter(|c| c.status.as_deref() == Some("done"))
        .filter(|c| c.agent_id.as_ref().is_some_and(|a| agents.contains(a)))
        .collect();
    // ElevenLabs lists newest first; oldest first, so a run cut short has refilled the oldest gaps.
    finished.sort_by_key(|c| c.start_time_unix_secs.unwrap_or(i64::MAX));
    let ours: Vec<String> = finished.iter().map(|c| c.conversation_id.clone()).collect();
    let missing = store::missing_conversations(pool, &ours).await?;
    let mut report = Report {
        listed: listed.len(),
        ours: ours.len(),
        missing: missing.len(),
        truncated: listing.truncated,
        ..Report::default()
    };
    let now = (state.now)().timestamp();
    for c in finished
        .iter()
        .filter(|c| missing.contains(&c.conversation_id))
    {
        let id = &c.conversation_id;
        let ended = c.start_time_unix_secs.unwrap_or(now) + c.call_duration_secs.unwrap_or(0);
        let stuck = now - ended >= STUCK_AFTER.as_secs() as i64;
        match requeue(state, id).await {
            Ok(Accepted::Queued { .. }) => report.enqueued.push(id.clone()),
            Ok(Accepted::Duplicate) if stuck => match requeue_stuck(state, id, now).await {
                Ok(true) => report.requeued_stuck.push(id.clone()),
                Ok(false) => report.already_queued += 1,
                Err(e) => {
                    tracing::warn!(
                        conversation_id = id,
                        error = format!("{e:#}"),
                        "could not requeue a stuck conversation"
                    );
                    report.failed += 1;
                }
            },
            Ok(Accepted::Duplicate) => report.already_queued += 1,
            Err(e) => {
                tracing::warn!(
                    conversation_id = id,
                    error = format!("{e:#}"),
                    "could not requeue a missing conversation"
                );
                report.failed += 1;
            }
        }
    }
    report.pruned_call_starts = pruned_call_starts;
    Ok(report)
}

/// Call starts past their retention, at most 100 batches a run (a million rows; a larger backlog is
/// finished by the next runs). Never fails the run: a failure is a warning, and the next run prunes
/// what this one could not.
async fn prune(state: &State) -> u64 {
    let pruned = async {
        let before =
            (state.now)() - chrono::Duration::from_std(call_context::CALL_START_RETENTION)?;
        let pool = state.db.pool().await?;
        anyhow::Ok(call_context::prune_call_starts(pool, before, 100).await?)
    };
    match tokio::time::timeout(PRUNE_BUDGET, pruned).await {
        Ok(Ok(count)) => count,
        Ok(Err(error)) => {
            tracing::warn!(error = format!("{error:#}"), "could not prune call starts");
            metric("CallStartPruneFailed", 1);
            0
        }
        Err(_) => {
            // A batch cut short rolls back; the next run goes on.
            tracing::warn!(
                budget_s = PRUNE_BUDGET.as_secs(),
                "pruning call starts ran out of time"
            );
            metric("CallStartPruneFailed", 1);
            0
        }
    }
}

async fn requeue(state: &State, conversation_id: &str) -> anyhow::Result<Accepted> {
    let kind = EventType::PostCallTranscription;
    let fetch = || fetch_event(state, conversation_id);
    Ok(state
        .intake
        .accept_with(kind.as_str(), conversation_id, fetch)
        .await?)
}

/// The conversation in the webhook's envelope, so the worker sees one shape.
async fn fetch_event(state: &State, conversation_id: &str) -> anyhow::Result<Value> {
    let data = state.api.conversation(conversation_id).await?;
    Ok(json!({
        "type": EventType::PostCallTranscription.as_str(),
        "event_timestamp": (state.now)().timestamp(),
        "data": data,
    }))
}

/// Queues a stuck call's event again, once per `REQUEUE_EVERY` window (its own idempotency key);
/// `false` when this window's copy was already queued.
async fn requeue_stuck(state: &State, conversation_id: &str, now: i64) -> anyhow::Result<bool> {
    let window = now / REQUEUE_EVERY.as_secs() as i64;
    let key = format!("elevenlabs-requeue#{conversation_id}#{window}");
    let work = || async {
        let event = fetch_event(state, conversation_id).await?;
        let message_id = state
            .intake
            .queue_again(
                EventType::PostCallTranscription.as_str(),
                conversation_id,
                event,
            )
            .await?;
        tracing::warn!(
            conversation_id,
            message_id,
            "stuck conversation queued again"
        );
        Ok::<_, anyhow::Error>(((), Some(message_id)))
    };
    match state.intake.idempotency.run_once(&key, work).await {
        Ok(Once::Ran(())) => Ok(true),
        Ok(Once::AlreadyCompleted | Once::InProgress) => Ok(false),
        Err(OnceError::Store(e)) => Err(e.into()),
        Err(OnceError::Work(e)) => Err(e),
    }
}

/// One CloudWatch metric in the embedded metric format (a JSON line on stdout, which Lambda's log
/// pipeline turns into the metric without an API call).
fn metric(name: &str, value: u64) {
    let line = json!({
        "_aws": {
            "Timestamp": chrono::Utc::now().timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": "StudioConnect",
                "Dimensions": [[]],
                "Metrics": [{"Name": name, "Unit": "Count"}],
            }],
        },
        name: value,
    });
    println!("{line}");
}
