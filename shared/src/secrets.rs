//! Every secret value lives in ONE Secrets Manager JSON secret, loaded once per cold start.
//! Values are `SecretString`: their Debug output is redacted, so they cannot leak through logs.

use aws_sdk_secretsmanager::Client as SecretsManagerClient;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("could not read secret {secret_id}: {reason}")]
    Unreadable { secret_id: String, reason: String },
    #[error("secret {secret_id} has no SecretString value")]
    NotText { secret_id: String },
    #[error("secret {secret_id} is not valid: {reason}")]
    Invalid { secret_id: String, reason: String },
}

/// The keys of the application secret. Every key is required: a deployment missing one fails at cold
/// start with the key's name instead of failing later in the middle of a call.
#[derive(Debug, Deserialize)]
pub struct Secrets {
    /// Value of the header ElevenLabs sends on the initiation webhook and on webhook tools.
    pub elevenlabs_tool_secret: SecretString,
    /// HMAC secret of the post-call workspace webhook.
    pub elevenlabs_webhook_secret: SecretString,
    pub elevenlabs_api_key: SecretString,
    pub openai_api_key: SecretString,
    pub sendgrid_api_key: SecretString,
    pub twilio_auth_token: SecretString,
    /// HMAC key for admin API access tokens.
    pub jwt_signing_key: SecretString,
    /// Base64 of 32 bytes: AES-256-GCM key for PM OAuth tokens at rest.
    pub token_encryption_key: SecretString,
    /// Stored beside each ciphertext so keys can be rotated.
    pub token_encryption_key_id: String,
    /// Retired keys by id (base64 of 32 bytes each), kept after a rotation until every row has
    /// been re-sealed with the current key (a token refresh re-seals).
    #[serde(default)]
    pub token_encryption_previous_keys: std::collections::HashMap<String, SecretString>,
    pub jira_client_secret: SecretString,
    pub asana_client_secret: SecretString,
    pub monday_client_secret: SecretString,
    pub monday_signing_secret: SecretString,
}

impl Secrets {
    pub fn from_json(secret_id: &str, json: &str) -> Result<Self, SecretsError> {
        let invalid = |reason: String| SecretsError::Invalid {
            secret_id: secret_id.to_owned(),
            reason,
        };
        // serde's message names the missing key ("missing field `jwt_signing_key`") but never echoes values.
        let secrets: Secrets = serde_json::from_str(json)
            .map_err(|e| invalid(crate::web::without_position(&e.to_string()).to_owned()))?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(secrets.token_encryption_key.expose_secret())
            .map_err(|_| invalid("token_encryption_key is not base64".into()))?;
        // A short shared secret could be guessed, and an empty HMAC key lets anyone sign.
        for (name, value) in [
            (
                "elevenlabs_webhook_secret",
                &secrets.elevenlabs_webhook_secret,
            ),
            ("elevenlabs_tool_secret", &secrets.elevenlabs_tool_secret),
        ] {
            if value.expose_secret().len() < 16 {
                return Err(invalid(format!("{name} must be at least 16 characters")));
            }
        }
        if key.len() != 32 {
            return Err(invalid(format!(
                "token_encryption_key must be 32 bytes, got {}",
                key.len()
            )));
        }
        Ok(secrets)
    }

    pub async fn load(
        client: &SecretsManagerClient,
        secret_id: &str,
    ) -> Result<Self, SecretsError> {
        let out = client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| SecretsError::Unreadable {
                secret_id: secret_id.to_owned(),
                reason: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
            })?;
        let json = out.secret_string().ok_or_else(|| SecretsError::NotText {
            secret_id: secret_id.to_owned(),
        })?;
        Self::from_json(secret_id, json)
    }

    /// The retired token keys that decode (a malformed one is skipped with a warning).
    pub fn previous_token_keys(&self) -> Vec<(String, Vec<u8>)> {
        self.token_encryption_previous_keys
            .iter()
            .filter_map(|(id, key)| {
                match base64::engine::general_purpose::STANDARD.decode(key.expose_secret()) {
                    Ok(bytes) => Some((id.clone(), bytes)),
                    Err(_) => {
                        tracing::warn!(key_id = %id, "retired token key is not base64; skipped");
                        None
                    }
                }
            })
            .collect()
    }

    /// The 32-byte token encryption key (validated at load).
    pub fn token_encryption_key_bytes(&self) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(self.token_encryption_key.expose_secret())
            .unwrap_or_default()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample_json() -> serde_json::Value {
        serde_json::json!({
            "elevenlabs_tool_secret": "tool-secret-value",
            "elevenlabs_webhook_secret": "wsec_value_of_the_webhook",
            "elevenlabs_api_key": "xi-key",
            "openai_api_key": "sk-openai",
            "sendgrid_api_key": "SG.key",
            "twilio_auth_token": "twilio-token",
            "jwt_signing_key": "jwt-signing-key-value",
            "token_encryption_key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            "token_encryption_key_id": "k1",
            "jira_client_secret": "jira-secret",
            "asana_client_secret": "asana-secret",
            "monday_client_secret": "monday-secret",
            "monday_signing_secret": "monday-signing"
        })
    }

    #[test]
    fn parses_and_redacts() {
        let s = Secrets::from_json("app", &sample_json().to_string()).unwrap();
        assert_eq!(s.jwt_signing_key.expose_secret(), "jwt-signing-key-value");
        assert_eq!(s.token_encryption_key_bytes().len(), 32);
        let debug = format!("{s:?}");
        for value in [
            "tool-secret-value",
            "wsec_value_of_the_webhook",
            "sk-openai",
            "jwt-signing-key-value",
            "MDEy",
        ] {
            assert!(!debug.contains(value), "{value} leaked in {debug}");
        }
    }

    #[test]
    fn a_missing_key_is_named() {
        let mut json = sample_json();
        json.as_object_mut().unwrap().remove("jwt_signing_key");
        let err = Secrets::from_json("app", &json.to_string())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "secret app is not valid: missing field `jwt_signing_key`"
        );
    }

    #[test]
    fn a_short_encryption_key_is_refused() {
        let mut json = sample_json();
        json["token_encryption_key"] = "c2hvcnQ=".into();
        let err = Secrets::from_json("app", &json.to_string())
            .unwrap_err()
            .to_string();
        assert!(err.contains("32 bytes"), "{err}");
    }

    #[test]
    fn a_short_webhook_secret_is_refused() {
        let mut json = sample_json();
        json["elevenlabs_webhook_secret"] = serde_json::json!("");
        let err = Secrets::from_json("app", &json.to_string())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("elevenlabs_webhook_secret must be at least 16"),
            "{err}"
        );
    }
}
