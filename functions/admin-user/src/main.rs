#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_user::SECRETS).await?;
    let state = admin_user::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_user::handle).await
}
