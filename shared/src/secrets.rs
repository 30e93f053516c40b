//! Secret values live in one Secrets Manager secret per concern (`SecretName`), each a JSON object,
//! named `{SECRETS_PREFIX}{name}`. A function is granted only the secrets it uses: template.yaml lets
//! it read only those, its `config` names them, and it loads only those at cold start. Reading a
//! secret that was not granted is an error at cold start, and `unread` tells a test which granted
//! secret a function never read, so grants, policies and use are held equal (gateway's
//! `template_secrets` test).
//!
//! Values are `SecretString`: their Debug output is redacted, so they cannot leak through logs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_secretsmanager::Client as SecretsManagerClient;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

/// The secrets of the platform, one per concern, so that a bug in one function exposes only what
/// that function needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretName {
    /// The header value ElevenLabs sends on the initiation webhook and on webhook tools.
    ElevenLabsTool,
    /// HMAC secret of the post-call workspace webhook.
    ElevenLabsWebhook,
    /// The ElevenLabs REST API key (agent manager, reconciliation).
    ElevenLabsApi,
    OpenAi,
    SendGrid,
    Twilio,
    /// HMAC key of the admin API's access tokens.
    AdminJwt,
    /// AES-256-GCM keys of PM OAuth tokens at rest (current and retired).
    TokenEncryption,
    JiraApp,
    AsanaApp,
    MondayApp,
}

impl SecretName {
    pub const ALL: &'static [SecretName] = &[
        SecretName::ElevenLabsTool,
        SecretName::ElevenLabsWebhook,
        SecretName::ElevenLabsApi,
        SecretName::OpenAi,
        SecretName::SendGrid,
        SecretName::Twilio,
        SecretName::AdminJwt,
        SecretName::TokenEncryption,
        SecretName::JiraApp,
        SecretName::AsanaApp,
        SecretName::MondayApp,
    ];

    /// The secret's name after the deployment's prefix (template.yaml: `${AWS::StackName}/<this>`;
    /// the keys of `infra/local/dev-secrets.json`).
    pub fn as_str(self) -> &'static str {
        match self {
            SecretName::ElevenLabsTool => "elevenlabs-tool",
            SecretName::ElevenLabsWebhook => "elevenlabs-webhook",
            SecretName::ElevenLabsApi => "elevenlabs-api",
            SecretName::OpenAi => "openai",
            SecretName::SendGrid => "sendgrid",
            SecretName::Twilio => "twilio",
            SecretName::AdminJwt => "admin-jwt",
            SecretName::TokenEncryption => "token-encryption",
            SecretName::JiraApp => "jira-app",
            SecretName::AsanaApp => "asana-app",
            SecretName::MondayApp => "monday-app",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == name)
    }

    /// The text keys the secret's JSON object must hold. Every key is required: a deployment
    /// missing one fails at cold start with the key's name instead of in the middle of a call.
    fn required_keys(self) -> &'static [&'static str] {
        match self {
            SecretName::ElevenLabsTool => &["elevenlabs_tool_secret"],
            SecretName::ElevenLabsWebhook => &["elevenlabs_webhook_secret"],
            SecretName::ElevenLabsApi => &["elevenlabs_api_key"],
            SecretName::OpenAi => &["openai_api_key"],
            SecretName::SendGrid => &["sendgrid_api_key"],
            SecretName::Twilio => &["twilio_auth_token"],
            SecretName::AdminJwt => &["jwt_signing_key"],
            SecretName::TokenEncryption => &["token_encryption_key", "token_encryption_key_id"],
            SecretName::JiraApp => &["jira_client_secret"],
            SecretName::AsanaApp => &["asana_client_secret"],
            SecretName::MondayApp => &["monday_client_secret", "monday_signing_secret"],
        }
    }
}

impl std::fmt::Display for SecretName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("could not read secret {secret_id}: {reason}")]
    Unreadable { secret_id: String, reason: String },
    #[error("secret {secret_id} has no SecretString value")]
    NotText { secret_id: String },
    #[error("secret {secret_id} is not valid: {reason}")]
    Invalid { secret_id: String, reason: String },
    #[error(
        "secret {0} is not granted to this function (its config's SECRETS and its template.yaml policy)"
    )]
    NotGranted(SecretName),
}

/// One loaded secret: its text keys and its object keys (maps of text, e.g. retired keys by id).
#[derive(Debug)]
struct SecretValue {
    text: HashMap<String, SecretString>,
    maps: HashMap<String, HashMap<String, SecretString>>,
}

impl SecretValue {
    fn parse(name: SecretName, secret_id: &str, json: &str) -> Result<Self, SecretsError> {
        let invalid = |reason: String| SecretsError::Invalid {
            secret_id: secret_id.to_owned(),
            reason,
        };
        // Error messages name keys, never values.
        let serde_json::Value::Object(object) = serde_json::from_str(json)
            .map_err(|_| invalid("the value is not a JSON object".into()))?
        else {
            return Err(invalid("the value is not a JSON object".into()));
        };
        let mut value = SecretValue {
            text: HashMap::new(),
            maps: HashMap::new(),
        };
        for (key, v) in object {
            match v {
                serde_json::Value::String(s) => {
                    value.text.insert(key, SecretString::from(s));
                }
                serde_json::Value::Object(entries) => {
                    let mut map = HashMap::new();
                    for (id, entry) in entries {
                        let serde_json::Value::String(s) = entry else {
                            return Err(invalid(format!("{key}.{id} must be a string")));
                        };
                        map.insert(id, SecretString::from(s));
                    }
                    value.maps.insert(key, map);
                }
                // Comments and other annotations are allowed and ignored.
                _ if key.starts_with('_') => {}
                _ => return Err(invalid(format!("{key} must be a string"))),
            }
        }
        for key in name.required_keys() {
            if !value.text.contains_key(*key) {
                return Err(invalid(format!("missing field `{key}`")));
            }
        }
        value.validate(name).map_err(invalid)?;
        Ok(value)
    }

    /// Checked at cold start: a deployment with a weak key does not start, and the error names
    /// the key (never its value).
    fn validate(&self, name: SecretName) -> Result<(), String> {
        for key in name.required_keys() {
            let length = self.text[*key].expose_secret().trim().len();
            if length == 0 {
                return Err(format!("{key} is empty"));
            }
            let least = least_length(key);
            if length < least {
                return Err(format!("{key} must be at least {least} bytes"));
            }
        }
        if name == SecretName::TokenEncryption {
            let key = decode_key(&self.text["token_encryption_key"])
                .ok_or_else(|| "token_encryption_key is not base64".to_owned())?;
            if key.len() != 32 {
                return Err(format!(
                    "token_encryption_key must be 32 bytes, got {}",
                    key.len()
                ));
            }
            // A retired key under the current id would open rows sealed with the current key by
            // a key that is meant to be gone (or be silently ignored): refuse the set.
            let current = self.text["token_encryption_key_id"].expose_secret();
            if self
                .maps
                .get("token_encryption_previous_keys")
                .is_some_and(|retired| retired.contains_key(current))
            {
                return Err(format!(
                    "token_encryption_previous_keys lists the current key id {current:?}"
                ));
            }
        }
        Ok(())
    }
}

/// The least length of a key: signing keys and shared secrets must not be guessable (the JWT key
/// at least as long as its HS256 hash, RFC 7518 §3.2); any other key must not be empty.
fn least_length(key: &str) -> usize {
    match key {
        "jwt_signing_key" => 32,
        "elevenlabs_tool_secret"
        | "elevenlabs_webhook_secret"
        | "monday_signing_secret"
        | "jira_client_secret" => 16,
        _ => 1,
    }
}

fn decode_key(key: &SecretString) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(key.expose_secret())
        .ok()
}

#[derive(Debug)]
struct Granted {
    value: Arc<SecretValue>,
    read: AtomicBool,
}

/// The token-encryption keys: the current one (its id is stored beside each ciphertext) and the
/// retired ones still able to open older rows.
pub struct TokenKeyMaterial {
    pub current_id: String,
    pub current: Vec<u8>,
    pub previous: Vec<(String, Vec<u8>)>,
}

/// The secrets granted to one function.
#[derive(Debug, Default)]
pub struct Secrets {
    granted: BTreeMap<SecretName, Granted>,
}

impl Secrets {
    /// Loads the granted secrets, in parallel, from `{prefix}{name}`.
    pub async fn load(
        client: &SecretsManagerClient,
        prefix: &str,
        grants: &[SecretName],
    ) -> Result<Self, SecretsError> {
        let loads = grants.iter().map(|&name| async move {
            let secret_id = format!("{prefix}{name}");
            let json = read(client, &secret_id).await?;
            Ok::<_, SecretsError>((name, SecretValue::parse(name, &secret_id, &json)?))
        });
        let mut secrets = Secrets::default();
        for loaded in futures::future::join_all(loads).await {
            let (name, value) = loaded?;
            secrets.insert(name, Arc::new(value));
        }
        Ok(secrets)
    }

    /// Secrets from JSON values by name (tests and tools that hold the values themselves).
    pub fn from_values(values: &[(SecretName, serde_json::Value)]) -> Result<Self, SecretsError> {
        let mut secrets = Secrets::default();
        for (name, json) in values {
            let value = SecretValue::parse(*name, name.as_str(), &json.to_string())?;
            secrets.insert(*name, Arc::new(value));
        }
        Ok(secrets)
    }

    fn insert(&mut self, name: SecretName, value: Arc<SecretValue>) {
        self.granted.insert(
            name,
            Granted {
                value,
                read: AtomicBool::new(false),
            },
        );
    }

    /// The same values restricted to `grants`, none of them read yet: what one function gets when
    /// several run in one process (the local gateway). Fails naming a grant that was not loaded.
    pub fn restricted_to(&self, grants: &[SecretName]) -> Result<Self, SecretsError> {
        let mut secrets = Secrets::default();
        for &name in grants {
            let granted = self
                .granted
                .get(&name)
                .ok_or(SecretsError::NotGranted(name))?;
            secrets.insert(name, granted.value.clone());
        }
        Ok(secrets)
    }

    /// The granted secrets nothing has read: a grant the function does not need.
    pub fn unread(&self) -> Vec<SecretName> {
        self.granted
            .iter()
            .filter(|(_, g)| !g.read.load(Ordering::Relaxed))
            .map(|(name, _)| *name)
            .collect()
    }

    fn value(&self, name: SecretName) -> Result<&SecretValue, SecretsError> {
        let granted = self
            .granted
            .get(&name)
            .ok_or(SecretsError::NotGranted(name))?;
        granted.read.store(true, Ordering::Relaxed);
        Ok(&granted.value)
    }

    fn text(&self, name: SecretName, key: &str) -> Result<SecretString, SecretsError> {
        // Required keys were checked at load.
        Ok(self.value(name)?.text[key].clone())
    }

    pub fn elevenlabs_tool_secret(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::ElevenLabsTool, "elevenlabs_tool_secret")
    }
    pub fn elevenlabs_webhook_secret(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::ElevenLabsWebhook, "elevenlabs_webhook_secret")
    }
    pub fn elevenlabs_api_key(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::ElevenLabsApi, "elevenlabs_api_key")
    }
    pub fn openai_api_key(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::OpenAi, "openai_api_key")
    }
    pub fn sendgrid_api_key(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::SendGrid, "sendgrid_api_key")
    }
    pub fn twilio_auth_token(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::Twilio, "twilio_auth_token")
    }
    pub fn jwt_signing_key(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::AdminJwt, "jwt_signing_key")
    }
    pub fn jira_client_secret(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::JiraApp, "jira_client_secret")
    }
    pub fn asana_client_secret(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::AsanaApp, "asana_client_secret")
    }
    pub fn monday_client_secret(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::MondayApp, "monday_client_secret")
    }
    pub fn monday_signing_secret(&self) -> Result<SecretString, SecretsError> {
        self.text(SecretName::MondayApp, "monday_signing_secret")
    }

    /// The current token key (validated at load) and the retired ones that decode (a malformed
    /// retired key is skipped with a warning).
    pub fn token_keys(&self) -> Result<TokenKeyMaterial, SecretsError> {
        let value = self.value(SecretName::TokenEncryption)?;
        let previous = value
            .maps
            .get("token_encryption_previous_keys")
            .into_iter()
            .flatten()
            .filter_map(|(id, key)| match decode_key(key) {
                Some(bytes) => Some((id.clone(), bytes)),
                None => {
                    tracing::warn!(key_id = %id, "retired token key is not base64; skipped");
                    None
                }
            })
            .collect();
        Ok(TokenKeyMaterial {
            current_id: value.text["token_encryption_key_id"]
                .expose_secret()
                .to_owned(),
            current: decode_key(&value.text["token_encryption_key"]).unwrap_or_default(),
            previous,
        })
    }
}

async fn read(client: &SecretsManagerClient, secret_id: &str) -> Result<String, SecretsError> {
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| SecretsError::Unreadable {
            secret_id: secret_id.to_owned(),
            reason: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
        })?;
    out.secret_string()
        .map(str::to_owned)
        .ok_or_else(|| SecretsError::NotText {
            secret_id: secret_id.to_owned(),
        })
}

#[cfg(test)]
pub(crate) mod tests;
