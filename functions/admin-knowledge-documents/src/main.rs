#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(admin_knowledge_documents::SECRETS).await?;
    let state = admin_knowledge_documents::State::from_platform(&platform)?;
    shared::web::run_http(state, admin_knowledge_documents::handle).await
}
