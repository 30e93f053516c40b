#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_urgency_keywords::SECRETS).await?;
    let state = admin_urgency_keywords::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_urgency_keywords::handle).await
}
