#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(pm_webhook_monday::SECRETS).await?;
    let state = pm_webhook_monday::State::from_platform(&platform)?;
    shared::web::run_http(state, pm_webhook_monday::handle).await
}
