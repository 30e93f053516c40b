//! GET /api/businesses/{id}/projects: synced and manual projects with their client links.
//! The handler is `shared::admin::Function::Projects` (tested in shared/tests/pm_*.rs and admin_api.rs).

use shared::admin::{AdminState, Function};

const FUNCTION: Function = Function::Projects;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(FUNCTION.secrets()).await?;
    let state = AdminState::from_platform(&platform, FUNCTION)?;
    shared::web::run_http(state, |state, req| FUNCTION.handle(state, req)).await
}
