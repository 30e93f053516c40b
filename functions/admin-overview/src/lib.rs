//! `GET /api/businesses/{id}/overview`: the dashboard's first page. Today and the last 7 days in
//! the business's time zone, urgent leads waiting, the agent's sync state, integration health
//! (`shared::store::overview`, one query per figure group). Members may read it.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use shared::admin::openapi::RefusedOrMissing;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::store::overview::{self, Overview};

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    match *req.method() {
        Method::GET => get(state, business_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/overview", operation_id = "getOverview", tag = "business",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = Overview), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn get(state: &State, business_id: BusinessId) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    let now = (state.now)();
    ok(
        StatusCode::OK,
        &overview::load(pool, business_id, now).await?,
    )
}
