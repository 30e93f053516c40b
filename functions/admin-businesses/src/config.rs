//! What this function reads from its environment at cold start: the admin token key and the
//! distribution's origin token, its only secrets (`shared::admin::SECRETS`, which template.yaml
//! grants and nothing else), `ACCESS_TOKEN_TTL_SECS` (read by `AdminState::from_platform`), and
//! the dashboard's URL, where invitation links point (`DASHBOARD_URL`, else the stack's
//! `DASHBOARD_URL_PARAMETER`).

pub use shared::admin::SECRETS;
/// Shared with the other route that invites (`shared::admin::invitations`).
pub use shared::admin::invitations::InvitingState as State;
