//! `POST /api/webhooks/monday/{integrationId}`: the creation challenge is echoed; events need the
//! `Authorization` JWT (HS256 with the app's signing secret, `exp`), whose account must be the
//! integration's, and are deduplicated per integration on `triggerUuid`.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::error::ApiError;
use shared::pm::deliveries::{accepted, header, parse_body};
use shared::pm::monday;
use shared::pm::store::deliveries::monday_account;
use shared::pm::sync::PmJob;
use shared::web::{json_response, path_id, respond};

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    respond(delivery(state, &req).await)
}

async fn delivery(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let integration_id =
        path_id(req, "integrationId").map_err(|_| ApiError::not_found("no such webhook"))?;
    let body = parse_body(req)?;
    if let Some(challenge) = body.get("challenge") {
        // monday's creation handshake: echo it, or create_webhook fails. It proves only that this
        // URL answers; nothing is trusted from it.
        return Ok(json_response(
            StatusCode::OK,
            &json!({ "challenge": challenge }),
        ));
    }
    let account =
        monday::verify_delivery(&state.monday_signing_secret, header(req, "authorization"))
            .map_err(ApiError::unauthorized)?;
    let pool = state.db.pool().await?;
    let Some(tenant) = monday_account(pool, integration_id).await? else {
        return Err(ApiError::not_found("no such integration"));
    };
    // The token must name this integration's account: a token for another account (or none)
    // cannot queue work here.
    if account.as_deref() != Some(tenant.as_str()) {
        return Err(ApiError::unauthorized(
            "the delivery is not for this account",
        ));
    }
    let event: monday::Event = serde_json::from_value(body["event"].clone()).map_err(|e| {
        ApiError::bad_request("invalid_payload", format!("not a monday event: {e}"))
    })?;
    let Some(item) = event.item_id() else {
        return accepted(false);
    };
    let key = event
        .trigger_uuid
        .as_ref()
        // Per integration: two businesses may connect the same monday account.
        .map(|u| format!("pm:monday:{integration_id}:{u}"));
    let job = PmJob::Refetch {
        integration_id,
        task_ids: vec![item],
    };
    accepted(state.deliveries.enqueue_once(key, vec![job]).await?)
}
