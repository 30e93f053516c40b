//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::admin::integrations::{PmNeeds, PmRouteState};
use shared::platform::Platform;
use shared::secrets::SecretName;

/// The admin key and the PM apps.
pub const SECRETS: &[SecretName] = &[
    SecretName::AdminJwt,
    SecretName::EdgeOrigin,
    SecretName::JiraApp,
    SecretName::AsanaApp,
    SecretName::MondayApp,
];

pub type State = PmRouteState;

/// The route's state: it needs the OAuth apps.
pub fn state(platform: &Platform) -> anyhow::Result<State> {
    State::from_platform(platform, PmNeeds::Apps)
}
