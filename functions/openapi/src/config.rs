//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::secrets::SecretName;

pub const SECRETS: &[SecretName] = &[];

/// Nothing to build: the document is static.
pub struct State;

impl State {
    pub fn from_platform(_: &shared::platform::Platform) -> anyhow::Result<Self> {
        Ok(Self)
    }
}
