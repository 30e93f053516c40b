//! `GET/PUT /api/businesses/{id}/clients/{clientId}/projects`: the projects linked to a client.
//! An admin's link (or unlink) always beats the automatic matching rule.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use shared::admin::openapi::{ErrorBody, RefusedOrMissing};
use shared::admin::request::{invalid, path_id};
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::store::overview::{self, LinkRefusal, ProjectList};
use shared::store::clients;
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

pub const MAX_LINKED: usize = 500;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectLinks {
    /// The projects this client has, replacing the current list (at most 500).
    pub project_ids: Vec<Uuid>,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    match *req.method() {
        Method::GET => get(state, business_id, path_id(req, "clientId")?).await,
        Method::PUT => put(state, business_id, path_id(req, "clientId")?, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

fn no_such_client() -> ApiError {
    ApiError::not_found("no such client")
}

#[utoipa::path(get, path = "/api/businesses/{id}/clients/{clientId}/projects", operation_id = "getClientProjects", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    responses((status = 200, body = ProjectList), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn get(
    state: &State,
    business_id: BusinessId,
    client_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    if !clients::exists(&mut *pool.acquire().await?, business_id, client_id).await? {
        return Err(no_such_client());
    }
    ok(
        StatusCode::OK,
        &ProjectList {
            projects: overview::client_projects(pool, business_id, client_id, MAX_LINKED as i64)
                .await?,
        },
    )
}

#[utoipa::path(put, path = "/api/businesses/{id}/clients/{clientId}/projects", operation_id = "replaceClientProjects", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    request_body = ProjectLinks,
    responses((status = 200, body = ProjectList),
        (status = 400, body = ErrorBody, description = "an id is not one of this business's projects"),
        RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn put(
    state: &State,
    business_id: BusinessId,
    client_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let links: ProjectLinks = parse_json(req)?;
    if links.project_ids.len() > MAX_LINKED {
        return Err(invalid(
            "project_ids",
            format!("at most {MAX_LINKED} projects"),
        ));
    }
    let pool = state.db.pool().await?;
    match overview::link_client_projects(pool, business_id, client_id, &links.project_ids).await? {
        Ok(()) => {}
        Err(LinkRefusal::NoSuchClient) => return Err(no_such_client()),
        Err(LinkRefusal::UnknownProject(unknown)) => {
            return Err(invalid(
                "project_ids",
                format!("{unknown} is not one of this business's projects"),
            ));
        }
    }
    ok(
        StatusCode::OK,
        &ProjectList {
            projects: overview::client_projects(pool, business_id, client_id, MAX_LINKED as i64)
                .await?,
        },
    )
}
