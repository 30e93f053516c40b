//! Businesses' own indexes (`domain::knowledge::vector_index` says which and why): the sweep
//! that builds and drops them, run by the knowledge worker on a schedule and by the operator
//! command `knowledge maintain-indexes`.
//!
//! A business has two, both partial indexes, `WHERE business_id = '<id>'`:
//! - an HNSW index over the passages' embeddings as `halfvec`: an expression the shared index
//!   does not have, so no other index can answer a search that orders by it (when the
//!   business's index is valid: `search::candidates`); the only other plan reads all the
//!   business's passages and sorts them;
//! - a GIN index over the passages' words, which the planner prefers to the shared one for the
//!   keyword half (a search is planned with its business as a constant, so the predicate is
//!   seen to hold): smaller, and holding no other business's passages.
//!
//! Each is built and dropped on its own (`domain::knowledge::vector_index::plan`), `CONCURRENTLY`:
//! indexing and searches go on meanwhile.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgPool};
use uuid::Uuid;

use super::embedder::DIMENSIONS;
use crate::domain::knowledge::vector_index::{
    Action, BuildFit, ExistingIndex, IndexKind, IndexPolicy, OWN_INDEX_EF_CONSTRUCTION,
    OWN_INDEX_M, OwnIndex, build_fit, plan,
};

/// The advisory lock of the sweep: the two-key form, with a first key of its own (1263 is the
/// word counts' per-business lock, `migrations/20261205000001_knowledge_lexemes.sql`).
pub const SWEEP_LOCK: (i32, i32) = (1264, 0);
/// Memory for a build, per passage: the graph is built in memory, much faster than on disk
/// (the finished index is 4 KB per passage on disk: 80 MB for the benchmark's 20,080), within
/// 64 MB to 1 GB.
const BUILD_MEMORY_PER_PASSAGE_KB: i64 = 8;

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub dropped: Vec<OwnIndex>,
    pub built: Vec<OwnIndex>,
    /// Not started for lack of time left: the next sweep starts with them.
    pub left: Vec<OwnIndex>,
    /// Builds that would not finish within a whole sweep's time, or were cancelled at its
    /// deadline: the operator command builds them (its deadline is a day).
    pub too_large: Vec<OwnIndex>,
    /// Actions that failed, with Postgres's reason; the remains of a failed build are dropped
    /// at once, and the next sweep tries again.
    pub failed: Vec<(OwnIndex, String)>,
    /// Another sweep held the lock; this one did nothing.
    pub busy: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Only the table's owner may index it: the database user must own `knowledge_chunks`
    /// (README, deployment).
    #[error("the database user {0} does not own knowledge_chunks, so it cannot index it")]
    NotOwner(String),
}

/// The bound on dropping what a failed build left, after the sweep's deadline if the build ran
/// up to it (the worker's timeout allows for both: a template test holds them together).
pub const CLEANUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds and drops businesses' own indexes as `policy` says, starting nothing that would not
/// finish by `deadline` (`build_fit`, at its kind's assumed rate); Postgres cancels an
/// action still running at the deadline. One action's failure does not stop the others; only a
/// lost connection ends the sweep early.
///
/// One sweep at a time (a session advisory lock); the sweep runs on a connection of its own,
/// closed at the end, so the pool never gets a connection with its settings or its lock.
pub async fn sweep(
    pool: &PgPool,
    policy: IndexPolicy,
    deadline: Instant,
) -> Result<SweepReport, SweepError> {
    let mut conn = pool.acquire().await?.detach();
    let result = match lock(&mut conn).await {
        Ok(true) => {
            let result = sweep_locked(&mut conn, policy, deadline).await;
            // Unlocked explicitly: behind a proxy, closing the client's connection may not end
            // the server's session at once.
            let _ = sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                .bind(SWEEP_LOCK.0)
                .bind(SWEEP_LOCK.1)
                .execute(&mut conn)
                .await;
            result.map_err(SweepError::from)
        }
        Ok(false) => Ok(SweepReport {
            busy: true,
            ..SweepReport::default()
        }),
        Err(e) => Err(e),
    };
    let _ = conn.close().await;
    result
}

/// Whether this sweep may run: the user owns the table, and no other sweep holds the lock.
async fn lock(conn: &mut sqlx::PgConnection) -> Result<bool, SweepError> {
    let (user, owner): (String, bool) = sqlx::query_as(
        "SELECT current_user::text, pg_has_role(current_user, relowner, 'USAGE')
         FROM pg_class WHERE oid = 'knowledge_chunks'::regclass",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !owner {
        return Err(SweepError::NotOwner(user));
    }
    Ok(sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(SWEEP_LOCK.0)
        .bind(SWEEP_LOCK.1)
        .fetch_one(&mut *conn)
        .await?)
}

async fn sweep_locked(
    conn: &mut sqlx::PgConnection,
    policy: IndexPolicy,
    deadline: Instant,
) -> Result<SweepReport, sqlx::Error> {
    let started = Instant::now();
    // A business's size as the search's common-word rule counts it: its documents' passages.
    let passages: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT business_id, sum(passage_count)::bigint FROM knowledge_documents
         GROUP BY business_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let existing = existing(&mut *conn).await?;
    let budget = deadline.saturating_duration_since(started);
    let mut report = SweepReport::default();
    // Invalid indexes still there: building again would only find the name taken
    // (`IF NOT EXISTS`) and report a build that did not happen.
    let mut not_dropped: Vec<OwnIndex> = Vec::new();
    for action in plan(&passages, &existing, policy) {
        let left = deadline.saturating_duration_since(Instant::now());
        let (index, statement) = match action {
            Action::Drop(index) => {
                if left < Duration::from_secs(1) {
                    report.left.push(index);
                    not_dropped.push(index);
                    continue;
                }
                (index, drop_statement(index))
            }
            Action::Build(index, size) => {
                match build_fit(index.kind, size, budget, left) {
                    BuildFit::TooLarge => {
                        report.too_large.push(index);
                        continue;
                    }
                    // An invalid index still there was reported with its drop (left, or failed).
                    _ if not_dropped.contains(&index) => continue,
                    BuildFit::NotNow => {
                        report.left.push(index);
                        continue;
                    }
                    BuildFit::Fits => {}
                }
                let memory_mb = (size * BUILD_MEMORY_PER_PASSAGE_KB / 1024).clamp(64, 1024);
                set(conn, "maintenance_work_mem", &format!("{memory_mb}MB")).await?;
                (index, build_statement(index))
            }
        };
        // At least a millisecond: a `statement_timeout` of 0 is none at all.
        let timeout_ms = left.as_millis().max(1);
        set(conn, "statement_timeout", &timeout_ms.to_string()).await?;
        let failure = match sqlx::raw_sql(AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await
        {
            Ok(_) => {
                match action {
                    Action::Drop(_) => report.dropped.push(index),
                    Action::Build(..) => report.built.push(index),
                }
                continue;
            }
            Err(e @ (sqlx::Error::Io(_) | sqlx::Error::Protocol(_))) => return Err(e),
            Err(e) => e,
        };
        if matches!(action, Action::Drop(_)) {
            not_dropped.push(index);
            report.failed.push((index, failure.to_string()));
            continue;
        }
        // A failed concurrent build leaves its index, invalid but still updated by every
        // insert: gone now rather than at the next sweep. Only that index: the business's
        // other one, if valid, goes on serving its searches.
        set(
            conn,
            "statement_timeout",
            &CLEANUP_TIMEOUT.as_millis().to_string(),
        )
        .await?;
        let cleanup = sqlx::raw_sql(AssertSqlSafe(drop_statement(index)))
            .execute(&mut *conn)
            .await;
        let cancelled = failure
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|code| code == "57014");
        match cleanup {
            // Cancelled at the deadline: slower than assumed, so too large for the job.
            Ok(_) if cancelled => report.too_large.push(index),
            Ok(_) => report.failed.push((index, failure.to_string())),
            Err(e) => report.failed.push((
                index,
                format!("{failure}; its remains were not dropped: {e}"),
            )),
        }
    }
    Ok(report)
}

async fn set(conn: &mut sqlx::PgConnection, name: &str, value: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config($1, $2, false)")
        .bind(name)
        .bind(value)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// Waits for the transactions using `knowledge_chunks` to end, not for new ones.
fn drop_statement(index: OwnIndex) -> String {
    format!("DROP INDEX CONCURRENTLY IF EXISTS {}", index.name())
}

/// The DDL of one of a business's own indexes. The id goes into the text as its hex digits and
/// dashes (a `Uuid` cannot hold anything else): DDL takes no parameters. The HNSW index's
/// expression is the one the search's vector half orders by for a business with its own index
/// (`search::candidates`); the GIN index's is the shared one's (`knowledge_chunks_text`), with
/// its setting: no pending list, which every search would scan in full.
fn build_statement(index: OwnIndex) -> String {
    let (name, business) = (index.name(), index.business_id);
    match index.kind {
        IndexKind::Vectors => format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON knowledge_chunks \
             USING hnsw ((embedding::halfvec({DIMENSIONS})) halfvec_cosine_ops) \
             WITH (m = {OWN_INDEX_M}, ef_construction = {OWN_INDEX_EF_CONSTRUCTION}) \
             WHERE business_id = '{business}'"
        ),
        IndexKind::Words => format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON knowledge_chunks \
             USING gin (content_tsv) WITH (fastupdate = off) \
             WHERE business_id = '{business}'"
        ),
    }
}

/// The businesses' own indexes the catalogue has, valid or not (told from the table's other
/// indexes by their names, `OwnIndex::parse`).
pub async fn existing(conn: impl sqlx::PgExecutor<'_>) -> Result<Vec<ExistingIndex>, sqlx::Error> {
    let rows: Vec<(String, bool)> = sqlx::query_as(
        r"SELECT c.relname::text, i.indisvalid
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = 'knowledge_chunks'::regclass",
    )
    .fetch_all(conn)
    .await?;
    let mut found: Vec<ExistingIndex> = rows
        .into_iter()
        .filter_map(|(name, valid)| {
            OwnIndex::parse(&name).map(|index| ExistingIndex { index, valid })
        })
        .collect();
    found.sort_by_key(|e| e.index);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builds_name_the_index_its_business_and_the_graph() {
        let business_id = Uuid::from_u128(0xf2735f0c_dd5a_49cd_a53a_5521989d38d4);
        let [vectors, words] = IndexKind::ALL.map(|kind| OwnIndex { business_id, kind });
        assert_eq!(
            build_statement(vectors),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS knowledge_vectors_f2735f0cdd5a49cda53a5521989d38d4 \
             ON knowledge_chunks USING hnsw ((embedding::halfvec(512)) halfvec_cosine_ops) \
             WITH (m = 32, ef_construction = 400) \
             WHERE business_id = 'f2735f0c-dd5a-49cd-a53a-5521989d38d4'"
        );
        assert_eq!(
            build_statement(words),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS knowledge_words_f2735f0cdd5a49cda53a5521989d38d4 \
             ON knowledge_chunks USING gin (content_tsv) WITH (fastupdate = off) \
             WHERE business_id = 'f2735f0c-dd5a-49cd-a53a-5521989d38d4'"
        );
        assert_eq!(
            drop_statement(words),
            "DROP INDEX CONCURRENTLY IF EXISTS knowledge_words_f2735f0cdd5a49cda53a5521989d38d4"
        );
    }
}
