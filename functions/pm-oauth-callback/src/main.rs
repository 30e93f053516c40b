//! GET /api/integrations/{provider}/callback: completes a PM tool's OAuth connection and sends the browser to the dashboard.
//! The handler is `shared::pm::callback::callback` (tested in shared/tests/pm_oauth.rs).

use shared::pm::callback::{CallbackState, SECRETS, callback};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(SECRETS).await?;
    let state = CallbackState::from_platform(&platform)?;
    shared::web::run_http(state, callback).await
}
