#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_integrations::SECRETS).await?;
    let state = admin_integrations::state(&platform)?;
    shared::web::run_http(state, admin_integrations::handle).await
}
