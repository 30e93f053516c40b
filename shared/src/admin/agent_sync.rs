//! `POST /api/businesses/{id}/agent/sync`: creates or updates the business's ElevenLabs agent,
//! its tools and numbers (see `crate::agent_manager`). Owners and platform admins only.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use uuid::Uuid;

use super::{AdminState, method_not_allowed, ok};
use crate::agent_manager::{SyncError, SyncReport};
use crate::error::ApiError;

#[utoipa::path(post, path = "/api/businesses/{id}/agent/sync", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = SyncReport),
        (status = 401, body = crate::admin::openapi::ErrorBody), (status = 403, body = crate::admin::openapi::ErrorBody),
        (status = 404, body = crate::admin::openapi::ErrorBody),
        (status = 409, body = crate::admin::openapi::ErrorBody, description = "a sync of this business is already running"),
        (status = 502, body = crate::admin::openapi::ErrorBody, description = "ElevenLabs refused; the message is theirs")),
    security(("bearer" = [])))]
pub(crate) async fn sync(
    state: &AdminState,
    business_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let manager = state
        .agents
        .as_ref()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("agent manager not configured")))?;
    match manager.sync(business_id).await {
        Ok(report) => ok(StatusCode::OK, &report),
        Err(e) => Err(sync_error(e)),
    }
}

pub fn sync_error(e: SyncError) -> ApiError {
    match e {
        SyncError::NoSuchBusiness => ApiError::not_found("no such business"),
        SyncError::Busy => ApiError::conflict("sync_in_progress", e.to_string()),
        SyncError::ElevenLabs(message) => {
            ApiError::new(StatusCode::BAD_GATEWAY, "elevenlabs_error", message)
        }
        SyncError::Config(message) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_configured", message)
        }
        SyncError::Database(e) => e.into(),
        SyncError::Other(e) => ApiError::internal(e),
    }
}

pub async fn handle(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::POST => sync(state, business_id).await,
        _ => Err(method_not_allowed(req)),
    }
}
