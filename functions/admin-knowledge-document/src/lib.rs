//! `GET/PUT/DELETE /api/businesses/{id}/knowledge/documents/{documentId}`: one document with its
//! text; replaced by new content (a new version, indexed again: its old passages answer until the
//! new ones are swapped in), or deleted with its passages.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use uuid::Uuid;

use shared::admin::knowledge::{DocumentInput, content_of, enqueue};
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::path_id;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::knowledge::store::{self, Document};

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.admin.business(req).await?;
    let document_id = path_id(req, "documentId")?;
    match *req.method() {
        Method::GET => get(state, business_id, document_id).await,
        Method::PUT => put(state, business_id, document_id, req).await,
        Method::DELETE => delete(state, business_id, document_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/knowledge/documents/{documentId}", operation_id = "getKnowledgeDocument", tag = "knowledge",
    params(("id" = Uuid, Path, description = "business id"), ("documentId" = Uuid, Path)),
    responses((status = 200, body = Document), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn get(
    state: &State,
    business_id: BusinessId,
    document_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.admin.db.pool().await?;
    ok(
        StatusCode::OK,
        &store::load(pool, business_id, document_id).await?,
    )
}

/// Replaces the document: the same forms as creating one.
#[utoipa::path(put, path = "/api/businesses/{id}/knowledge/documents/{documentId}", operation_id = "replaceKnowledgeDocument", tag = "knowledge",
    params(("id" = Uuid, Path, description = "business id"), ("documentId" = Uuid, Path),
        ("title" = Option<String>, Query, description = "a file's title (required with a file body)"),
        ("client_id" = Option<Uuid>, Query, description = "a file's client scope"),
        ("file_name" = Option<String>, Query, description = "the file's name, shown in the list")),
    request_body(content(
        (DocumentInput = "application/json"),
        (Vec<u8> = "application/pdf"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (String = "text/html"),
        (String = "text/markdown"),
        (String = "text/plain"))),
    responses((status = 202, body = Document, description = "saved; indexing is queued"), Invalid, RefusedOrMissing,
        (status = 413, body = ErrorBody, description = "the file is larger than 4 MiB"),
        (status = 415, body = ErrorBody, description = "the file's type is not accepted")),
    security(("bearer" = [])))]
pub async fn put(
    state: &State,
    business_id: BusinessId,
    document_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let pool = state.admin.db.pool().await?;
    // A missing document is a 404 before its content is read (or a page fetched).
    store::load(pool, business_id, document_id).await?;
    let content = content_of(state, req).await?;
    store::check_client(pool, business_id, content.client_id).await?;
    let version = store::replace(pool, business_id, document_id, &content).await?;
    enqueue(state, document_id, version).await?;
    ok(
        StatusCode::ACCEPTED,
        &store::load(pool, business_id, document_id).await?,
    )
}

#[utoipa::path(delete, path = "/api/businesses/{id}/knowledge/documents/{documentId}", operation_id = "deleteKnowledgeDocument", tag = "knowledge",
    params(("id" = Uuid, Path, description = "business id"), ("documentId" = Uuid, Path)),
    responses((status = 204, description = "deleted, with its passages"), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn delete(
    state: &State,
    business_id: BusinessId,
    document_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.admin.db.pool().await?;
    store::delete(pool, business_id, document_id).await?;
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}
