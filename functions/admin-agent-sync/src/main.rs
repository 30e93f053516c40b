#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_agent_sync::SECRETS).await?;
    let state = admin_agent_sync::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_agent_sync::handle).await
}
