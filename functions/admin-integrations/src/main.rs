//! GET /api/businesses/{id}/integrations: connected PM tools, their status and sync health.
//! The handler is `shared::admin::Function::Integrations` (tested in shared/tests/pm_*.rs and admin_api.rs).

use shared::admin::{AdminState, Function};

const FUNCTION: Function = Function::Integrations;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(FUNCTION.secrets()).await?;
    let state = AdminState::from_platform(&platform, FUNCTION)?;
    shared::web::run_http(state, |state, req| FUNCTION.handle(state, req)).await
}
