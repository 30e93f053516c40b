//! POST /api/webhooks/asana/{integrationId}: Asana handshakes, heartbeats and signed events.
//! The handler is `shared::pm::webhooks::asana_webhook` (tested in shared/tests/pm_*.rs).

use shared::pm::webhooks::{PmWebState, asana_webhook};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(shared::pm::webhooks::SECRETS).await?;
    let state = PmWebState::from_platform(&platform)?;
    shared::web::run_http(state, asana_webhook).await
}
