//! GET/PUT /api/businesses/{id}: profile, hours, notification targets, phone and transfer numbers.
//! The handler is `shared::admin::Function::Business` (tested in shared/tests/admin_*.rs).

use shared::admin::{AdminState, Function};

const FUNCTION: Function = Function::Business;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(FUNCTION.secrets()).await?;
    let state = AdminState::from_platform(&platform, FUNCTION)?;
    shared::web::run_http(state, |state, req| FUNCTION.handle(state, req)).await
}
