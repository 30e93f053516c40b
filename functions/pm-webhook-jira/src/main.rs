//! POST /api/webhooks/jira: verified Jira Cloud deliveries, queued for a refetch.
//! The handler is `shared::pm::webhooks::jira_webhook` (tested in shared/tests/pm_*.rs).

use shared::pm::webhooks::{PmWebState, jira_webhook};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let platform = shared::platform::Platform::load(shared::pm::webhooks::SECRETS).await?;
    let state = PmWebState::from_platform(&platform)?;
    shared::web::run_http(state, jira_webhook).await
}
