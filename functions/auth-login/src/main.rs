#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(auth_login::SECRETS).await?;
    let state = auth_login::State::from_platform(&platform)?;
    shared::web::run_http(state, auth_login::handle).await
}
