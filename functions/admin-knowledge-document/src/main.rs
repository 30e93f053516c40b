#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_knowledge_document::SECRETS).await?;
    let state = admin_knowledge_document::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_knowledge_document::handle).await
}
