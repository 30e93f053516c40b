//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::secrets::SecretName;

/// The secrets the PM sync worker is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[
    SecretName::TokenEncryption,
    SecretName::JiraApp,
    SecretName::AsanaApp,
    SecretName::MondayApp,
];
