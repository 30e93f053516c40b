//! What this function reads from its environment at cold start: the admin token key, its only
//! secret (`shared::admin::SECRETS`, which template.yaml grants and nothing else),
//! `ACCESS_TOKEN_TTL_SECS` (read by `AdminState::from_platform`), and `DASHBOARD_URL`, where
//! invitation links point.

use shared::admin::AdminState;
use shared::config::Env;
use shared::platform::Platform;

pub use shared::admin::SECRETS;

pub struct State {
    pub admin: AdminState,
    /// Invitation links are `{dashboard_url}/accept-invite#token=...`.
    pub dashboard_url: String,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            dashboard_url: Env::process().required("DASHBOARD_URL")?,
        })
    }
}
