//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::admin::AdminState;
use shared::platform::Platform;

pub use shared::admin::SECRETS;

/// The admin state, with the password hasher warmed at cold start.
pub struct State(pub AdminState);

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        shared::admin::auth::prepare_login();
        Ok(Self(AdminState::from_platform(platform)?))
    }
}
