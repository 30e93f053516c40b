//! ElevenLabs' post-call webhooks (reference elevenlabs.md §2): the HMAC signature and the events.
//! The signature is checked over the raw bytes before anything is parsed.

use crate::domain::ConversationId;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

/// The header ElevenLabs signs post-call webhooks with.
pub const SIGNATURE_HEADER: &str = "elevenlabs-signature";
/// ElevenLabs' SDKs refuse older signatures; newer ones (clock skew) are accepted, as they do.
pub const MAX_SIGNATURE_AGE_SECS: i64 = 30 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the ElevenLabs-Signature header is missing")]
    Missing,
    #[error("the ElevenLabs-Signature header is not `t=<unix>,v0=<hex>`")]
    Malformed,
    #[error("the signature timestamp is older than 30 minutes")]
    Stale,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks `t=<unix>,v0=<hex>` = HMAC-SHA256(secret, "<t>.<raw body>"), in constant time.
pub fn verify_signature(
    header: Option<&str>,
    raw_body: &[u8],
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t),
            Some(("v0", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    let t: i64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // Checked: an absurd timestamp is refused, never an arithmetic overflow.
    match now.timestamp().checked_sub(t) {
        Some(age) if age <= MAX_SIGNATURE_AGE_SECS => {}
        _ => return Err(SignatureError::Stale),
    }
    let mac = mac(secret, timestamp, raw_body);
    // `verify_slice` compares in constant time; several v0 entries allow secret rotation.
    let matched = signatures
        .iter()
        .any(|sig| hex::decode(sig).is_ok_and(|sig| mac.clone().verify_slice(&sig).is_ok()));
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Builds a valid header for `body` at `t`: used by tests, fixtures and the benchmark.
pub fn sign(body: &[u8], secret: &[u8], t: i64) -> String {
    let mac = mac(secret, &t.to_string(), body);
    format!("t={t},v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// HMAC-SHA256 over `"<t>.<body>"`, keyed with the webhook secret.
fn mac(secret: &[u8], t: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The event types we act on; anything else is acknowledged and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    PostCallTranscription,
    CallInitiationFailure,
    PostCallAudio,
}

impl EventType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "post_call_transcription" => Some(Self::PostCallTranscription),
            "call_initiation_failure" => Some(Self::CallInitiationFailure),
            "post_call_audio" => Some(Self::PostCallAudio),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PostCallTranscription => "post_call_transcription",
            Self::CallInitiationFailure => "call_initiation_failure",
            Self::PostCallAudio => "post_call_audio",
        }
    }
}

/// `{"type", "event_timestamp", "data"}`. `data` stays raw here: the worker parses it by type.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub event_timestamp: Option<i64>,
    #[serde(default)]
    pub data: Value,
}

/// The envelope's `type` and `data.conversation_id`, read in place from a parsed body (the webhook
/// queues the body itself, so it is not copied into an `Envelope`).
pub fn event_head(event: &Value) -> Result<(&str, Option<&str>), &'static str> {
    let event_type = event
        .get("type")
        .and_then(Value::as_str)
        .ok_or("the event has no string `type`")?;
    let conversation_id = event
        .pointer("/data/conversation_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    Ok((event_type, conversation_id))
}

/// `post_call_transcription.data`, which is also what `GET /v1/convai/conversations/{id}` returns.
/// Unknown fields are ignored; everything but the ids is optional so a sparse event still lands.
#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub transcript: Vec<TranscriptTurn>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ConversationMetadata,
    #[serde(default, deserialize_with = "null_as_default")]
    pub analysis: Analysis,
    #[serde(default)]
    pub conversation_initiation_client_data: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TranscriptTurn {
    pub role: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub time_in_call_secs: Option<f64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_results: Vec<ToolResult>,
    #[serde(default)]
    pub interrupted: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ToolCall {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub tool_name: Option<String>,
    #[serde(default)]
    pub params_as_json: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ToolResult {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub tool_name: Option<String>,
    #[serde(default)]
    pub result_value: Option<String>,
    #[serde(default)]
    pub is_error: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConversationMetadata {
    #[serde(default)]
    pub start_time_unix_secs: Option<i64>,
    #[serde(default)]
    pub call_duration_secs: Option<i64>,
    /// Credits.
    #[serde(default)]
    pub cost: Option<i64>,
    /// Money; documented loosely, so either a number (USD) or `{amount|value, currency}`.
    #[serde(default)]
    pub cost_fiat: Option<Value>,
    #[serde(default)]
    pub termination_reason: Option<String>,
    #[serde(default)]
    pub main_language: Option<String>,
    #[serde(default)]
    pub phone_call: Option<PhoneCall>,
}

impl ConversationMetadata {
    /// (amount, ISO currency) from `cost_fiat`, whichever documented form it took.
    pub fn fiat_cost(&self) -> Option<(f64, String)> {
        match self.cost_fiat.as_ref()? {
            Value::Number(n) => Some((n.as_f64()?, "USD".into())),
            Value::Object(o) => {
                let amount = o.get("amount").or_else(|| o.get("value"))?;
                let amount = amount
                    .as_f64()
                    .or_else(|| amount.as_str().and_then(|s| s.parse().ok()))?;
                let currency = match o.get("currency").and_then(Value::as_str) {
                    None => "USD".to_owned(),
                    // An ISO 4217 code or nothing: a malformed one must not fail the call's record.
                    Some(c) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
                        c.to_ascii_uppercase()
                    }
                    Some(_) => return None,
                };
                Some((amount, currency))
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PhoneCall {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// inbound | outbound
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// Our number.
    #[serde(default)]
    pub agent_number: Option<String>,
    /// The other party's number.
    #[serde(default)]
    pub external_number: Option<String>,
    #[serde(default)]
    pub call_sid: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Analysis {
    /// success | failure | unknown
    #[serde(default)]
    pub call_successful: Option<String>,
    #[serde(default)]
    pub transcript_summary: Option<String>,
    #[serde(default)]
    pub call_summary_title: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub evaluation_criteria_results: std::collections::BTreeMap<String, CriteriaResult>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub data_collection_results: std::collections::BTreeMap<String, DataCollectionResult>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CriteriaResult {
    #[serde(default)]
    pub criteria_id: Option<String>,
    /// success | failure | unknown
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub rationale: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DataCollectionResult {
    #[serde(default)]
    pub data_collection_id: Option<String>,
    #[serde(default)]
    pub value: Value,
    #[serde(default)]
    pub rationale: Option<String>,
}

/// `call_initiation_failure.data`.
#[derive(Debug, Clone, Deserialize)]
pub struct InitiationFailure {
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub agent_id: Option<String>,
    /// busy | no-answer | unknown
    #[serde(default)]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub metadata: Option<FailureMetadata>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FailureMetadata {
    /// twilio | sip
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// For Twilio: its status-callback fields (`CallSid`, `CallStatus`, `SipResponseCode`, `To`, `From`,
    /// `Direction`, ...); for SIP: the SIP details.
    #[serde(default)]
    pub body: Value,
}

impl FailureMetadata {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &[u8] = b"wsec_test";

    fn at(t: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(t, 0).unwrap()
    }

    #[test]
    fn accepts_its_own_signature_and_rejects_tampering() {
        let body = br#"{"type":"post_call_transcription","data":{}}"#;
        let header = sign(body, SECRET, 1_700_000_000);
        assert_eq!(
            verify_signature(Some(&header), body, SECRET, at(1_700_000_100)),
            Ok(())
        );
        let tampered = br#"{"type":"post_call_transcription","data":{ }}"#;
        assert_eq!(
            verify_signature(Some(&header), tampered, SECRET, at(1_700_000_100)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(Some(&header), body, b"other", at(1_700_000_100)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn timestamp_window() {
        let body = b"{}";
        let header = sign(body, SECRET, 1_700_000_000);
        let limit = 1_700_000_000 + MAX_SIGNATURE_AGE_SECS;
        assert_eq!(
            verify_signature(Some(&header), body, SECRET, at(limit)),
            Ok(())
        );
        assert_eq!(
            verify_signature(Some(&header), body, SECRET, at(limit + 1)),
            Err(SignatureError::Stale)
        );
        // A timestamp from the future is accepted, as ElevenLabs' SDKs do.
        assert_eq!(
            verify_signature(Some(&header), body, SECRET, at(1_600_000_000)),
            Ok(())
        );
    }

    #[test]
    fn garbled_headers() {
        let now = at(1_700_000_000);
        for header in [
            "",
            "t=1700000000",
            "v0=abcd",
            "t=abc,v0=00",
            "garbage",
            "t=1700000000,v0=zz",
        ] {
            assert!(
                verify_signature(Some(header), b"{}", SECRET, now).is_err(),
                "{header:?} must be refused"
            );
        }
        assert_eq!(
            verify_signature(None, b"{}", SECRET, now),
            Err(SignatureError::Missing)
        );
        let absurd = format!("t={},v0=00", i64::MIN);
        assert_eq!(
            verify_signature(Some(&absurd), b"{}", SECRET, now),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn one_of_several_signatures_may_match() {
        let body = b"{}";
        let good = sign(body, SECRET, 1_700_000_000);
        let v0 = good.split_once("v0=").unwrap().1;
        let header = format!("t=1700000000,v0={},v0={v0}", "00".repeat(32));
        assert_eq!(
            verify_signature(Some(&header), body, SECRET, at(1_700_000_000)),
            Ok(())
        );
    }

    #[test]
    fn fiat_cost_forms() {
        let meta = |v: Value| ConversationMetadata {
            cost_fiat: Some(v),
            ..Default::default()
        };
        assert_eq!(
            meta(serde_json::json!(0.42)).fiat_cost(),
            Some((0.42, "USD".into()))
        );
        assert_eq!(
            meta(serde_json::json!({"amount": "1.5", "currency": "eur"})).fiat_cost(),
            Some((1.5, "EUR".into()))
        );
        assert_eq!(meta(serde_json::json!("n/a")).fiat_cost(), None);
        assert_eq!(
            meta(serde_json::json!({"amount": 2, "currency": "US$"})).fiat_cost(),
            None
        );
    }
}
