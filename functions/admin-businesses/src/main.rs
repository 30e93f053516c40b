#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_businesses::SECRETS).await?;
    let state = admin_businesses::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_businesses::handle).await
}
