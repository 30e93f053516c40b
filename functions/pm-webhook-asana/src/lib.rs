//! `POST /api/webhooks/asana/{integrationId}?hook={registration}`: the `X-Hook-Secret` handshake
//! of a webhook we are creating right now, heartbeats, and event batches signed with that secret
//! (`X-Hook-Signature`, HMAC-SHA256 of the raw body), each verified before anything is used.

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::SecretString;
use shared::error::ApiError;
use shared::pm::asana;
use shared::pm::deliveries::{accepted, header, parse_body};
use shared::pm::store::deliveries::{accept_asana_handshake, asana_webhook_secret};
use shared::pm::store::webhook_secret_context;
use shared::pm::sync::PmJob;
use shared::web::{body_bytes, path_id};
use uuid::Uuid;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    match delivery(state, &req).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn delivery(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let integration_id =
        path_id(req, "integrationId").map_err(|_| ApiError::not_found("no such webhook"))?;
    let hook: Uuid = req
        .query_string_parameters()
        .first("hook")
        .and_then(|h| h.parse().ok())
        .ok_or_else(|| ApiError::not_found("no such webhook"))?;
    // Nothing without Asana's proof reaches the database: the secret's handshake or a signature.
    // (Asana's signing secret is per webhook, so checking a signature needs one primary-key read.)
    if header(req, "x-hook-secret").is_none() && header(req, "x-hook-signature").is_none() {
        return Err(ApiError::unauthorized(
            "an X-Hook-Secret handshake or an X-Hook-Signature is required",
        ));
    }
    let pool = state.db.pool().await?;
    if let Some(secret) = header(req, "x-hook-secret") {
        // Only for a registration whose creation is in flight (its window is open): a stranger
        // cannot plant a secret on an existing or closed registration.
        let sealed = state.cipher.seal(
            &SecretString::from(secret.to_owned()),
            &webhook_secret_context(hook),
        );
        let key_id = state.cipher.current_key_id();
        if !accept_asana_handshake(pool, hook, integration_id, &sealed, key_id).await? {
            return Err(ApiError::forbidden(
                "no webhook is being created for this target",
            ));
        }
        return Response::builder()
            .status(StatusCode::OK)
            .header("X-Hook-Secret", secret)
            .body(Body::Empty)
            .map_err(ApiError::internal);
    }
    let Some((sealed, key_id)) = asana_webhook_secret(pool, hook, integration_id).await? else {
        return Err(ApiError::unauthorized("unknown webhook"));
    };
    let secret = state
        .cipher
        .open(&key_id, &sealed, &webhook_secret_context(hook))
        .map_err(ApiError::internal)?;
    if !asana::verify_signature(&secret, body_bytes(req), header(req, "x-hook-signature")) {
        return Err(ApiError::unauthorized("bad X-Hook-Signature"));
    }
    let body = parse_body(req)?;
    let task_ids =
        asana::tasks_named(&body).map_err(|e| ApiError::bad_request("invalid_payload", e))?;
    if task_ids.is_empty() {
        // A heartbeat (or events about nothing we keep).
        return accepted(false);
    }
    // Asana delivers at most once and without ids: no dedupe key; refetching twice is harmless.
    let job = PmJob::Refetch {
        integration_id,
        task_ids,
    };
    accepted(state.deliveries.enqueue_once(None, vec![job]).await?)
}
