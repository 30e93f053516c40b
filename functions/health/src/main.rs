#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(health::SECRETS).await?;
    shared::web::run_http(health::State::new(&platform)?, health::handle).await
}
