#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_qualification_questions::SECRETS).await?;
    let state = admin_qualification_questions::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_qualification_questions::handle).await
}
