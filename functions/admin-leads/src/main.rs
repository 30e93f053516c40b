#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_leads::SECRETS).await?;
    let state = admin_leads::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_leads::handle).await
}
