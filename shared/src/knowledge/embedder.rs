//! Embeddings behind one trait: OpenAI's `text-embedding-3-small` in production, the
//! deterministic lexical embedder (`domain::knowledge::lexical`) where there is no embedding
//! service (the tests, the benchmarks). Every vector has `DIMENSIONS` components (the column's)
//! and is stored with its model's name, so a change of model is found and re-embedded
//! (`KnowledgeJob::Index { reembed: true }`, enqueued by `studioconnect knowledge reembed`).

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::config::Env;
use crate::domain::knowledge::lexical::{LEXICAL_MODEL, lexical_embedding};
use crate::domain::knowledge::retrieval::RelevanceCut;
use crate::http_client::{HttpClient, HttpError, HttpPolicy};
use crate::openai::{self, OpenAi};
use crate::secrets::Secrets;

/// Components of every stored vector (`vector(512)`). text-embedding-3-small's native size is
/// 1,536; it is trained so that a prefix of its vector is itself an embedding, and the API's
/// `dimensions` parameter returns the first 512 components, re-normalised. OpenAI puts the
/// model's MTEB average at 61.6 at 512 against 62.3 at 1,536; in return the vectors and their
/// HNSW indexes are a third of the size and a search's walk is faster (README, "Knowledge
/// benchmarks"). The column's type and the search's own-index expression (`halfvec(512)`, a
/// literal in a compile-checked statement) say it too; the own-index tests fail if they differ.
pub const DIMENSIONS: usize = 512;
/// Texts per embedding request: OpenAI takes up to 2,048 inputs; 64 passages of at most 800
/// characters stay far inside its per-request token limit.
pub const BATCH: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the embedding service failed: {0}")]
    Service(#[from] HttpError),
}

impl EmbedError {
    /// What the business reads when a document could not be indexed (`failure_reason`): what
    /// went wrong with the service, without its answer's body, which is ours to read in the logs.
    pub fn for_owner(&self) -> String {
        let EmbedError::Service(e) = self;
        e.for_owner("the embedding service")
    }
}

/// Turns texts into vectors of `DIMENSIONS` components, in the order given.
pub trait Embedder: Send + Sync {
    /// The model name stored with each vector.
    fn model(&self) -> &str;
    fn embed<'a>(&'a self, texts: &'a [String])
    -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>>;
}

/// The deterministic local embedder: no network, the same vector everywhere.
pub struct LexicalEmbedder;

impl Embedder for LexicalEmbedder {
    fn model(&self) -> &str {
        LEXICAL_MODEL
    }

    fn embed<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|t| lexical_embedding(t, DIMENSIONS))
                .collect())
        })
    }
}

/// OpenAI's embeddings endpoint.
pub struct OpenAiEmbedder {
    pub openai: OpenAi,
    pub model: String,
}

impl Embedder for OpenAiEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    fn embed<'a>(
        &'a self,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(texts.len());
            for batch in texts.chunks(BATCH) {
                out.extend(self.openai.embed(&self.model, DIMENSIONS, batch).await?);
            }
            Ok(out)
        })
    }
}

/// The embedder a function uses, from `EMBEDDING_MODEL` (default `text-embedding-3-small`;
/// `studioconnect-lexical-v2` for the local one) and `OPENAI_BASE_URL`. `timeout` bounds one
/// request: short where a caller waits (the mid-call search), longer in the ingestion worker.
pub fn from_env<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    secrets: &Secrets,
    timeout: Duration,
) -> anyhow::Result<Arc<dyn Embedder>> {
    let model = env
        .optional("EMBEDDING_MODEL")
        .unwrap_or_else(|| openai::EMBEDDING_MODEL.into());
    if model == LEXICAL_MODEL {
        return Ok(Arc::new(LexicalEmbedder));
    }
    let http = HttpClient::new(
        "openai",
        HttpPolicy {
            request_timeout: timeout,
            max_retries: 2,
            ..HttpPolicy::default()
        },
    )?;
    let base_url = env
        .optional("OPENAI_BASE_URL")
        .unwrap_or_else(|| openai::DEFAULT_BASE_URL.into());
    Ok(Arc::new(OpenAiEmbedder {
        openai: OpenAi::new(
            http,
            &base_url,
            secrets.openai_api_key()?,
            openai::DEFAULT_MODEL,
        ),
        model,
    }))
}

/// The minimum cosine similarity for a passage to be relevant on its vector alone:
/// `KNOWLEDGE_MIN_SIMILARITY`, else the model's default. It depends on the model (the lexical
/// embedder's neighbours score lower than OpenAI's; the local stacks' fake OpenAI answers with
/// lexical vectors, so they set it).
pub fn relevance_cut<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    model: &str,
) -> anyhow::Result<RelevanceCut> {
    let default = if model == LEXICAL_MODEL {
        LEXICAL_MIN_SIMILARITY
    } else {
        DEFAULT_MIN_SIMILARITY
    };
    let min_similarity: f32 = env.parsed("KNOWLEDGE_MIN_SIMILARITY", default)?;
    anyhow::ensure!(
        (0.0..=1.0).contains(&min_similarity),
        "KNOWLEDGE_MIN_SIMILARITY must be between 0 and 1"
    );
    Ok(RelevanceCut { min_similarity })
}

/// text-embedding-3-small's cosine similarity between a question and a passage that answers it is
/// typically 0.4 to 0.7, and under 0.25 for an unrelated one.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.3;
/// The lexical embedder's: a passage sharing a question's main words scores 0.3 or more.
pub const LEXICAL_MIN_SIMILARITY: f32 = 0.2;

/// A vector as pgvector's text form, `[0.1,0.2,...]`, which casts to `vector` in SQL (the
/// `pgvector` crate supports sqlx 0.8 only; this is the one place that needs it).
pub fn to_pgvector(v: &[f32]) -> String {
    let mut s = String::with_capacity(v.len() * 10 + 2);
    s.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&x.to_string());
    }
    s.push(']');
    s
}

/// pgvector's text form back to numbers (the unanswered-questions grouping reads stored vectors).
pub fn from_pgvector(s: &str) -> Option<Vec<f32>> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(|x| x.trim().parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgvector_text_round_trips() {
        let v = vec![0.5, -0.25, 1e-7, 3.0];
        assert_eq!(from_pgvector(&to_pgvector(&v)).unwrap(), v);
        assert_eq!(from_pgvector("[]").unwrap(), Vec::<f32>::new());
        assert_eq!(from_pgvector("0.1,0.2"), None);
    }

    #[tokio::test]
    async fn the_lexical_embedder_makes_full_size_vectors_in_order() {
        let texts = vec!["parking".to_owned(), "prices".to_owned()];
        let v = LexicalEmbedder.embed(&texts).await.unwrap();
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|x| x.len() == DIMENSIONS));
        assert_eq!(v[0], lexical_embedding("parking", DIMENSIONS));
    }
}
