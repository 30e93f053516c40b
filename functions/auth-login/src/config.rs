//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else), the admin state's variables, and the login throttle's
//! table (`RATE_LIMIT_TABLE`, in the platform's settings).

use shared::admin::AdminState;
use shared::login_throttle::LoginThrottle;
use shared::platform::Platform;

pub use shared::admin::SECRETS;

/// The admin state (with the password hasher warmed at cold start) and the failed-login counts.
pub struct State {
    pub admin: AdminState,
    pub throttle: LoginThrottle,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        shared::admin::auth::prepare_login();
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            throttle: LoginThrottle::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.rate_limits,
            ),
        })
    }
}
