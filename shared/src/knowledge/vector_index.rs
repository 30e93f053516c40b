//! Businesses' own HNSW indexes (`domain::knowledge::vector_index` says which and why): the sweep
//! that builds and drops them, run by the knowledge worker on a schedule and by the operator
//! command `knowledge maintain-indexes`.
//!
//! Each is a partial index, `WHERE business_id = '<id>'`, over the passages' embeddings as
//! `halfvec`: an expression the shared index does not have, so a search that asks for it (when
//! the business's index is valid: `search::candidates`) can only be answered by it, whatever
//! the planner estimates. Built and dropped `CONCURRENTLY`: indexing and searches go on
//! meanwhile, and a search started before a drop finishes on its own plan.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgPool};
use uuid::Uuid;

use crate::domain::knowledge::vector_index::{
    Action, ExistingIndex, IndexPolicy, OWN_INDEX_EF_CONSTRUCTION, OWN_INDEX_M, business_of,
    index_name, plan,
};

/// Memory for one build: the graph of 20,000 passages (about 150 MB as `halfvec` with `m` 32)
/// is built in memory, faster than on disk.
const BUILD_MEMORY: &str = "256MB";

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub dropped: Vec<Uuid>,
    pub built: Vec<Uuid>,
    /// Builds not started for lack of time: the next sweep starts with them.
    pub left: Vec<Uuid>,
    /// Another sweep held the lock; this one did nothing.
    pub busy: bool,
}

/// Builds and drops businesses' own indexes as `policy` says, starting nothing after
/// `deadline`; a build still running at the deadline is cancelled by Postgres
/// (`statement_timeout`), and the invalid index it leaves is dropped by the next sweep.
///
/// One sweep at a time (a session advisory lock); the sweep runs on a connection of its own,
/// closed at the end, so the pool never gets a connection with its settings or its lock.
pub async fn sweep(
    pool: &PgPool,
    policy: IndexPolicy,
    deadline: Instant,
) -> Result<SweepReport, sqlx::Error> {
    let mut conn = pool.acquire().await?.detach();
    let result = sweep_on(&mut conn, policy, deadline).await;
    // Closing ends the session, and with it the lock and the settings.
    let _ = conn.close().await;
    result
}

async fn sweep_on(
    conn: &mut sqlx::PgConnection,
    policy: IndexPolicy,
    deadline: Instant,
) -> Result<SweepReport, sqlx::Error> {
    // The two-key form: a key space apart from the per-business transaction locks of the word
    // counts (`knowledge_lexemes`), which use one bigint.
    let locked: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext('knowledge_vector_indexes'), 0)")
            .fetch_one(&mut *conn)
            .await?;
    if !locked {
        return Ok(SweepReport {
            busy: true,
            ..SweepReport::default()
        });
    }
    let passages: Vec<(Uuid, i64)> =
        sqlx::query_as("SELECT business_id, count(*) FROM knowledge_chunks GROUP BY business_id")
            .fetch_all(&mut *conn)
            .await?;
    let existing = existing(&mut *conn).await?;
    sqlx::query(AssertSqlSafe(format!(
        "SET maintenance_work_mem = '{BUILD_MEMORY}'"
    )))
    .execute(&mut *conn)
    .await?;
    let mut report = SweepReport::default();
    for action in plan(&passages, &existing, policy) {
        match action {
            // A drop waits only for the searches using the index: never skipped for time.
            Action::Drop(business) => {
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP INDEX CONCURRENTLY IF EXISTS {}",
                    index_name(business)
                )))
                .execute(&mut *conn)
                .await?;
                report.dropped.push(business);
            }
            Action::Build(business) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left < Duration::from_secs(1) {
                    report.left.push(business);
                    continue;
                }
                sqlx::query(AssertSqlSafe(format!(
                    "SET statement_timeout = {}",
                    left.as_millis()
                )))
                .execute(&mut *conn)
                .await?;
                sqlx::raw_sql(AssertSqlSafe(build_statement(business)))
                    .execute(&mut *conn)
                    .await?;
                report.built.push(business);
            }
        }
    }
    Ok(report)
}

/// The DDL of `business`'s own index. The id goes into the text as its hex digits and dashes
/// (a `Uuid` cannot hold anything else): DDL takes no parameters.
fn build_statement(business: Uuid) -> String {
    format!(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON knowledge_chunks \
         USING hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops) \
         WITH (m = {OWN_INDEX_M}, ef_construction = {OWN_INDEX_EF_CONSTRUCTION}) \
         WHERE business_id = '{business}'",
        name = index_name(business),
    )
}

/// The businesses' own indexes the catalogue has, valid or not.
pub async fn existing(conn: impl sqlx::PgExecutor<'_>) -> Result<Vec<ExistingIndex>, sqlx::Error> {
    let rows: Vec<(String, bool)> = sqlx::query_as(
        r"SELECT c.relname::text, i.indisvalid
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = 'knowledge_chunks'::regclass
            AND c.relname LIKE 'knowledge\_vectors\_%'",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(name, valid)| {
            business_of(&name).map(|business_id| ExistingIndex { business_id, valid })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_names_the_index_its_business_and_the_graph() {
        let b = Uuid::from_u128(0xf2735f0c_dd5a_49cd_a53a_5521989d38d4);
        assert_eq!(
            build_statement(b),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS knowledge_vectors_f2735f0cdd5a49cda53a5521989d38d4 \
             ON knowledge_chunks USING hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops) \
             WITH (m = 32, ef_construction = 200) \
             WHERE business_id = 'f2735f0c-dd5a-49cd-a53a-5521989d38d4'"
        );
    }
}
