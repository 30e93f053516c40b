#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_call::SECRETS).await?;
    let state = admin_call::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_call::handle).await
}
