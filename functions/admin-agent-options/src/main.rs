#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_agent_options::SECRETS).await?;
    let state = admin_agent_options::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_agent_options::handle).await
}
