//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::admin::integrations::{PmNeeds, PmRouteState};
use shared::platform::Platform;

/// Only the admin key: the offered providers come from the client ids, not the apps' secrets.
pub use shared::admin::SECRETS;

pub type State = PmRouteState;

/// The route's state: it needs only which providers are offered.
pub fn state(platform: &Platform) -> anyhow::Result<State> {
    State::from_platform(platform, PmNeeds::Offered)
}
