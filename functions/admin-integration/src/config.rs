//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::admin::integrations::{PmNeeds, PmRouteState};
use shared::platform::Platform;
use shared::secrets::SecretName;

/// The admin key, the PM apps (to remove webhooks and revoke) and the token key (to open the
/// stored grant).
pub const SECRETS: &[SecretName] = &[
    SecretName::AdminJwt,
    SecretName::EdgeOrigin,
    SecretName::TokenEncryption,
    SecretName::JiraApp,
    SecretName::AsanaApp,
    SecretName::MondayApp,
];

pub type State = PmRouteState;

/// The route's state: it needs the OAuth apps and the stored tokens.
pub fn state(platform: &Platform) -> anyhow::Result<State> {
    State::from_platform(platform, PmNeeds::AppsAndTokens)
}
