#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_overview::SECRETS).await?;
    let state = admin_overview::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_overview::handle).await
}
