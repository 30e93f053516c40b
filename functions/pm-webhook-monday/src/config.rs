//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use secrecy::SecretString;
use shared::db::Database;
use shared::platform::Platform;
use shared::pm::deliveries::DeliveryQueue;
use shared::secrets::SecretName;

/// The secrets this function is granted (template.yaml holds its policy to these): the monday
/// app's secrets (its signing secret verifies deliveries), and nothing else.
pub const SECRETS: &[SecretName] = &[SecretName::MondayApp];

pub struct State {
    pub db: Database,
    pub deliveries: DeliveryQueue,
    pub monday_signing_secret: SecretString,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            db: platform.db.clone(),
            deliveries: DeliveryQueue::from_platform(platform),
            monday_signing_secret: platform.secrets.monday_signing_secret()?,
        })
    }
}
