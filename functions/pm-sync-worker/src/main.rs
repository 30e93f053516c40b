//! SQS worker of the pm-sync queue: scheduled resyncs, full and incremental syncs, webhook refetches.
//! The handler is `shared::pm::sync::PmWorker::handle` (tested in shared/tests/pm_*.rs).

use shared::pm::sync::PmWorker;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(shared::pm::sync::WORKER_SECRETS).await?;
    let worker = PmWorker::from_platform(&platform).await?;
    shared::runtime::run_sqs(worker, |worker: &'static PmWorker, event| {
        worker.handle(event)
    })
    .await
}
