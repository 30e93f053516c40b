//! `GET /api/openapi.json`: the admin API's OpenAPI 3.1 document, generated from the handlers'
//! `#[utoipa::path]` annotations and the types they read and write. A test holds its paths to the
//! admin routes in template.yaml.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::error::ApiError;

/// The error shape of every 4xx and 5xx answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable, e.g. `invalid_field`, `forbidden`, `phone_number_taken`.
    pub code: String,
    /// For people; a field error starts with the field's name.
    pub message: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        http.description =
            Some("An access token from POST /api/auth/login (HS256, 15 minutes).".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "StudioConnect AI admin API", version = "1.0.0",
        description = "Per-tenant administration: agent configuration, clients, qualification questions, urgency keywords, leads, calls, project-management integrations and the ElevenLabs agent. Every route except login takes a bearer token; a token only reaches its own business unless it is a platform admin's."),
    paths(
        super::login::handle,
        super::business::get, super::business::put,
        super::agent_config::get, super::agent_config::put,
        super::clients::list, super::clients::create,
        super::clients::get, super::clients::put, super::clients::delete,
        super::questions::get, super::questions::put,
        super::urgency::get, super::urgency::put,
        super::leads::list, super::leads::get, super::leads::patch,
        super::calls::list, super::calls::get,
        super::agent_sync::sync,
        super::integrations::connect, super::integrations::list, super::integrations::delete,
        super::integrations::projects, super::integrations::get_client_projects,
        super::integrations::put_client_projects,
        document,
    ),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "business"), (name = "agent"), (name = "clients"),
        (name = "questions"), (name = "urgency"), (name = "leads"), (name = "calls"), (name = "integrations"), (name = "meta")),
)]
pub struct AdminApi;

#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "this document", content_type = "application/json")))]
pub fn document() -> utoipa::openapi::OpenApi {
    AdminApi::openapi()
}

pub fn handle(req: &Request) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::GET {
        return Err(super::method_not_allowed(req));
    }
    Ok(crate::web::json_response(StatusCode::OK, &document()))
}
