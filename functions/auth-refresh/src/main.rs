#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(auth_refresh::SECRETS).await?;
    let state = auth_refresh::State::from_platform(&platform)?;
    shared::web::run_http(state, auth_refresh::handle).await
}
