#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_integration::SECRETS).await?;
    let state = admin_integration::state(&platform)?;
    shared::web::run_http(state, admin_integration::handle).await
}
