//! DELETE /api/businesses/{id}/integrations/{integrationId}: disconnect, keeping synced history stale.
//! The handler is `shared::admin::Function::Integration` (tested in shared/tests/pm_*.rs and admin_api.rs).

use shared::admin::{AdminState, Function};

const FUNCTION: Function = Function::Integration;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(FUNCTION.secrets()).await?;
    let state = AdminState::from_platform(&platform, FUNCTION)?;
    shared::web::run_http(state, |state, req| FUNCTION.handle(state, req)).await
}
