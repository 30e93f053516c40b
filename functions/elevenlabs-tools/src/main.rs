#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(elevenlabs_tools::SECRETS).await?;
    let state = elevenlabs_tools::ToolState::from_platform(&platform)?;
    shared::web::run_http(state, elevenlabs_tools::handle).await
}
