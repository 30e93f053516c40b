//! `GET /api/businesses/{id}/projects`: the synced and manual projects with their client links,
//! in cursor pages (live ones first, then those whose integration was removed; newest first
//! within each), searched by name.

use http::Method;
use lambda_http::{Body, Request, Response};

use shared::admin::listing::{self, Listing};
use shared::admin::method_not_allowed;
use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::admin::request::{Page, Query};
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::store::overview::{self, ProjectFilter, ProjectSummary};
use shared::store::Keyset;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    match *req.method() {
        Method::GET => listing::page::<Projects>(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

/// The business's projects.
pub struct Projects;

impl Listing for Projects {
    type Filter = ProjectFilter;
    type Row = ProjectSummary;
    const LIST: &'static str = "projects";

    fn filter(q: &mut Query, page: Keyset) -> Result<ProjectFilter, ApiError> {
        Ok(ProjectFilter {
            search: q.text("search"),
            client_id: None,
            page,
        })
    }

    async fn list(
        pool: &PgPool,
        business_id: BusinessId,
        f: &ProjectFilter,
    ) -> Result<Vec<ProjectSummary>, ApiError> {
        overview::project_page(pool, business_id, f).await
    }
}

/// The list operation, as the OpenAPI document describes it.
#[utoipa::path(get, path = "/api/businesses/{id}/projects", operation_id = "listProjects", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("search" = Option<String>, Query, description = "part of the project's name")),
    responses((status = 200, body = Page<ProjectSummary>), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn list() {}
