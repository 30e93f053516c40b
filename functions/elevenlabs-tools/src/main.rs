//! POST /api/voice/tools/{tool}: the webhook tools ElevenLabs agents call mid-call
//! (qualification_next, get_project_status, escalate_to_team, take_message, check_business_hours).
//! The handler is `shared::call_tools::handle` (tested in shared/tests/call_tools.rs).

use shared::call_tools::{ToolState, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(shared::call_tools::SECRETS).await?;
    let state = ToolState::from_platform(&platform)?;
    shared::web::run_http(state, handle).await
}
