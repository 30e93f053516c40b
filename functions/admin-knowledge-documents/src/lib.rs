//! `GET/POST /api/businesses/{id}/knowledge/documents`: the business's knowledge base (in cursor
//! pages, filtered by status) and a new document: typed text or markdown, a page to import, or a
//! file (PDF, DOCX, HTML, markdown, text). A new document reads `processing` until the ingestion
//! worker has indexed it (`ready`) or could not (`failed`, with the reason).

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use shared::admin::auth::Access;
use shared::admin::knowledge::{DocumentInput, content_of, enqueue};
use shared::admin::listing::{self, Listing};
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::{Page, Query, invalid};
use shared::admin::{method_not_allowed, ok};
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::domain::knowledge::document::DocumentStatus;
use shared::error::ApiError;
use shared::knowledge::store::{self, Document, DocumentFilter, DocumentSummary};
use shared::store::Keyset;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let (principal, business_id) = state
        .admin
        .authorize(req, Access::for_method(req.method()))
        .await?;
    match *req.method() {
        Method::GET => listing::page::<Documents>(&state.admin, business_id, req).await,
        Method::POST => create(state, business_id, principal.user_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

/// The business's documents, newest first.
pub struct Documents;

impl Listing for Documents {
    type Filter = DocumentFilter;
    type Row = DocumentSummary;
    const LIST: &'static str = "knowledge_documents";

    fn filter(q: &mut Query, page: Keyset) -> Result<DocumentFilter, ApiError> {
        let status = match q.text("status") {
            None => None,
            Some(s) => Some(
                DocumentStatus::parse(&s)
                    .ok_or_else(|| invalid("status", "must be processing, ready or failed"))?,
            ),
        };
        Ok(DocumentFilter { status, page })
    }

    async fn list(
        pool: &PgPool,
        business_id: BusinessId,
        f: &DocumentFilter,
    ) -> Result<Vec<DocumentSummary>, ApiError> {
        store::list(pool, business_id, f).await
    }
}

/// The list operation, as the OpenAPI document describes it.
#[utoipa::path(get, path = "/api/businesses/{id}/knowledge/documents", operation_id = "listKnowledgeDocuments", tag = "knowledge",
    params(("id" = Uuid, Path, description = "business id"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("status" = Option<DocumentStatus>, Query, description = "only documents in this state")),
    responses((status = 200, body = Page<DocumentSummary>), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn list() {}

/// Adds a document. JSON (`DocumentInput`) for text or a page; any other body is a file of its
/// `Content-Type`, titled by the `title` query parameter.
#[utoipa::path(post, path = "/api/businesses/{id}/knowledge/documents", operation_id = "createKnowledgeDocument", tag = "knowledge",
    params(("id" = Uuid, Path, description = "business id"),
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
pub async fn create(
    state: &State,
    business_id: BusinessId,
    user_id: uuid::Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let content = content_of(state, req).await?;
    let pool = state.admin.db.pool().await?;
    store::check_client(pool, business_id, content.client_id).await?;
    let document_id = store::create(pool, business_id, &content, Some(user_id)).await?;
    enqueue(state, document_id, 1).await?;
    ok(
        StatusCode::ACCEPTED,
        &store::load(pool, business_id, document_id).await?,
    )
}
