//! `GET /api/businesses/{id}/integrations`: the business's project-management connections, their
//! status and sync health, and the providers this deployment can connect.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use shared::admin::openapi::RefusedOrMissing;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::Provider;
use shared::pm::store::overview::{self, Integration};

mod config;

pub use config::{SECRETS, State, state};

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    pub integrations: Vec<Integration>,
    /// Providers this deployment can connect.
    #[schema(value_type = Vec<String>)]
    pub available: Vec<Provider>,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.admin.business(req).await?;
    match *req.method() {
        Method::GET => list(state, business_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/integrations", operation_id = "listIntegrations", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = IntegrationList), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn list(state: &State, business_id: BusinessId) -> Result<Response<Body>, ApiError> {
    let pool = state.admin.db.pool().await?;
    ok(
        StatusCode::OK,
        &IntegrationList {
            integrations: overview::integrations(pool, business_id).await?,
            available: state.pm.offered.clone(),
        },
    )
}
