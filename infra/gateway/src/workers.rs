//! The non-HTTP functions of the bundle, wired as their template.yaml events wire them in AWS:
//! SQS-triggered ones get a poller on their queue, scheduled ones a name under /_local/schedules.
//! `SQS_FUNCTIONS` and `SCHEDULED_FUNCTIONS` must list the template's; a test holds them together.

use std::sync::Arc;

use futures::FutureExt;
use shared::platform::Platform;

use crate::schedule::{ScheduledHandler, Schedules};
use crate::sqs::{SqsHandler, SqsPoller};

/// Logical ids of the SQS-triggered functions, with the queue each consumes.
pub const SQS_FUNCTIONS: &[(&str, &str)] = &[("CallSummaryWorkerFunction", "CallSummaryQueue")];
/// Logical ids of the functions run by a schedule.
pub const SCHEDULED_FUNCTIONS: &[&str] = &["ElevenLabsReconcileFunction"];

/// Batch size of the call-summary event source mapping in template.yaml.
const CALL_SUMMARY_BATCH: i32 = 10;

pub async fn pollers(platform: &Platform) -> anyhow::Result<Vec<SqsPoller>> {
    let state: &'static call_summary_worker::State = Box::leak(Box::new(
        call_summary_worker::State::from_platform(platform)?,
    ));
    let handler: SqsHandler = Arc::new(move |event| {
        async move { Ok(call_summary_worker::handle(state, event).await) }.boxed()
    });
    let call_summary = SqsPoller::new(
        platform.aws.sqs.clone(),
        &platform.settings.queues.call_summary,
        CALL_SUMMARY_BATCH,
        2,
        handler,
    )
    .await?;
    Ok(vec![call_summary])
}

pub fn schedules(platform: &Platform) -> anyhow::Result<Schedules> {
    let reconcile: &'static elevenlabs_reconcile::State = Box::leak(Box::new(
        elevenlabs_reconcile::State::from_platform(platform)?,
    ));
    let handler: ScheduledHandler = Arc::new(move |event| {
        async move {
            elevenlabs_reconcile::handle(reconcile, event)
                .await
                .map_err(|e| lambda_runtime::Error::from(format!("{e:#}")))
        }
        .boxed()
    });
    Ok(Schedules::from([(
        "ElevenLabsReconcileFunction".to_owned(),
        handler,
    )]))
}
