//! The knowledge base's documents and passages in Postgres: what the admin routes read and write,
//! and the ingestion worker's atomic swap of a document's passages.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::BusinessId;
use crate::domain::knowledge::document::{DocumentStatus, SourceKind};
use crate::error::ApiError;
use crate::store::{Keyed, Keyset};

/// A document as the dashboard lists it (without its text).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentSummary {
    pub id: Uuid,
    pub title: String,
    /// The client whose callers alone hear it; absent: every caller of the business.
    pub client_id: Option<Uuid>,
    pub client_name: Option<String>,
    #[schema(value_type = SourceKind)]
    pub source_kind: String,
    /// The file's name or the URL it was imported from.
    pub source_name: Option<String>,
    pub version: i32,
    #[schema(value_type = DocumentStatus)]
    pub status: String,
    /// Why indexing failed (status `failed`).
    pub failure_reason: Option<String>,
    /// Passages of the version indexed last.
    pub passage_count: i32,
    /// Characters of text.
    pub characters: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub indexed_at: Option<DateTime<Utc>>,
}

impl Keyed for DocumentSummary {
    fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }
}

/// A document with its text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    #[serde(flatten)]
    pub summary: DocumentSummary,
    pub body: String,
}

/// What a new version of a document is: its text and where it came from.
#[derive(Debug, Clone)]
pub struct DocumentContent {
    pub title: String,
    pub client_id: Option<Uuid>,
    pub source_kind: SourceKind,
    pub source_name: Option<String>,
    pub body: String,
}

/// The filter of the documents list.
pub struct DocumentFilter {
    pub status: Option<DocumentStatus>,
    pub page: Keyset,
}

/// One page of the business's documents, newest first.
pub async fn list(
    pool: &PgPool,
    business_id: BusinessId,
    f: &DocumentFilter,
) -> Result<Vec<DocumentSummary>, ApiError> {
    Ok(sqlx::query_as!(
        DocumentSummary,
        r#"SELECT d.id, d.title, d.client_id, c.name AS "client_name?", d.source_kind,
                  d.source_name, d.version, d.status, d.failure_reason, d.passage_count,
                  length(d.body) AS "characters!", d.created_at, d.updated_at, d.indexed_at
           FROM knowledge_documents d LEFT JOIN clients c ON c.id = d.client_id
           WHERE d.business_id = $1 AND (d.created_at, d.id) < ($2, $3)
             AND ($5::text IS NULL OR d.status = $5)
           ORDER BY d.created_at DESC, d.id DESC LIMIT $4"#,
        business_id.get(),
        f.page.before.0,
        f.page.before.1,
        f.page.limit,
        f.status.map(DocumentStatus::as_str),
    )
    .fetch_all(pool)
    .await?)
}

/// The document; 404 when the business has no such document.
pub async fn load(
    pool: &PgPool,
    business_id: BusinessId,
    document_id: Uuid,
) -> Result<Document, ApiError> {
    let row = sqlx::query!(
        r#"SELECT d.id, d.title, d.client_id, c.name AS "client_name?", d.source_kind,
                  d.source_name, d.version, d.status, d.failure_reason, d.passage_count,
                  length(d.body) AS "characters!", d.created_at, d.updated_at, d.indexed_at, d.body
           FROM knowledge_documents d LEFT JOIN clients c ON c.id = d.client_id
           WHERE d.business_id = $1 AND d.id = $2"#,
        business_id.get(),
        document_id,
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such document in this business"))?;
    Ok(Document {
        summary: DocumentSummary {
            id: row.id,
            title: row.title,
            client_id: row.client_id,
            client_name: row.client_name,
            source_kind: row.source_kind,
            source_name: row.source_name,
            version: row.version,
            status: row.status,
            failure_reason: row.failure_reason,
            passage_count: row.passage_count,
            characters: row.characters,
            created_at: row.created_at,
            updated_at: row.updated_at,
            indexed_at: row.indexed_at,
        },
        body: row.body,
    })
}

/// Refuses a client that is not the business's own (a 400 naming the field).
pub async fn check_client(
    pool: &PgPool,
    business_id: BusinessId,
    client_id: Option<Uuid>,
) -> Result<(), ApiError> {
    let Some(client_id) = client_id else {
        return Ok(());
    };
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1 AND business_id = $2) AS "exists!""#,
        client_id,
        business_id.get(),
    )
    .fetch_one(pool)
    .await?;
    if exists {
        Ok(())
    } else {
        Err(no_such_client())
    }
}

fn no_such_client() -> ApiError {
    ApiError::bad_request(
        "invalid_field",
        "client_id: no such client in this business",
    )
}

/// A client deleted between `check_client` and the write meets the foreign key: the same 400.
fn client_gone(e: sqlx::Error) -> ApiError {
    let constraint = e.as_database_error().and_then(|d| d.constraint());
    if constraint == Some("knowledge_documents_client_id_business_id_fkey") {
        no_such_client()
    } else {
        e.into()
    }
}

/// A new document, waiting for indexing (version 1). Returns its id.
pub async fn create(
    pool: &PgPool,
    business_id: BusinessId,
    content: &DocumentContent,
    created_by: Option<Uuid>,
) -> Result<Uuid, ApiError> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO knowledge_documents
             (business_id, client_id, title, source_kind, source_name, body, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        business_id.get(),
        content.client_id,
        content.title,
        content.source_kind.as_str(),
        content.source_name,
        content.body,
        created_by,
    )
    .fetch_one(pool)
    .await
    .map_err(client_gone)?)
}

/// Replaces the document's text and scope with a new version, waiting for indexing. Its current
/// passages keep answering until the new version's are swapped in, unless the scope changes:
/// then they are deleted in the same transaction (and `passage_count` is 0), so a document
/// narrowed to one client is never heard by others meanwhile, or ever if the new version fails.
/// Deleted, not re-scoped: an update of `client_id` enters every passage into every index again
/// (HNSW insertions, about as slow as indexing the document), which for a large document took
/// longer than the request's statement timeout. Returns the new version.
pub async fn replace(
    pool: &PgPool,
    business_id: BusinessId,
    document_id: Uuid,
    content: &DocumentContent,
) -> Result<i32, ApiError> {
    let mut tx = pool.begin().await?;
    let version = sqlx::query_scalar!(
        "UPDATE knowledge_documents
         SET client_id = $3, title = $4, source_kind = $5, source_name = $6, body = $7,
             version = version + 1, status = 'processing', failure_reason = NULL, updated_at = now()
         WHERE business_id = $1 AND id = $2 RETURNING version",
        business_id.get(),
        document_id,
        content.client_id,
        content.title,
        content.source_kind.as_str(),
        content.source_name,
        content.body,
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(client_gone)?
    .ok_or_else(|| ApiError::not_found("no such document in this business"))?;
    // The passages of another scope: all of them when the scope changed, none otherwise (and
    // then the document has none until its new version is indexed).
    sqlx::query!(
        "WITH gone AS (
             DELETE FROM knowledge_chunks
             WHERE document_id = $2 AND business_id = $1 AND client_id IS DISTINCT FROM $3
             RETURNING 1
         )
         UPDATE knowledge_documents SET passage_count = 0
         WHERE business_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM gone)",
        business_id.get(),
        document_id,
        content.client_id,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// Deletes the document and its passages (the foreign key cascades in the same statement).
pub async fn delete(
    pool: &PgPool,
    business_id: BusinessId,
    document_id: Uuid,
) -> Result<(), ApiError> {
    let deleted = sqlx::query!(
        "DELETE FROM knowledge_documents WHERE business_id = $1 AND id = $2",
        business_id.get(),
        document_id,
    )
    .execute(pool)
    .await?
    .rows_affected();
    if deleted == 0 {
        return Err(ApiError::not_found("no such document in this business"));
    }
    Ok(())
}

/// What the ingestion worker indexes: one version of a document.
#[derive(Debug, Clone)]
pub struct IndexingWork {
    pub business_id: Uuid,
    pub client_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub version: i32,
    pub status: String,
    /// The agent's language (the passages' text search configuration).
    pub language: String,
    /// The models of the document's current passages (empty: none).
    pub passage_models: Vec<String>,
}

/// The document's current version and what indexing it needs; `None` once it is deleted.
pub async fn indexing_work(
    pool: &PgPool,
    document_id: Uuid,
) -> Result<Option<IndexingWork>, sqlx::Error> {
    sqlx::query_as!(
        IndexingWork,
        r#"SELECT d.business_id, d.client_id, d.title, d.body, d.version, d.status,
                  COALESCE(a.language, 'en') AS "language!",
                  ARRAY(SELECT DISTINCT embedding_model FROM knowledge_chunks k
                        WHERE k.document_id = d.id) AS "passage_models!"
           FROM knowledge_documents d LEFT JOIN agent_configs a ON a.business_id = d.business_id
           WHERE d.id = $1"#,
        document_id,
    )
    .fetch_optional(pool)
    .await
}

/// One indexed passage, ready to store.
pub struct IndexedPassage {
    pub ordinal: i32,
    pub heading_path: String,
    pub content: String,
    /// pgvector's text form (`embedder::to_pgvector`).
    pub embedding: String,
}

/// Swaps the document's passages for `passages` of `version` in one transaction, if `version` is
/// still the document's current one (a newer replacement wins; its own job indexes it).
/// Returns whether the swap happened.
pub async fn swap_passages(
    pool: &PgPool,
    document_id: Uuid,
    version: i32,
    model: &str,
    passages: &[IndexedPassage],
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let current = sqlx::query_as!(
        Owner,
        r#"SELECT business_id, client_id, (SELECT language FROM agent_configs a
                  WHERE a.business_id = d.business_id) AS "language?"
           FROM knowledge_documents d WHERE id = $1 AND version = $2 FOR UPDATE"#,
        document_id,
        version,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current else {
        return Ok(false);
    };
    sqlx::query!(
        "DELETE FROM knowledge_chunks WHERE document_id = $1",
        document_id
    )
    .execute(&mut *tx)
    .await?;
    // In batches: each statement must end within the worker's statement timeout (30 s), and a
    // passage of a large business cost 10-14 ms to store in the benchmark (its own HNSW index
    // too), so the longest document (1,000,000 characters, about 2,200 passages) in one
    // statement could take longer; the transaction still swaps all of them or none.
    for batch in passages.chunks(INSERT_BATCH) {
        insert_passages(&mut tx, document_id, version, &current, model, batch).await?;
    }
    sqlx::query!(
        "UPDATE knowledge_documents SET status = 'ready', failure_reason = NULL,
             passage_count = $3, indexed_at = now()
         WHERE id = $1 AND version = $2",
        document_id,
        version,
        passages.len() as i32,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Passages inserted by one statement of `swap_passages`: at the benchmark's slowest rate for a
/// large business (72 passages/s) 200 take about 3 s.
pub const INSERT_BATCH: usize = 200;

struct Owner {
    business_id: Uuid,
    client_id: Option<Uuid>,
    language: Option<String>,
}

async fn insert_passages(
    tx: &mut sqlx::PgConnection,
    document_id: Uuid,
    version: i32,
    owner: &Owner,
    model: &str,
    passages: &[IndexedPassage],
) -> Result<(), sqlx::Error> {
    let ordinals: Vec<i32> = passages.iter().map(|p| p.ordinal).collect();
    let headings: Vec<String> = passages.iter().map(|p| p.heading_path.clone()).collect();
    let contents: Vec<String> = passages.iter().map(|p| p.content.clone()).collect();
    let embeddings: Vec<String> = passages.iter().map(|p| p.embedding.clone()).collect();
    sqlx::query!(
        "INSERT INTO knowledge_chunks (document_id, business_id, client_id, document_version,
             ordinal, heading_path, content, embedding, embedding_model, search_config)
         SELECT $1, $2, $3, $4, p.ordinal, p.heading_path, p.content, p.embedding::vector,
                $9, knowledge_search_config($10)
         FROM unnest($5::int[], $6::text[], $7::text[], $8::text[])
              AS p(ordinal, heading_path, content, embedding)",
        document_id,
        owner.business_id,
        owner.client_id,
        version,
        &ordinals,
        &headings,
        &contents,
        &embeddings,
        model,
        owner.language.as_deref().unwrap_or("en"),
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records why the version could not be indexed (if it is still the current one and no other
/// delivery of its job indexed it meanwhile).
pub async fn mark_failed(
    pool: &PgPool,
    document_id: Uuid,
    version: i32,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let reason: String = reason.chars().take(1000).collect();
    sqlx::query!(
        "UPDATE knowledge_documents SET status = 'failed', failure_reason = $3
         WHERE id = $1 AND version = $2 AND status <> 'ready'",
        document_id,
        version,
        reason,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Documents with passages embedded by another model than `model`, with their current version:
/// what a model change re-embeds.
pub async fn needing_reembedding(
    pool: &PgPool,
    model: &str,
) -> Result<Vec<(Uuid, i32)>, sqlx::Error> {
    Ok(sqlx::query!(
        "SELECT d.id, d.version FROM knowledge_documents d
         WHERE EXISTS (SELECT 1 FROM knowledge_chunks k
                       WHERE k.document_id = d.id AND k.embedding_model <> $1)
         ORDER BY d.created_at, d.id",
        model,
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.id, r.version))
    .collect())
}

/// Documents waiting for indexing (`processing`), with their current version.
pub async fn pending(pool: &PgPool) -> Result<Vec<(Uuid, i32)>, sqlx::Error> {
    Ok(sqlx::query!(
        "SELECT id, version FROM knowledge_documents WHERE status = 'processing'
         ORDER BY created_at, id"
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.id, r.version))
    .collect())
}
