//! The post-call safety net, run on a schedule (template.yaml `ElevenLabsReconcileFunction`) and on
//! demand locally (`POST /_local/schedules/ElevenLabsReconcileFunction`). It lists recent
//! conversations from ElevenLabs (`GET /v1/convai/conversations`), keeps the finished ones of our
//! agents that have no call log, fetches each (`GET /v1/convai/conversations/{id}`) and queues it
//! exactly as the webhook would have, under the same idempotency key, so a late webhook and the
//! reconciliation never both queue a call.

use std::time::Duration;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde_json::{Value, json};
use shared::elevenlabs::webhook::EventType;
use shared::post_call::intake::Accepted;
use shared::post_call::store;

mod config;

pub use config::{SECRETS, State};

pub const DEFAULT_LOOKBACK: Duration = Duration::from_secs(24 * 3600);
/// Listing pages read per run (100 conversations each).
pub const MAX_PAGES: usize = 50;

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
    pub failed: usize,
}

pub async fn handle(state: &State, _event: EventBridgeEvent<Value>) -> anyhow::Result<Value> {
    let report = reconcile(state).await?;
    tracing::info!(?report, "reconciliation finished");
    Ok(serde_json::to_value(report)?)
}

pub async fn reconcile(state: &State) -> anyhow::Result<Report> {
    let since = ((state.now)() - chrono::Duration::from_std(state.lookback)?).timestamp();
    let listed = state.api.list_conversations(since, MAX_PAGES).await?;
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
        ..Report::default()
    };
    for id in ours.iter().filter(|id| missing.contains(*id)) {
        match requeue(state, id).await {
            Ok(Accepted::Queued { .. }) => report.enqueued.push(id.clone()),
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
    Ok(report)
}

async fn requeue(state: &State, conversation_id: &str) -> anyhow::Result<Accepted> {
    let kind = EventType::PostCallTranscription;
    let fetch = || async {
        let data = state.api.conversation(conversation_id).await?;
        // The webhook's envelope around the conversation, so the worker sees one shape.
        let event = json!({
            "type": kind.as_str(),
            "event_timestamp": (state.now)().timestamp(),
            "data": data,
        });
        Ok(event)
    };
    Ok(state
        .intake
        .accept_with(kind.as_str(), conversation_id, fetch)
        .await?)
}
