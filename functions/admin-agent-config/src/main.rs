//! GET/PUT /api/businesses/{id}/agent-config: voice, language, persona and messages.
//! The handler is `shared::admin::Function::AgentConfig` (tested in shared/tests/admin_*.rs).

use shared::admin::{AdminState, Function};

const FUNCTION: Function = Function::AgentConfig;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(FUNCTION.secrets()).await?;
    let state = AdminState::from_platform(&platform, FUNCTION)?;
    shared::web::run_http(state, |state, req| FUNCTION.handle(state, req)).await
}
