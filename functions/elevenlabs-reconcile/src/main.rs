// The scheduled runtime's future over the reconciliation (SDK, HTTP and sqlx futures) nests deeper
// than the default limit of 128 when dev-dependency features are unified (`--all-targets`).
#![recursion_limit = "256"]

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(elevenlabs_reconcile::SECRETS).await?;
    let state = elevenlabs_reconcile::State::from_platform(&platform)?;
    shared::runtime::run_scheduled(state, elevenlabs_reconcile::handle).await
}
