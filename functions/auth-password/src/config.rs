//! What this function reads from its environment at cold start: the admin token key and the
//! distribution's origin token, its only secrets (`shared::admin::SECRETS`, which template.yaml
//! grants and nothing else), `ACCESS_TOKEN_TTL_SECS` (read by `AdminState::from_platform`), and
//! the failed-attempt counts' table (`RATE_LIMIT_TABLE`, in the platform's settings).

use shared::admin::AdminState;
use shared::login_throttle::LoginThrottle;
use shared::platform::Platform;

pub use shared::admin::SECRETS;

/// The admin state and the failed-attempt counts (a wrong current password counts like a wrong
/// password at sign-in: a stolen access token must not become a way to guess the password).
pub struct State {
    pub admin: AdminState,
    pub throttle: LoginThrottle,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            throttle: LoginThrottle::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.rate_limits,
            ),
        })
    }
}
