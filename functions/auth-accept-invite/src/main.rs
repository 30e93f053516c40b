#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(auth_accept_invite::SECRETS).await?;
    let state = auth_accept_invite::State::from_platform(&platform)?;
    shared::web::run_http(state, auth_accept_invite::handle).await
}
