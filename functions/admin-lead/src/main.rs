#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_lead::SECRETS).await?;
    let state = admin_lead::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_lead::handle).await
}
