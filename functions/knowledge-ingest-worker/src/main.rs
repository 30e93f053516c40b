#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(knowledge_ingest_worker::SECRETS).await?;
    let worker = knowledge_ingest_worker::Worker::from_platform(&platform)?;
    shared::runtime::run_sqs(worker, knowledge_ingest_worker::handle).await
}
