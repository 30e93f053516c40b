//! `POST /api/businesses/{id}/agent/sync`: creates or updates the business's ElevenLabs agent, its
//! tools and numbers (see `shared::agent_manager`). Owners and platform admins only.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use shared::admin::openapi::{ErrorBody, RefusedOrMissing};
use shared::admin::{method_not_allowed, ok};
use shared::agent_manager::{SyncError, SyncReport};
use shared::domain::BusinessId;
use shared::error::ApiError;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.admin.business(req).await?;
    match *req.method() {
        Method::POST => sync(state, business_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(post, path = "/api/businesses/{id}/agent/sync", operation_id = "syncAgent", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = SyncReport), RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "a sync of this business is already running"),
        (status = 502, body = ErrorBody, description = "ElevenLabs refused; the message is theirs")),
    security(("bearer" = [])))]
pub async fn sync(state: &State, business_id: BusinessId) -> Result<Response<Body>, ApiError> {
    match state.agents.sync(business_id).await {
        Ok(report) => ok(StatusCode::OK, &report),
        Err(e) => Err(sync_error(e)),
    }
}

/// How a failed sync reads over HTTP.
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
