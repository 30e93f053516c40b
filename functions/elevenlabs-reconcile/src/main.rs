#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(elevenlabs_reconcile::SECRETS).await?;
    let state = elevenlabs_reconcile::State::from_platform(&platform)?;
    shared::runtime::run_scheduled(state, elevenlabs_reconcile::handle).await
}
