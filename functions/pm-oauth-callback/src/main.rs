#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(pm_oauth_callback::SECRETS).await?;
    let state = pm_oauth_callback::State::from_platform(&platform)?;
    shared::web::run_http(state, pm_oauth_callback::handle).await
}
