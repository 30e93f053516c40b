//! What the two knowledge document routes share (`admin-knowledge-documents` creates,
//! `admin-knowledge-document` replaces): reading a document's new content from a request, in
//! any of its forms, and queueing its indexing.
//!
//! A request carries either JSON (`DocumentInput`: typed text or markdown, or a URL to import) or
//! a file as its body, with its media type (PDF, DOCX, HTML, markdown, text) and the title and
//! scope as query parameters (`?title=...&client_id=...`). Files are read, and pages fetched, on
//! the request, so an unreadable file or a refused address is a 400 the owner sees at once;
//! cutting and embedding happen on the queue.

use http::header::CONTENT_TYPE;
use lambda_http::Request;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::AdminState;
use super::request::{Query, invalid};
use crate::domain::knowledge::document::{MAX_TITLE_CHARS, SourceKind};
use crate::error::ApiError;
use crate::jobs::JobQueue;
use crate::knowledge::KnowledgeJob;
use crate::knowledge::extract::{self, ExtractError};
use crate::knowledge::fetch::{FetchError, Importer};
use crate::knowledge::store::DocumentContent;
use crate::platform::Platform;

/// The document routes' state: the admin API's, the knowledge queue and the page importer.
pub struct KnowledgeState {
    pub admin: AdminState,
    pub queue: JobQueue<KnowledgeJob>,
    pub importer: Importer,
}

impl KnowledgeState {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            queue: JobQueue::new(
                platform.aws.sqs.clone(),
                &platform.settings.queues.knowledge,
            ),
            importer: Importer::new()?,
        })
    }
}

/// How typed text is read.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// Headings (`#`) become the passages' headings.
    #[default]
    Markdown,
    Text,
}

/// A document's content as JSON: `body` (typed or pasted) or `url` (a page to import), not both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// 1 to 200 characters.
    pub title: String,
    /// Only this client's callers hear it; absent or null: every caller.
    #[serde(default)]
    pub client_id: Option<Uuid>,
    #[serde(default)]
    pub format: TextFormat,
    /// The text, up to 1,000,000 characters.
    #[serde(default)]
    pub body: Option<String>,
    /// An http(s) page to import (fetched once, now; replace the document to fetch it again).
    #[serde(default)]
    pub url: Option<String>,
}

/// The content a create or replace request carries.
pub async fn content_of(
    state: &KnowledgeState,
    req: &Request,
) -> Result<DocumentContent, ApiError> {
    let media = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or("application/json");
    // Media types are case-insensitive (RFC 9110).
    if media
        .trim_start()
        .get(.."application/json".len())
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"))
    {
        let input: DocumentInput = crate::web::parse_json(req)?;
        return from_json(state, input).await;
    }
    let Some(kind) = extract::kind_of(media) else {
        return Err(ApiError::new(
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "file: {media} is not accepted; send one of {}",
                extract::ACCEPTED_TYPES
            ),
        ));
    };
    let mut query = Query::of(req)?;
    let title = query.text("title");
    let client_id = query
        .parsed::<Uuid>("client_id")
        .map_err(|_| invalid("client_id", "must be a client id"))?;
    let file_name = query.text("file_name");
    query.finish()?;
    let body = extract::extract(kind, crate::web::body_bytes(req).to_vec())
        .await
        .map_err(file_error)?;
    Ok(DocumentContent {
        title: checked_title(title.as_deref().unwrap_or_default())?,
        client_id,
        source_kind: kind,
        source_name: file_name.map(|n| n.chars().take(255).collect()),
        body,
    })
}

async fn from_json(
    state: &KnowledgeState,
    input: DocumentInput,
) -> Result<DocumentContent, ApiError> {
    let title = checked_title(&input.title)?;
    match (input.body, input.url) {
        (Some(body), None) => Ok(DocumentContent {
            title,
            client_id: input.client_id,
            source_kind: match input.format {
                TextFormat::Markdown => SourceKind::Markdown,
                TextFormat::Text => SourceKind::Text,
            },
            source_name: None,
            body: extract::checked_body(&body).map_err(|e| invalid("body", e))?,
        }),
        (None, Some(url)) => {
            let page = state.importer.import(&url).await.map_err(url_error)?;
            Ok(DocumentContent {
                title,
                client_id: input.client_id,
                source_kind: SourceKind::Url,
                source_name: Some(page.url),
                body: page.text,
            })
        }
        (Some(_), Some(_)) => Err(invalid("url", "give a body or a url, not both")),
        (None, None) => Err(invalid(
            "body",
            "give the text as body, or a page to import as url",
        )),
    }
}

fn checked_title(title: &str) -> Result<String, ApiError> {
    let title = title.trim();
    match title.chars().count() {
        0 => Err(invalid("title", "is required")),
        n if n > MAX_TITLE_CHARS => Err(invalid(
            "title",
            format!("at most {MAX_TITLE_CHARS} characters"),
        )),
        _ => Ok(title.to_owned()),
    }
}

fn file_error(e: ExtractError) -> ApiError {
    match e {
        ExtractError::TooLarge { .. } => ApiError::new(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!("file: {e}"),
        ),
        e => invalid("file", e),
    }
}

fn url_error(e: FetchError) -> ApiError {
    invalid("url", e)
}

/// Queues the indexing of `version`; if the queue cannot take it, the document reads `failed`
/// with the reason (saving it again retries), rather than `processing` forever. The save itself
/// stands and is answered as saved: a 5xx here would invite saving a new document again.
pub async fn enqueue(
    state: &KnowledgeState,
    document_id: Uuid,
    version: i32,
) -> Result<(), ApiError> {
    let job = KnowledgeJob::Index {
        document_id,
        version,
        reembed: false,
    };
    if let Err(e) = state.queue.send(&job).await {
        tracing::error!(error = %e, %document_id, "queueing the indexing failed");
        let pool = state.admin.db.pool().await?;
        crate::knowledge::store::mark_failed(
            pool,
            document_id,
            version,
            "it could not be queued for indexing; save it again",
        )
        .await?;
    }
    Ok(())
}
