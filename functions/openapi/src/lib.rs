//! `GET /api/openapi.json`: the admin API's OpenAPI 3.1 document, generated from the route crates'
//! `#[utoipa::path]` annotations and the types they read and write. Public, and granted no secret.
//! A test holds its paths to the admin routes in template.yaml.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use utoipa::OpenApi;

use shared::admin::method_not_allowed;
use shared::admin::openapi::BearerAuth;
use shared::domain::catalog::{CallDirection, CallStatus, LeadOrder, LeadStatus, Priority};
use shared::domain::knowledge::document::{DocumentStatus, SourceKind};
use shared::pm::Provider;

mod config;

pub use config::{SECRETS, State};

#[derive(OpenApi)]
#[openapi(
    info(title = "StudioConnect AI admin API", version = "1.0.0",
        description = "Per-tenant administration: agent configuration, clients, qualification questions, urgency keywords, leads, calls, project-management integrations, the knowledge base and the ElevenLabs agent. Every route except login, refresh and accepting an invitation takes a bearer token; a token only reaches its own business unless it is a platform admin's."),
    paths(
        auth_login::login, auth_refresh::refresh, auth_logout::logout, auth_password::change,
        auth_accept_invite::accept,
        admin_users::list, admin_users::invite, admin_user::patch, admin_user::delete,
        admin_businesses::list, admin_businesses::create,
        admin_business::get, admin_business::put,
        admin_agent_config::get, admin_agent_config::put,
        admin_clients::list, admin_clients::create,
        admin_client::get, admin_client::put, admin_client::delete,
        admin_qualification_questions::get, admin_qualification_questions::put,
        admin_urgency_keywords::get, admin_urgency_keywords::put,
        admin_leads::list, admin_lead::get, admin_lead::patch,
        admin_calls::list, admin_call::get, admin_overview::get, admin_agent_preview::post,
        admin_agent_options::get,
        admin_agent_sync::sync,
        admin_integration_connect::connect, admin_integrations::list, admin_integration::delete,
        admin_projects::list, admin_client_projects::get, admin_client_projects::put,
        admin_knowledge_documents::list, admin_knowledge_documents::create,
        admin_knowledge_document::get, admin_knowledge_document::put,
        admin_knowledge_document::delete, admin_knowledge_unanswered::list,
        document,
    ),
    // Closed sets only query parameters name (a body's types register their own).
    components(schemas(CallStatus, CallDirection, LeadOrder, LeadStatus, Priority, Provider,
        DocumentStatus, SourceKind)),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "business"), (name = "agent"), (name = "clients"),
        (name = "questions"), (name = "urgency"), (name = "leads"), (name = "calls"), (name = "integrations"), (name = "knowledge"), (name = "users"), (name = "meta")),
)]
pub struct AdminApi;

#[utoipa::path(get, path = "/api/openapi.json", operation_id = "getOpenApiDocument", tag = "meta",
    responses((status = 200, description = "this document", content_type = "application/json")))]
pub fn document() -> utoipa::openapi::OpenApi {
    AdminApi::openapi()
}

pub async fn handle(_: &State, req: Request) -> Response<Body> {
    if req.method() != Method::GET {
        return shared::web::respond(Err(method_not_allowed(&req)));
    }
    shared::web::json_response(StatusCode::OK, &document())
}
