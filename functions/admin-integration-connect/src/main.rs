//! GET /api/integrations/{provider}/connect: the provider's OAuth authorize URL for a business.
//! The handler is `shared::admin::Function::IntegrationConnect` (tested in shared/tests/pm_*.rs and admin_api.rs).

use shared::admin::{AdminState, Function};

const FUNCTION: Function = Function::IntegrationConnect;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(FUNCTION.secrets()).await?;
    let state = AdminState::from_platform(&platform, FUNCTION)?;
    shared::web::run_http(state, |state, req| FUNCTION.handle(state, req)).await
}
