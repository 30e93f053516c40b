#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(openapi::SECRETS).await?;
    let state = openapi::State::from_platform(&platform)?;
    shared::web::run_http(state, openapi::handle).await
}
