#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load().await?;
    let state = elevenlabs_events::State::from_platform(&platform);
    shared::web::run_http(state, elevenlabs_events::handle).await
}
