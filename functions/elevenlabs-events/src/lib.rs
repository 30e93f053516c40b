//! `POST /api/voice/elevenlabs-events`: ElevenLabs' post-call webhooks (reference elevenlabs.md §2).
//! Only ElevenLabs' real contract is served (`{"type", "event_timestamp", "data"}`), not the seed's
//! simplified `event_type: "conversation.completed"` body, which ElevenLabs never sends.
//!
//! The signature is verified over the raw bytes first (401, nothing stored or queued, on any doubt).
//! A first delivery of a transcription or initiation failure is made durable (queued for the
//! call-summary worker) before the 200; redeliveries get a 200 and queue nothing; audio and unknown
//! event types get a 200 so ElevenLabs never disables the webhook over them.

use lambda_http::{Body, Request, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use shared::domain::text::parse_vendor_json;
use shared::elevenlabs::webhook::{EventType, SIGNATURE_HEADER, event_head, verify_signature};
use shared::error::ApiError;
use shared::post_call::intake::{Accepted, IntakeError};
use shared::web::{body_bytes, json_response, respond};

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let raw = body_bytes(req);
    let header = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    verify_signature(
        header,
        raw,
        state.secret.expose_secret().as_bytes(),
        (state.now)(),
    )
    .map_err(|e| {
        tracing::warn!(reason = %e, "post-call webhook refused");
        ApiError::unauthorized(e.to_string())
    })?;

    // ElevenLabs signed it: a character Postgres cannot store (a NUL in a transcript) is dropped,
    // not the event (a refusal would count toward ElevenLabs disabling the webhook).
    let event: Value = parse_vendor_json(raw)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("invalid JSON body: {e}")))?;
    let (event_type, conversation_id) = event_head(&event).map_err(|reason| {
        ApiError::bad_request(
            "invalid_event",
            format!("not an ElevenLabs webhook event: {reason}"),
        )
    })?;
    let Some(kind) = EventType::parse(event_type) else {
        tracing::info!(event_type, "unknown post-call event type; ignored");
        return Ok(ack("ignored"));
    };
    if kind == EventType::PostCallAudio {
        // Audio is not kept (the transcript is); acknowledge so ElevenLabs counts it delivered.
        return Ok(ack("acknowledged"));
    }
    let conversation_id = conversation_id.map(str::to_owned).ok_or_else(|| {
        ApiError::bad_request("invalid_event", "data.conversation_id is required")
    })?;
    match state
        .intake
        .accept(kind.as_str(), &conversation_id, raw, event)
        .await
    {
        Ok(Accepted::Queued { message_id, stored }) => {
            tracing::info!(
                conversation_id,
                event_type = kind.as_str(),
                message_id,
                stored,
                "post-call event queued"
            );
            Ok(ack("queued"))
        }
        Ok(Accepted::Duplicate) => {
            tracing::info!(
                conversation_id,
                event_type = kind.as_str(),
                "redelivered post-call event; already queued"
            );
            Ok(ack("duplicate"))
        }
        Err(IntakeError::Busy) => Err(ApiError::unavailable(
            "this event is being processed by another delivery; retry",
        )),
        Err(e @ IntakeError::Unavailable(_)) => {
            tracing::error!(conversation_id, error = %e, "post-call event NOT made durable; asking ElevenLabs to retry");
            Err(ApiError::unavailable(
                "the event could not be stored; retry",
            ))
        }
    }
}

fn ack(status: &str) -> Response<Body> {
    json_response(http::StatusCode::OK, &json!({ "status": status }))
}
