//! Indexing one version of a document: its text cut into passages
//! (`domain::knowledge::chunking`), each passage embedded with its heading path, and the passages
//! swapped in for the document's old ones in one transaction (`store::swap_passages`), only if
//! that version is still the current one: a newer replacement's own job indexes it, and an old
//! job delivered again (SQS delivers at least once) finds its version indexed and does nothing.
//! Searches meanwhile answer from the old passages. The ingestion worker runs it per job; the
//! tests and the benchmark run it directly.

use sqlx::PgPool;
use uuid::Uuid;

use super::embedder::{Embedder, to_pgvector};
use super::store::{self, IndexedPassage};
use crate::domain::knowledge::chunking::passages;

/// What indexing a version did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Indexed {
        passages: usize,
    },
    /// The document is gone, replaced since, or this version is already indexed.
    Skipped(&'static str),
    /// Permanently unindexable (no passages); the document reads `failed`.
    Failed(String),
}

/// Indexes `version` of the document; with `reembed`, again even if it is indexed, when its
/// passages were embedded by another model than `embedder`'s.
pub async fn index_version(
    pool: &PgPool,
    embedder: &dyn Embedder,
    document_id: Uuid,
    version: i32,
    reembed: bool,
) -> anyhow::Result<Outcome> {
    let Some(work) = store::indexing_work(pool, document_id).await? else {
        return Ok(Outcome::Skipped("the document was deleted"));
    };
    if work.version != version {
        return Ok(Outcome::Skipped("the document was replaced since"));
    }
    let model = embedder.model();
    let embedded_by_this_model = work.passage_models.iter().all(|m| m == model);
    if work.status == "ready" && (!reembed || embedded_by_this_model) {
        return Ok(Outcome::Skipped("this version is indexed"));
    }
    let cut = passages(&work.body);
    if cut.is_empty() {
        let reason = "the document has no text to index";
        store::mark_failed(pool, document_id, version, reason).await?;
        return Ok(Outcome::Failed(reason.into()));
    }
    let texts: Vec<String> = cut.iter().map(|p| p.indexed_text(&work.title)).collect();
    let vectors = embedder.embed(&texts).await?;
    anyhow::ensure!(
        vectors.len() == cut.len(),
        "the embedder returned {} vectors for {} passages",
        vectors.len(),
        cut.len()
    );
    let indexed: Vec<IndexedPassage> = cut
        .iter()
        .zip(&vectors)
        .map(|(p, v)| IndexedPassage {
            ordinal: p.ordinal as i32,
            heading_path: std::iter::once(work.title.trim())
                .chain(p.headings.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" > "),
            content: p.text.clone(),
            embedding: to_pgvector(v),
        })
        .collect();
    if store::swap_passages(pool, document_id, version, model, &indexed).await? {
        Ok(Outcome::Indexed {
            passages: indexed.len(),
        })
    } else {
        Ok(Outcome::Skipped(
            "the document was replaced while it was indexed",
        ))
    }
}
