//! The non-HTTP functions of the bundle, wired as their template.yaml events wire them in AWS:
//! SQS-triggered ones get a poller on their queue, scheduled ones a name under /_local/schedules.
//! `SQS_FUNCTIONS` and `SCHEDULED_FUNCTIONS` must list the template's; a test holds them together.

use std::sync::Arc;

use futures::FutureExt;
use shared::platform::Platform;
use shared::secrets::SecretName;

use crate::schedule::{ScheduledHandler, Schedules};
use crate::sqs::{SqsHandler, SqsPoller};

/// Logical ids of the SQS-triggered functions, with the queue each consumes.
pub const SQS_FUNCTIONS: &[(&str, &str)] = &[
    ("CallSummaryWorkerFunction", "CallSummaryQueue"),
    ("PmSyncWorkerFunction", "PmSyncQueue"),
    ("KnowledgeIngestWorkerFunction", "KnowledgeQueue"),
];
/// Logical ids of the functions run by a schedule.
pub const SCHEDULED_FUNCTIONS: &[&str] = &["ElevenLabsReconcileFunction"];

/// Batch size of the call-summary event source mapping in template.yaml.
const CALL_SUMMARY_BATCH: i32 = 10;
/// Batch size of the pm-sync event source mapping in template.yaml.
const PM_SYNC_BATCH: i32 = 1;
/// Batch size of the knowledge event source mapping in template.yaml.
const KNOWLEDGE_BATCH: i32 = 1;
/// Schedules whose target is a queue, not a function (template.yaml's EventBridge Scheduler
/// schedules): firing one under /_local/schedules enqueues the job the schedule's Input carries.
pub const QUEUE_SCHEDULES: &[&str] = &["PmResyncSchedule", "KnowledgeIndexSchedule"];

/// The secrets each non-HTTP function is granted, by logical id: what its `main` loads.
pub fn secrets(logical_id: &str) -> Option<&'static [SecretName]> {
    Some(match logical_id {
        "CallSummaryWorkerFunction" => call_summary_worker::SECRETS,
        "PmSyncWorkerFunction" => pm_sync_worker::SECRETS,
        "KnowledgeIngestWorkerFunction" => knowledge_ingest_worker::SECRETS,
        "ElevenLabsReconcileFunction" => elevenlabs_reconcile::SECRETS,
        _ => return None,
    })
}

/// `platform` with only the secrets of the function `logical_id`.
fn granted(platform: &Platform, logical_id: &str) -> anyhow::Result<Platform> {
    let grants = secrets(logical_id)
        .ok_or_else(|| anyhow::anyhow!("{logical_id} is not a worker or scheduled function"))?;
    platform.granted(grants)
}

pub async fn pollers(platform: &Platform) -> anyhow::Result<Vec<SqsPoller>> {
    // The pollers stand in for Lambda's event source mapping, which long-polls: their receive
    // waits longer than the functions' AWS call bounds allow.
    let poll_sqs = aws_sdk_sqs::Client::new(
        &shared::aws::sdk_config_with(shared::config::AwsTimeouts {
            operation: std::time::Duration::from_secs(30),
            attempt: std::time::Duration::from_secs(25),
        })
        .await,
    );
    let state = Arc::new(call_summary_worker::State::from_platform(&granted(
        platform,
        "CallSummaryWorkerFunction",
    )?)?);
    let handler: SqsHandler = Arc::new(move |event| {
        crate::record::record("CallSummaryWorkerFunction", &event);
        let state = Arc::clone(&state);
        async move { Ok(call_summary_worker::handle(&state, event).await) }.boxed()
    });
    let call_summary = SqsPoller::new(
        poll_sqs.clone(),
        &platform.settings.queues.call_summary,
        CALL_SUMMARY_BATCH,
        2,
        handler,
    )
    .await?;
    let pm = Arc::new(
        pm_sync_worker::PmWorker::from_platform(&granted(platform, "PmSyncWorkerFunction")?)
            .await?,
    );
    let handler: SqsHandler = Arc::new(move |event| {
        crate::record::record("PmSyncWorkerFunction", &event);
        let pm = Arc::clone(&pm);
        async move { Ok(pm.handle(event).await) }.boxed()
    });
    let pm_sync = SqsPoller::new(
        poll_sqs.clone(),
        &platform.settings.queues.pm_sync,
        PM_SYNC_BATCH,
        2,
        handler,
    )
    .await?;
    let knowledge = Arc::new(knowledge_ingest_worker::Worker::from_platform(&granted(
        platform,
        "KnowledgeIngestWorkerFunction",
    )?)?);
    let handler: SqsHandler = Arc::new(move |event| {
        crate::record::record("KnowledgeIngestWorkerFunction", &event);
        let knowledge = Arc::clone(&knowledge);
        async move { Ok(knowledge_ingest_worker::handle(&knowledge, event).await) }.boxed()
    });
    let knowledge = SqsPoller::new(
        poll_sqs,
        &platform.settings.queues.knowledge,
        KNOWLEDGE_BATCH,
        1,
        handler,
    )
    .await?;
    Ok(vec![call_summary, pm_sync, knowledge])
}

pub fn schedules(platform: &Platform) -> anyhow::Result<Schedules> {
    let reconcile = Arc::new(elevenlabs_reconcile::State::from_platform(&granted(
        platform,
        "ElevenLabsReconcileFunction",
    )?)?);
    let handler: ScheduledHandler = Arc::new(move |event| {
        let reconcile = Arc::clone(&reconcile);
        async move {
            elevenlabs_reconcile::handle(&reconcile, event)
                .await
                .map_err(|e| lambda_runtime::Error::from(format!("{e:#}")))
        }
        .boxed()
    });
    let resync = enqueues(platform, &platform.settings.queues.pm_sync, || {
        shared::pm::sync::PmJob::ResyncAll
    });
    let sweep = enqueues(platform, &platform.settings.queues.knowledge, || {
        shared::knowledge::KnowledgeJob::MaintainIndexes
    });
    Ok(Schedules::from([
        ("ElevenLabsReconcileFunction".to_owned(), handler),
        ("PmResyncSchedule".to_owned(), resync),
        ("KnowledgeIndexSchedule".to_owned(), sweep),
    ]))
}

/// A queue schedule: each firing sends the job to the queue, as the schedule's Input does.
fn enqueues<J: shared::jobs::Job + Clone>(
    platform: &Platform,
    queue_url: &str,
    job: fn() -> J,
) -> ScheduledHandler {
    let queue: shared::jobs::JobQueue<J> =
        shared::jobs::JobQueue::new(platform.aws.sqs.clone(), queue_url);
    Arc::new(move |_event| {
        let queue = queue.clone();
        async move {
            queue
                .send(&job())
                .await
                .map(|_| serde_json::Value::Null)
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
        .boxed()
    })
}
