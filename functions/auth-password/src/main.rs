#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(auth_password::SECRETS).await?;
    let state = auth_password::State::from_platform(&platform)?;
    shared::web::run_http(state, auth_password::handle).await
}
