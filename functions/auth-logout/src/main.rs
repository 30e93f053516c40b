#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(auth_logout::SECRETS).await?;
    let state = auth_logout::State::from_platform(&platform)?;
    shared::web::run_http(state, auth_logout::handle).await
}
