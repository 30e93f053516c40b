//! `GET /api/businesses/{id}/projects`: the synced and manual projects with their client links
//! (stale ones, whose integration was removed, last).

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use shared::admin::openapi::RefusedOrMissing;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::store::overview::{self, ProjectList};

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    match *req.method() {
        Method::GET => projects(state, business_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/projects", operation_id = "listProjects", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = ProjectList), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn projects(state: &State, business_id: BusinessId) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    shared::store::require_business(pool, business_id).await?;
    ok(
        StatusCode::OK,
        &ProjectList {
            projects: overview::projects(pool, business_id, None).await?,
        },
    )
}
