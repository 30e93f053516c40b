//! Hybrid retrieval: two statements find each half's candidates inside the business and the
//! caller's scope (the nearest vectors through the business's own HNSW index if it has one,
//! `vector_index`, else the shared one; the best full-text matches through the business's own
//! GIN index if it has one, which the planner picks by itself, else the shared one),
//! `domain::knowledge::retrieval` fuses and cuts them, and every search is logged with what it
//! returned and how long it took.
//!
//! The keyword half matches passages with at least two of the question's words (its stems, in the
//! business's language; a spoken question rarely has every word of the passage that answers it,
//! and one shared word alone is too weak to rank thousands of passages for), of which at least one
//! is not common in the business's passages (`knowledge_lexemes`, kept by triggers; two common
//! words together still match most of a large business's passages); a one-word question's word
//! alone, unless it is common. It ranks first by how many of the question's words a passage has,
//! then by `ts_rank`: a passage that repeats one common word of the question does not outrank one
//! that has them all.

use std::time::Instant;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::embedder::{EmbedError, Embedder, from_pgvector, to_pgvector};
use crate::domain::knowledge::retrieval::{
    CANDIDATES_PER_HALF, COMMON_WORD_MIN_PASSAGES, COMMON_WORD_SHARE, Candidate, Hit, RelevanceCut,
    fuse,
};
use crate::domain::knowledge::unanswered::{QuestionGroup, UnansweredSearch, group};
use crate::domain::knowledge::vector_index::{IndexKind, OwnIndex};

/// `hnsw.ef_search`, the HNSW scan's candidate list (pgvector's default is 40), for each kind of
/// index a search may walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EfSearch {
    /// The shared index, walked with the business as a filter (a business without an index of
    /// its own, yet large enough that the planner prefers the graph to reading its passages).
    pub shared_index: i32,
    /// A business's own index (`vector_index`): 250 gave the benchmark's large business
    /// recall@10 0.96 against exact search, the target being 0.95 (100 gave 0.88, and its
    /// searches took about 5 ms less at the median; README, "Knowledge benchmarks").
    pub own_index: i32,
}

pub const EF_SEARCH: EfSearch = EfSearch {
    shared_index: 100,
    own_index: 250,
};
/// The longest question searched, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

/// Whose knowledge a search may read: the business's shared documents, and one client's own
/// when the caller is that client (and trusted as such).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub business_id: Uuid,
    pub client_id: Option<Uuid>,
}

/// Where a search came from, for the log.
#[derive(Debug, Clone, Default)]
pub struct SearchOrigin {
    pub conversation_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error("the knowledge search failed: {0}")]
    Database(#[from] sqlx::Error),
}

/// What a search found, and how long its parts took.
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    pub hits: Vec<Hit>,
    pub embed_ms: f64,
    pub database_ms: f64,
}

/// Searches the scope's passages for `query`, logs the search, and returns the passages over the
/// cut, best first.
pub async fn search(
    pool: &PgPool,
    embedder: &dyn Embedder,
    scope: Scope,
    origin: &SearchOrigin,
    query: &str,
    cut: RelevanceCut,
    top_k: usize,
) -> Result<SearchOutcome, SearchError> {
    let started = Instant::now();
    let vector = embedder
        .embed(&[query.to_owned()])
        .await?
        .pop()
        .unwrap_or_default();
    let embedded = Instant::now();
    let vector = to_pgvector(&vector);
    let found = candidates(pool, scope, embedder.model(), query, &vector, EF_SEARCH).await?;
    let hits = fuse(found, cut, top_k);
    let searched = Instant::now();
    let outcome = SearchOutcome {
        hits,
        embed_ms: (embedded - started).as_secs_f64() * 1e3,
        database_ms: (searched - embedded).as_secs_f64() * 1e3,
    };
    // The log is for the business's review: a failed write is logged, the answer still given.
    if let Err(e) = log(
        pool,
        scope,
        origin,
        query,
        &vector,
        embedder.model(),
        &outcome,
    )
    .await
    {
        tracing::error!(error = %e, "logging a knowledge search failed");
    }
    Ok(outcome)
}

/// Both halves' candidates for a query already embedded (`vector` in pgvector's text form):
/// the database part of a search, measured alone by the benchmark.
pub async fn candidates(
    pool: &PgPool,
    scope: Scope,
    model: &str,
    query: &str,
    vector: &str,
    ef_search: EfSearch,
) -> Result<Vec<Candidate>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // First the settings, per transaction: the HNSW scan's breadth, and a scan that goes on past
    // passages of other businesses until it has enough of this one's (pgvector 0.8's iterative
    // scan; its order is then approximate, so the statement orders the candidates again). And a
    // plan for each search: the right one depends on the business's size and the question's
    // words (a small business reads its few passages by the business index; a large one walks
    // the HNSW index and asks the GIN index). The generic plan a prepared statement falls back
    // to after five runs walked the HNSW index for a business of 80 passages through 20,000
    // others (0.1-0.7 s instead of 5 ms, measured by the bench).
    //
    // With them, the keyword query: the question's words (stems, in the business's language)
    // and the full-text query made of them. It goes into the second statement as a value, so
    // the planner sees its words: made inside that statement, it was unknown when planning,
    // and a business of 80 passages had its keyword half answered by the GIN index across every
    // business (61 ms for a pair of words common elsewhere) instead of by reading its 80.
    //
    // And whether the business has a valid HNSW index of its own (`vector_index`): the vector
    // half then asks for it by its expression, and walks it with its own `ef_search`.
    let keywords = sqlx::query!(
        r#"WITH own AS (
               SELECT EXISTS (SELECT 1 FROM pg_index i
                              WHERE i.indexrelid = to_regclass($7) AND i.indisvalid) AS own_index
           ),
           q AS (
               SELECT knowledge_search_config(COALESCE(
                          (SELECT language FROM agent_configs WHERE business_id = $1), 'en')) AS config
           ),
           parsed AS (
               SELECT to_tsvector(q.config, $2) AS tsv FROM q
           ),
           words AS (
               -- The question's first 16 words (stems, in the order they were said), each as a
               -- quoted tsquery operand, and whether it is common in the business's passages.
               SELECT row_number() OVER (ORDER BY t.positions[1]) AS i,
                      '''' || replace(replace(t.lexeme, '\', '\\'), '''', '''''') || '''' AS op,
                      COALESCE(l.passages, 0) > GREATEST($3::int,
                          (SELECT sum(d.passage_count) FROM knowledge_documents d
                           WHERE d.business_id = $1) * $4::real) AS common
               FROM (SELECT u.lexeme, u.positions FROM parsed, unnest(parsed.tsv) u
                     ORDER BY u.positions[1] LIMIT 16) t
               LEFT JOIN knowledge_lexemes l ON l.business_id = $1 AND l.lexeme = t.lexeme
           )
           -- Any pair of the question's words with at least one uncommon word, for the GIN index
           -- to answer; a one-word question's word alone, unless it is common. A single shared
           -- word never passes the cut (under 60% of a question of two or more words), and common
           -- words match most of a large business's passages, which would all be ranked (a
           -- common word's passages are left to the vector half). An empty parse (stop words
           -- only) matches nothing.
           SELECT own.own_index AS "own_index!",
                  set_config('hnsw.ef_search',
                      CASE WHEN own.own_index THEN $6 ELSE $5 END, true) AS "ef_search!",
                  set_config('hnsw.iterative_scan', 'relaxed_order', true) AS "iterative_scan!",
                  set_config('plan_cache_mode', 'force_custom_plan', true) AS "plan_cache_mode!",
                  tsvector_to_array(parsed.tsv) AS "lexemes!",
                  (CASE WHEN (SELECT count(*) FROM words) = 1
                        THEN (SELECT op FROM words WHERE NOT common)::tsquery
                        ELSE (SELECT string_agg('(' || a.op || ' & ' || b.op || ')', ' | ')
                              FROM words a JOIN words b
                                ON a.i < b.i AND NOT (a.common AND b.common))::tsquery
                   END)::text AS "query?"
           FROM parsed, own"#,
        scope.business_id,
        query,
        COMMON_WORD_MIN_PASSAGES,
        COMMON_WORD_SHARE,
        ef_search.shared_index.to_string(),
        ef_search.own_index.to_string(),
        OwnIndex {
            business_id: scope.business_id,
            kind: IndexKind::Vectors,
        }
        .name(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows = sqlx::query!(
        r#"WITH
           vector_half AS MATERIALIZED (
               -- Ordered by the distance to the parameter itself: only a constant or parameter on
               -- the right of `<=>` lets the planner walk an HNSW index. Of the two branches,
               -- each search is planned with one (`$8` is a constant in its plan, and the other
               -- branch is never run): the shared index's expression, or the business's own
               -- index's (`halfvec`), which no other index has. The distance returned is the
               -- full-precision one either way.
               (SELECT k.id, k.embedding <=> $3::text::vector AS distance
                FROM knowledge_chunks k
                WHERE NOT $8::bool AND k.business_id = $1
                  AND (k.client_id IS NULL OR k.client_id = $2) AND k.embedding_model = $4
                ORDER BY k.embedding <=> $3::text::vector LIMIT $5)
               UNION ALL
               (SELECT k.id, k.embedding <=> $3::text::vector AS distance
                FROM knowledge_chunks k
                WHERE $8::bool AND k.business_id = $1
                  AND (k.client_id IS NULL OR k.client_id = $2) AND k.embedding_model = $4
                ORDER BY k.embedding::halfvec(512) <=> $3::text::halfvec(512) LIMIT $5)
           ),
           vector_ranked AS (
               SELECT id, distance, row_number() OVER (ORDER BY distance, id) AS rank FROM vector_half
           ),
           keyword_half AS MATERIALIZED (
               SELECT k.id, ts_rank(k.content_tsv, $6::text::tsquery) AS score,
                      -- The share of the question's words the passage has: the lexemes that
                      -- deleting them removes (one pass over the passage's tsvector).
                      (length(k.content_tsv) - length(ts_delete(k.content_tsv, $7::text[])))::real
                          / cardinality($7::text[])::real AS coverage
               FROM knowledge_chunks k
               WHERE k.content_tsv @@ $6::text::tsquery
                 AND k.business_id = $1 AND (k.client_id IS NULL OR k.client_id = $2)
               ORDER BY coverage DESC, score DESC, k.id LIMIT $5
           ),
           keyword_ranked AS (
               SELECT id, coverage, row_number() OVER (ORDER BY coverage DESC, score DESC, id) AS rank
               FROM keyword_half
           )
           SELECT k.id AS "chunk_id!", k.document_id AS "document_id!", d.title AS "title!",
                  k.heading_path AS "heading_path!", k.content AS "content!",
                  v.rank AS "vector_rank?", (1 - v.distance)::real AS "similarity?",
                  w.rank AS "keyword_rank?", w.coverage AS "keyword_coverage?"
           FROM vector_ranked v FULL JOIN keyword_ranked w ON w.id = v.id
           JOIN knowledge_chunks k ON k.id = COALESCE(v.id, w.id)
           JOIN knowledge_documents d ON d.id = k.document_id"#,
        scope.business_id,
        scope.client_id,
        vector,
        model,
        CANDIDATES_PER_HALF,
        keywords.query,
        &keywords.lexemes,
        keywords.own_index,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            chunk_id: r.chunk_id,
            document_id: r.document_id,
            title: r.title,
            heading_path: r.heading_path,
            content: r.content,
            vector_rank: r.vector_rank,
            similarity: r.similarity,
            keyword_rank: r.keyword_rank,
            keyword_coverage: r.keyword_coverage,
        })
        .collect())
}

async fn log(
    pool: &PgPool,
    scope: Scope,
    origin: &SearchOrigin,
    query: &str,
    vector: &str,
    model: &str,
    outcome: &SearchOutcome,
) -> Result<(), sqlx::Error> {
    let results: Vec<serde_json::Value> = outcome
        .hits
        .iter()
        .map(|h| {
            serde_json::json!({
                "chunk_id": h.chunk_id, "document_id": h.document_id, "title": h.title,
                "score": h.score, "similarity": h.similarity,
            })
        })
        .collect();
    sqlx::query!(
        "INSERT INTO knowledge_searches (business_id, conversation_id, client_id, query,
             query_embedding, embedding_model, results, answered, latency_ms)
         VALUES ($1, $2, (SELECT id FROM clients WHERE id = $3 AND business_id = $1), $4,
                 $5::text::vector, $6, $7, $8, $9)",
        scope.business_id,
        origin.conversation_id,
        scope.client_id,
        query,
        vector,
        model,
        serde_json::Value::Array(results),
        !outcome.hits.is_empty(),
        (outcome.embed_ms + outcome.database_ms) as f32,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The business's unanswered questions since `since`, grouped (at most the latest 500 read).
pub async fn unanswered(
    pool: &PgPool,
    business_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<QuestionGroup>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT query, query_embedding::text AS embedding, searched_at
           FROM knowledge_searches
           WHERE business_id = $1 AND NOT answered AND searched_at >= $2
           ORDER BY searched_at DESC LIMIT 500"#,
        business_id,
        since,
    )
    .fetch_all(pool)
    .await?;
    Ok(group(
        rows.into_iter()
            .map(|r| UnansweredSearch {
                query: r.query,
                embedding: r.embedding.as_deref().and_then(from_pgvector),
                searched_at: r.searched_at,
            })
            .collect(),
    ))
}
