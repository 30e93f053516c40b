//! `GET /api/businesses/{id}/calls/{callId}`: one call with its transcript, summary, cost and lead.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use uuid::Uuid;

use shared::admin::openapi::RefusedOrMissing;
use shared::admin::request::path_id;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::store::calls::{self, CallDetail};

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    let call_id = path_id(req, "callId")?;
    match *req.method() {
        Method::GET => get(state, business_id, call_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/calls/{callId}", operation_id = "getCall", tag = "calls",
    params(("id" = Uuid, Path, description = "business id"), ("callId" = Uuid, Path)),
    responses((status = 200, body = CallDetail), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn get(
    state: &State,
    business_id: BusinessId,
    call_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(
        StatusCode::OK,
        &calls::load(pool, business_id, call_id).await?,
    )
}
