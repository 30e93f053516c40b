#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(call_summary_worker::SECRETS).await?;
    let state = call_summary_worker::State::from_platform(&platform)?;
    shared::runtime::run_sqs(state, call_summary_worker::handle).await
}
