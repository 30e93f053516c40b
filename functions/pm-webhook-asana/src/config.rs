//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::db::Database;
use shared::platform::Platform;
use shared::pm::crypto::TokenCipher;
use shared::pm::deliveries::DeliveryQueue;
use shared::secrets::SecretName;

/// The secrets this function is granted (template.yaml holds its policy to these): the key that
/// seals each registration's handshake secret, and nothing else.
pub const SECRETS: &[SecretName] = &[SecretName::TokenEncryption];

pub struct State {
    pub db: Database,
    pub cipher: TokenCipher,
    pub deliveries: DeliveryQueue,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            db: platform.db.clone(),
            cipher: TokenCipher::from_secrets(&platform.secrets)?,
            deliveries: DeliveryQueue::from_platform(platform),
        })
    }
}
