//! After the call: ElevenLabs' post-call events made durable on arrival (`intake`), then turned
//! into a conversation, a call log, a lead or client note, and a notification by the call-summary
//! worker (`functions/call-summary-worker`), with the queries (`store`) and the email (`notify`).

pub mod intake;
pub mod notify;
pub mod store;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::jobs::Job;

/// One post-call event on the call-summary queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallEventJob {
    /// ElevenLabs' `type`: `post_call_transcription` or `call_initiation_failure`.
    pub event_type: String,
    pub conversation_id: String,
    pub payload: Payload,
}

impl Job for CallEventJob {
    const KIND: &'static str = "elevenlabs_call_event";
}

/// The event itself, or where it was kept when too large for a queue message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum Payload {
    Inline { event: serde_json::Value },
    Stored { payload_id: Uuid },
}

/// The idempotency key of an event: ElevenLabs may deliver the same one several times, and the
/// reconciliation may find it too.
pub fn event_key(event_type: &str, conversation_id: &str) -> String {
    format!("elevenlabs-event#{event_type}#{conversation_id}")
}

/// The idempotency key of a call's notification email.
pub fn notification_key(conversation_id: &str) -> String {
    format!("call-notification#{conversation_id}")
}
