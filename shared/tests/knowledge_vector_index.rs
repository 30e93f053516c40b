//! Businesses' own indexes against Postgres with pgvector: the sweep builds a business over the
//! line its HNSW and GIN indexes, searches of that business then use both (and keep their
//! scope), an index a failed build left is neither used nor kept, a business with one of the
//! two keeps it and gets the other, a failed GIN build leaves the HNSW index serving, a failed
//! build does not stop the others, one sweep runs at a time, none starts a build it cannot
//! finish, and a business that shrinks loses its indexes.

use std::time::{Duration, Instant};

use shared::domain::knowledge::vector_index::{ExistingIndex, IndexKind, IndexPolicy, OwnIndex};
use shared::knowledge::vector_index::{SWEEP_LOCK, SweepReport, existing, sweep};
use shared::testing::admin::{A, A_CLIENT, B, setup};
use shared::testing::knowledge::{STUDIO_FAQ, found, indexed, studio_documents, titles};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

/// Every business with a passage gets its own indexes; none loses them.
const EVERY_BUSINESS: IndexPolicy = IndexPolicy {
    build_at: 1,
    drop_below: 1,
};

fn later() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

fn id(business: &str) -> Uuid {
    business.parse().unwrap()
}

fn own(business: &str, kind: IndexKind) -> OwnIndex {
    OwnIndex {
        business_id: id(business),
        kind,
    }
}

/// A business's two own indexes, in the order a sweep builds them.
fn both(business: &str) -> Vec<OwnIndex> {
    IndexKind::ALL
        .into_iter()
        .map(|kind| own(business, kind))
        .collect()
}

fn valid(indexes: &[OwnIndex]) -> Vec<ExistingIndex> {
    indexes
        .iter()
        .map(|&index| ExistingIndex { index, valid: true })
        .collect()
}

/// Times the index `name` has been scanned. The search runs on a pool of one connection, so
/// this flush reaches that backend's counts.
async fn index_scans(one: &PgPool, name: &str) -> i64 {
    sqlx::query("SELECT pg_stat_force_next_flush()")
        .execute(one)
        .await
        .unwrap();
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = $1), -1)",
    )
    .bind(name)
    .fetch_one(one)
    .await
    .unwrap()
}

async fn own_index_scans(one: &PgPool, business: &str) -> i64 {
    index_scans(one, &own(business, IndexKind::Vectors).name()).await
}

async fn words_index_scans(one: &PgPool, business: &str) -> i64 {
    index_scans(one, &own(business, IndexKind::Words).name()).await
}

const SHARED_INDEX: &str = "knowledge_chunks_embedding";

async fn passages(pool: &PgPool, business: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM knowledge_chunks WHERE business_id = $1")
        .bind(id(business))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A pool of one connection to the test's database, whose planner reads a handful of passages
/// by an index as it would a large business's: with a few rows, reading them all and sorting
/// is cheaper, and no HNSW index would ever be walked.
async fn one_connection(pool: &PgPool) -> PgPool {
    sqlx::raw_sql(
        "DO $$ BEGIN
             EXECUTE format('ALTER DATABASE %I SET enable_seqscan = off', current_database());
             EXECUTE format('ALTER DATABASE %I SET enable_sort = off', current_database());
         END $$",
    )
    .execute(pool)
    .await
    .unwrap();
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_business_over_the_line_gets_its_own_index_and_its_searches_walk_it(pool: PgPool) {
    setup(&pool).await;
    studio_documents(&pool).await;
    indexed(&pool, B, None, "Bolt FAQ", "# Hours\n\nBolt opens at nine.").await;
    // A has more passages than B: only A is over this line.
    let (a, b) = (passages(&pool, A).await, passages(&pool, B).await);
    assert!(a > b, "{a} {b}");
    let policy = IndexPolicy {
        build_at: a,
        drop_below: 1,
    };
    let report = sweep(&pool, policy, later()).await.unwrap();
    assert_eq!(
        report,
        SweepReport {
            built: both(A),
            ..SweepReport::default()
        }
    );
    assert_eq!(existing(&pool).await.unwrap(), valid(&both(A)));

    let one = one_connection(&pool).await;
    let before = own_index_scans(&one, A).await;
    assert_eq!(before, 0);
    assert_eq!(
        titles(&found(&one, A, None, "where do I park").await),
        ["Studio FAQ"]
    );
    assert_eq!(own_index_scans(&one, A).await, 1);
    // The scope holds on the business's own index: the client's document reaches the client
    // only.
    let question = "how many design hours does the retainer cover";
    assert!(found(&one, A, None, question).await.is_empty());
    assert_eq!(
        titles(&found(&one, A, Some(A_CLIENT), question).await),
        ["Whitfield contract"]
    );
    assert_eq!(own_index_scans(&one, A).await, 3);
    // B has none: its search reads its own passage, as before.
    assert_eq!(
        titles(&found(&one, B, None, "when does Bolt open").await),
        ["Bolt FAQ"]
    );
    assert_eq!(own_index_scans(&one, A).await, 3);

    // Nothing to do the second time.
    assert_eq!(
        sweep(&pool, policy, later()).await.unwrap(),
        SweepReport::default()
    );
}

/// The keyword half of a large business reads its own GIN index, not the shared one: with as
/// many passages as a large business (3,000 more of filler for each business), the planner asks
/// a full-text index rather than reading them all, and of the two it prefers the one that holds
/// the business's passages alone.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_large_business_keyword_half_reads_its_own_words_index(pool: PgPool) {
    setup(&pool).await;
    studio_documents(&pool).await;
    indexed(
        &pool,
        B,
        None,
        "Bolt FAQ",
        "# Parking\n\nBolt has no car park.",
    )
    .await;
    let filler = 3_000;
    sqlx::query(
        "WITH first AS (SELECT DISTINCT ON (business_id) * FROM knowledge_chunks
                        ORDER BY business_id, id),
              added AS (
                  INSERT INTO knowledge_chunks (document_id, business_id, document_version,
                      ordinal, content, embedding, embedding_model, search_config)
                  SELECT f.document_id, f.business_id, f.document_version, 1000 + g,
                         'filler passage ' || g || ' about nothing in particular',
                         f.embedding, f.embedding_model, f.search_config
                  FROM first f, generate_series(1, $1) g
              )
         UPDATE knowledge_documents d SET passage_count = passage_count + $1
         FROM first f WHERE d.id = f.document_id",
    )
    .bind(filler)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE knowledge_chunks")
        .execute(&pool)
        .await
        .unwrap();
    let policy = IndexPolicy {
        build_at: i64::from(filler),
        drop_below: 1,
    };
    let built = sweep(&pool, policy, later()).await.unwrap().built;
    assert_eq!(built, [both(A), both(B)].concat());

    let one = one_connection(&pool).await;
    let shared_before = index_scans(&one, "knowledge_chunks_text").await;
    // The filler passages copied the first passage's vector, so the vector half brings them too;
    // the keyword half puts the one with the words first.
    let hits = found(&one, A, None, "is there free parking behind the studio").await;
    assert!(hits[0].content.contains("Free parking"), "{hits:?}");
    assert_eq!(words_index_scans(&one, A).await, 1);
    assert_eq!(words_index_scans(&one, B).await, 0);
    assert_eq!(
        index_scans(&one, "knowledge_chunks_text").await,
        shared_before
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_index_a_failed_build_left_is_not_used_and_is_built_again(pool: PgPool) {
    setup(&pool).await;
    indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    // What a cancelled `CREATE INDEX CONCURRENTLY` leaves: the index, marked invalid.
    sqlx::query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass($1)")
        .bind(own(A, IndexKind::Vectors).name())
        .execute(&pool)
        .await
        .unwrap();
    let one = one_connection(&pool).await;
    let shared_before = index_scans(&one, SHARED_INDEX).await;
    assert_eq!(
        titles(&found(&one, A, None, "where do I park").await),
        ["Studio FAQ"]
    );
    // The search went to the shared index instead.
    assert_eq!(own_index_scans(&one, A).await, 0);
    assert_eq!(index_scans(&one, SHARED_INDEX).await, shared_before + 1);

    let report = sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    let vectors = own(A, IndexKind::Vectors);
    assert_eq!(
        (report.dropped, report.built),
        (vec![vectors], vec![vectors])
    );
    assert_eq!(existing(&pool).await.unwrap(), valid(&both(A)));
}

/// A valid index is never dropped for its partner's sake: a business with one of the two (one
/// indexed before there were two, or whose other build failed) keeps it, and gets the other.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_business_with_one_of_its_two_indexes_keeps_it_and_gets_the_other(pool: PgPool) {
    setup(&pool).await;
    indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    indexed(&pool, B, None, "Bolt FAQ", "# Hours\n\nBolt opens at nine.").await;
    sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    for name in [
        own(A, IndexKind::Words).name(),
        own(B, IndexKind::Vectors).name(),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&pool)
            .await
            .unwrap();
    }
    let (a_vectors, b_words) = (own(A, IndexKind::Vectors), own(B, IndexKind::Words));
    assert_eq!(existing(&pool).await.unwrap(), valid(&[a_vectors, b_words]));
    let report = sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    assert_eq!(
        report,
        SweepReport {
            built: vec![own(A, IndexKind::Words), own(B, IndexKind::Vectors)],
            ..SweepReport::default()
        }
    );
    assert_eq!(
        existing(&pool).await.unwrap(),
        valid(&[both(A), both(B)].concat())
    );
}

/// The GIN build fails after the HNSW build succeeded (an event trigger refuses it): the HNSW
/// index stays and serves, only the failed build's remains go, and the next sweep builds the
/// GIN index alone.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_failed_words_build_leaves_the_vectors_index_serving(pool: PgPool) {
    setup(&pool).await;
    indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_words_indexes() RETURNS event_trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF current_query() LIKE '%knowledge_words_%' THEN
                 RAISE EXCEPTION 'refused for the test';
             END IF;
         END $$;
         CREATE EVENT TRIGGER refuse_words_indexes ON ddl_command_start
             WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION refuse_words_indexes();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let report = sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    let (vectors, words) = (own(A, IndexKind::Vectors), own(A, IndexKind::Words));
    assert_eq!(report.built, [vectors]);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, words);
    assert!(
        report.failed[0].1.contains("refused for the test"),
        "{report:?}"
    );
    assert_eq!(existing(&pool).await.unwrap(), valid(&[vectors]));
    let one = one_connection(&pool).await;
    assert_eq!(
        titles(&found(&one, A, None, "where do I park").await),
        ["Studio FAQ"]
    );
    assert_eq!(own_index_scans(&one, A).await, 1);

    sqlx::raw_sql("DROP EVENT TRIGGER refuse_words_indexes")
        .execute(&pool)
        .await
        .unwrap();
    let report = sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    assert_eq!(
        report,
        SweepReport {
            built: vec![words],
            ..SweepReport::default()
        }
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn one_sweep_at_a_time_and_none_starts_a_build_it_cannot_finish(pool: PgPool) {
    setup(&pool).await;
    indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    let mut holder = pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(SWEEP_LOCK.0)
        .bind(SWEEP_LOCK.1)
        .execute(&mut *holder)
        .await
        .unwrap();
    let busy = sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    assert!(busy.busy && busy.built.is_empty(), "{busy:?}");
    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(SWEEP_LOCK.0)
        .bind(SWEEP_LOCK.1)
        .execute(&mut *holder)
        .await
        .unwrap();

    // No time at all: no build could finish, so none starts.
    let late = sweep(&pool, EVERY_BUSINESS, Instant::now()).await.unwrap();
    assert_eq!((late.built, late.too_large), (vec![], both(A)));
    assert!(existing(&pool).await.unwrap().is_empty());
    // The lock went with the sweep's connection: the next sweep runs.
    let next = sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    assert_eq!(next.built, both(A));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_business_that_shrinks_or_goes_loses_its_indexes(pool: PgPool) {
    setup(&pool).await;
    let faq = indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    indexed(&pool, B, None, "Bolt FAQ", "# Hours\n\nBolt opens at nine.").await;
    let policy = IndexPolicy {
        build_at: 1,
        drop_below: 1,
    };
    let built = sweep(&pool, policy, later()).await.unwrap().built;
    assert_eq!(built.len(), 4);
    // A's passages deleted; B's business deleted with everything it had.
    sqlx::query("DELETE FROM knowledge_documents WHERE id = $1")
        .bind(faq)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM businesses WHERE id = $1")
        .bind(id(B))
        .execute(&pool)
        .await
        .unwrap();
    let mut dropped = sweep(&pool, policy, later()).await.unwrap().dropped;
    dropped.sort();
    assert_eq!(dropped, [both(A), both(B)].concat());
    assert!(existing(&pool).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_failed_build_is_reported_its_remains_dropped_and_the_others_still_built(pool: PgPool) {
    setup(&pool).await;
    indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    indexed(&pool, B, None, "Bolt FAQ", "# Hours\n\nBolt opens at nine.").await;
    // A vector half precision cannot hold (over 65,504) makes A's build fail part-way.
    sqlx::query(
        "UPDATE knowledge_chunks SET embedding = ('[1000000' || repeat(',0', $2) || ']')::vector
         WHERE business_id = $1",
    )
    .bind(id(A))
    .bind(shared::knowledge::embedder::DIMENSIONS as i32 - 1)
    .execute(&pool)
    .await
    .unwrap();
    let report = sweep(&pool, EVERY_BUSINESS, later()).await.unwrap();
    // A's HNSW build failed; its GIN index and B's two were still built.
    let mut built = report.built.clone();
    built.sort();
    assert_eq!(built, [vec![own(A, IndexKind::Words)], both(B)].concat());
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, own(A, IndexKind::Vectors));
    // Nothing of A's failed build is left behind, valid or not.
    assert_eq!(
        existing(&pool).await.unwrap(),
        valid(&[vec![own(A, IndexKind::Words)], both(B)].concat())
    );
}
