#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    // The database only keeps oversized bodies (a 503 when it is down): DynamoDB and SQS carry the
    // rest, so a database outage must not stop the webhook from starting.
    let platform = shared::platform::Platform::load_with(
        elevenlabs_events::SECRETS,
        shared::platform::DatabaseAtStartup::Optional,
    )
    .await?;
    let state = elevenlabs_events::State::from_platform(&platform)?;
    shared::web::run_http(state, elevenlabs_events::handle).await
}
