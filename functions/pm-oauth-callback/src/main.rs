//! GET /api/integrations/{provider}/callback: completes a PM tool's OAuth connection and sends the browser to the dashboard.
//! The handler is `shared::pm::webhooks::callback` (tested in shared/tests/pm_*.rs).

use shared::pm::webhooks::{PmWebState, callback};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(shared::pm::webhooks::SECRETS).await?;
    let state = PmWebState::from_platform(&platform)?;
    shared::web::run_http(state, callback).await
}
