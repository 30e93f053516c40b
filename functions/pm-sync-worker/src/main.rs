#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(pm_sync_worker::SECRETS).await?;
    let worker = pm_sync_worker::PmWorker::from_platform(&platform).await?;
    shared::runtime::run_sqs(
        worker,
        |worker: &'static pm_sync_worker::PmWorker, event| worker.handle(event),
    )
    .await
}
