//! POST /api/webhooks/monday/{integrationId}: monday.com challenges and signed events.
//! The handler is `shared::pm::webhooks::monday_webhook` (tested in shared/tests/pm_*.rs).

use shared::pm::webhooks::{PmWebState, monday_webhook};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(shared::pm::webhooks::SECRETS).await?;
    let state = PmWebState::from_platform(&platform)?;
    shared::web::run_http(state, monday_webhook).await
}
