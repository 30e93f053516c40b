#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    // A call must never fail because of us: start even if the database is down, and answer with defaults.
    let platform = shared::platform::Platform::load_with(
        elevenlabs_personalization::SECRETS,
        shared::platform::DatabaseAtStartup::Optional,
    )
    .await?;
    let state = elevenlabs_personalization::State::from_platform(&platform)?;
    shared::web::run_http(state, elevenlabs_personalization::handle).await
}
