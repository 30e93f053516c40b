//! The secrets' parsing, key rules, grants and redaction.

use super::*;

/// A sample value of every secret.
pub fn sample_values() -> Vec<(SecretName, serde_json::Value)> {
    use serde_json::json;
    vec![
        (
            SecretName::ElevenLabsTool,
            json!({"elevenlabs_tool_secret": "tool-secret-value"}),
        ),
        (
            SecretName::ElevenLabsWebhook,
            json!({"elevenlabs_webhook_secret": "wsec_value_of_the_webhook"}),
        ),
        (
            SecretName::ElevenLabsApi,
            json!({"elevenlabs_api_key": "xi-key"}),
        ),
        (SecretName::OpenAi, json!({"openai_api_key": "sk-openai"})),
        (SecretName::SendGrid, json!({"sendgrid_api_key": "SG.key"})),
        (
            SecretName::Twilio,
            json!({"twilio_auth_token": "twilio-token"}),
        ),
        (
            SecretName::AdminJwt,
            json!({"jwt_signing_key": "jwt-signing-key-value-of-32-bytes!"}),
        ),
        (
            SecretName::EdgeOrigin,
            json!({"edge_origin_token": "generated-edge-origin-token"}),
        ),
        (
            SecretName::TokenEncryption,
            json!({
                "token_encryption_key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "token_encryption_key_id": "k1",
                "token_encryption_previous_keys": {"k0": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "bad": "%%%"}
            }),
        ),
        (
            SecretName::JiraApp,
            json!({"jira_client_secret": "jira-client-secret"}),
        ),
        (
            SecretName::AsanaApp,
            json!({"asana_client_secret": "asana-secret"}),
        ),
        (
            SecretName::MondayApp,
            json!({"monday_client_secret": "monday-secret", "monday_signing_secret": "monday-signing-secret"}),
        ),
    ]
}

fn with(name: SecretName, value: serde_json::Value) -> Result<Secrets, SecretsError> {
    Secrets::from_values(&[(name, value)])
}

#[test]
fn every_secret_has_a_sample_and_a_unique_name() {
    let names: Vec<_> = sample_values().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, SecretName::ALL);
    for name in SecretName::ALL {
        assert_eq!(SecretName::from_name(name.as_str()), Some(*name));
    }
}

#[test]
fn parses_and_redacts() {
    let s = Secrets::from_values(&sample_values()).unwrap();
    assert_eq!(
        s.jwt_signing_key().unwrap().expose_secret(),
        "jwt-signing-key-value-of-32-bytes!"
    );
    let keys = s.token_keys().unwrap();
    assert_eq!((keys.current_id.as_str(), keys.current.len()), ("k1", 32));
    assert_eq!(
        keys.previous.len(),
        1,
        "the malformed retired key is skipped"
    );
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
fn a_secret_not_granted_cannot_be_read_and_unread_grants_are_listed() {
    let all = Secrets::from_values(&sample_values()).unwrap();
    let one = all
        .restricted_to(&[SecretName::AdminJwt, SecretName::OpenAi])
        .unwrap();
    assert_eq!(one.unread(), [SecretName::OpenAi, SecretName::AdminJwt]);
    one.jwt_signing_key().unwrap();
    assert_eq!(one.unread(), [SecretName::OpenAi]);
    let err = one.sendgrid_api_key().unwrap_err().to_string();
    assert!(err.starts_with("secret sendgrid is not granted"), "{err}");
    assert!(matches!(
        one.restricted_to(&[SecretName::Twilio]),
        Err(SecretsError::NotGranted(SecretName::Twilio))
    ));
}

#[test]
fn a_missing_key_is_named() {
    let err = with(
        SecretName::MondayApp,
        serde_json::json!({"monday_client_secret": "x"}),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "secret monday-app is not valid: missing field `monday_signing_secret`"
    );
}

#[test]
fn a_value_that_is_not_an_object_is_refused_without_echoing_it() {
    let err = with(SecretName::OpenAi, serde_json::json!("sk-plain-value"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a JSON object") && !err.contains("sk-plain"),
        "{err}"
    );
}

#[test]
fn a_short_encryption_key_is_refused() {
    let err = with(
        SecretName::TokenEncryption,
        serde_json::json!({"token_encryption_key": "c2hvcnQ=", "token_encryption_key_id": "k"}),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("32 bytes"), "{err}");
}

#[test]
fn a_short_webhook_secret_is_refused() {
    let err = with(
        SecretName::ElevenLabsWebhook,
        serde_json::json!({"elevenlabs_webhook_secret": ""}),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("elevenlabs_webhook_secret is empty"), "{err}");
    let err = with(
        SecretName::ElevenLabsWebhook,
        serde_json::json!({"elevenlabs_webhook_secret": "wsec_short"}),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("elevenlabs_webhook_secret must be at least 16 bytes"),
        "{err}"
    );
}

#[test]
fn a_jwt_key_under_32_bytes_or_an_empty_api_key_fails_naming_the_key() {
    let err = with(
        SecretName::AdminJwt,
        serde_json::json!({"jwt_signing_key": "0123456789abcdef0123456789abcde"}),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "secret admin-jwt is not valid: jwt_signing_key must be at least 32 bytes"
    );
    let err = with(
        SecretName::OpenAi,
        serde_json::json!({"openai_api_key": "  "}),
    )
    .unwrap_err()
    .to_string();
    assert!(err.ends_with("openai_api_key is empty"), "{err}");
}

#[test]
fn a_retired_key_under_the_current_id_is_refused() {
    let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let err = with(
        SecretName::TokenEncryption,
        serde_json::json!({"token_encryption_key": key, "token_encryption_key_id": "k1",
                           "token_encryption_previous_keys": {"k1": key}}),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("token_encryption_previous_keys lists the current key id \"k1\""),
        "{err}"
    );
}
