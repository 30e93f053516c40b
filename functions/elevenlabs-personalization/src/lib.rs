//! `POST /api/voice/elevenlabs-personalization`: ElevenLabs asks, while the phone rings, how to
//! start the call. The answer is always a 200 with a complete `conversation_initiation_client_data`
//! (platform defaults when the business is unknown or anything fails within the time budget); the only
//! refusals are a missing or wrong secret header (401) and a body that is not JSON (400).

use std::time::{Duration, Instant};

use lambda_http::{Body, Request, Response};
use shared::elevenlabs::initiation::{InitiationRequest, InitiationResponse};
use shared::error::ApiError;
use shared::personalization::{Personalization, personalize, platform_default};
use shared::phone::E164;
use shared::store::call_context::{CallKeys, load_call_context};
use shared::web::{json_response, parse_json, respond};

mod config;

pub use config::{SECRETS, State};

pub use shared::elevenlabs::initiation::DEFAULT_SECRET_HEADER;
/// The whole lookup must finish within this, unless `PERSONALIZATION_BUDGET_MS` says otherwise.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(800);

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    state.secret.verify(req)?;
    let body: serde_json::Value = parse_json(req)?;
    let call = InitiationRequest::from_json(&body);
    let personalization = personalization_for(state, &call).await;
    Ok(json_response(
        http::StatusCode::OK,
        &InitiationResponse::from(personalization),
    ))
}

/// Never fails: any fault or slowness yields the platform defaults, with a warning in the log.
async fn personalization_for(state: &State, call: &InitiationRequest) -> Personalization {
    let started = Instant::now();
    let called = normalise("called_number", call.called_number.as_deref());
    let caller = normalise("caller_id", call.caller_id.as_deref());
    let keys = CallKeys {
        called: called.as_ref(),
        caller: caller.as_ref(),
        agent_id: call.agent_id.as_deref(),
        conversation_id: call.conversation_id.as_deref(),
        call_sid: call.call_sid.as_deref(),
    };
    let lookup = async {
        let pool = state.db.pool().await.map_err(|e| e.to_string())?;
        match load_call_context(pool, &state.configs, &keys).await {
            // A pooled connection used within the last second is not pinged first (shared::db):
            // one that died since (a database restart) fails once; a fresh one is tried, within
            // the same budget.
            Err(error) if error.is_connection_lost() => {
                tracing::warn!(%error, "the database connection was lost; trying another");
                load_call_context(pool, &state.configs, &keys).await
            }
            other => other,
        }
        .map_err(|e| e.to_string())
    };
    let outcome = tokio::time::timeout(state.budget, lookup).await;
    let conversation_id = call.conversation_id.as_deref().unwrap_or("");
    match outcome {
        Ok(Ok(Some(ctx))) => {
            let person = if ctx.outbound {
                called.as_ref()
            } else {
                caller.as_ref()
            };
            let p = personalize(&ctx, person, (state.now)());
            tracing::info!(
                conversation_id,
                known_client = ctx.client.is_some(),
                elapsed_us = started.elapsed().as_micros() as u64,
                "personalized"
            );
            p
        }
        Ok(Ok(None)) => {
            tracing::warn!(conversation_id, called = ?call.called_number, agent_id = ?call.agent_id, "no business for this call; platform defaults");
            platform_default(caller.as_ref())
        }
        Ok(Err(error)) => {
            tracing::warn!(conversation_id, %error, "lookup failed; platform defaults");
            platform_default(caller.as_ref())
        }
        Err(_) => {
            tracing::warn!(
                conversation_id,
                budget_ms = state.budget.as_millis() as u64,
                "lookup over budget; platform defaults"
            );
            platform_default(caller.as_ref())
        }
    }
}

fn normalise(field: &str, value: Option<&str>) -> Option<E164> {
    let value = value?;
    match E164::from_carrier(value) {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(field, error = %e, "not an E.164 number; ignored");
            None
        }
    }
}
