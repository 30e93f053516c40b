//! Property: paging a list by keyset never skips or repeats a row, even while other rows are being
//! inserted, with timestamps before, at and after the pages being read (ties broken by id). Every
//! row there when paging began is read exactly once; a row inserted meanwhile is read at most once;
//! each page is in strict (created_at, id) descending order. Cases are drawn by proptest
//! (deterministic seed; `PROPTEST_CASES` for more) and run on Postgres through the admin API's own
//! cursor and query (`PageRequest`, `store::clients::list`). Run by ./infra/local/test.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use shared::admin::request::{Cursor, PageRequest};
use shared::domain::BusinessId;
use shared::store::Keyed;
use shared::store::clients::{self, ClientFilter};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone)]
struct Case {
    /// Microseconds after a base time of the rows there before paging starts; few distinct
    /// values, so many rows share a timestamp, and some a second apart by one microsecond (a cursor
    /// that lost sub-second precision would skip or repeat them).
    existing: Vec<i64>,
    /// Microseconds of the rows inserted while paging, one batch after each page read.
    inserted: Vec<Vec<i64>>,
    page_size: i64,
}

/// An instant near the others: whole seconds, or one microsecond either side of one.
fn micros(seconds: std::ops::Range<i64>) -> impl Strategy<Value = i64> {
    (
        seconds,
        prop_oneof![Just(0i64), Just(1), Just(-1), 0i64..1_000_000],
    )
        .prop_map(|(s, us)| s * 1_000_000 + us)
}

fn any_case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(micros(0..8), 0..40),
        prop::collection::vec(prop::collection::vec(micros(-2..10), 0..4), 0..12),
        1i64..7,
    )
        .prop_map(|(existing, inserted, page_size)| Case {
            existing,
            inserted,
            page_size,
        })
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

async fn insert(pool: &PgPool, business: Uuid, micros: i64) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO clients (business_id, name, created_at) VALUES ($1, 'Client', $2) RETURNING id",
    )
    .bind(business)
    .bind(base() + Duration::microseconds(micros))
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn check(pool: &PgPool, case: &Case) {
    let business: Uuid = sqlx::query_scalar(
        "INSERT INTO businesses (name, timezone) VALUES ('Paging', 'UTC') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let mut existing = HashSet::new();
    for &at in &case.existing {
        existing.insert(insert(pool, business, at).await);
    }
    // The inserts run beside the pager, on their own connection: each batch is let go after a
    // page is read, and lands while the next is being read (or before, or after).
    let (go, mut gate) = tokio::sync::mpsc::unbounded_channel::<()>();
    let inserter = {
        let pool = pool.clone();
        let batches = case.inserted.clone();
        tokio::spawn(async move {
            let mut inserted = HashSet::new();
            for batch in batches {
                if gate.recv().await.is_none() {
                    break;
                }
                for at in batch {
                    inserted.insert(insert(&pool, business, at).await);
                }
            }
            inserted
        })
    };
    let mut seen: Vec<Uuid> = Vec::new();
    let mut after: Option<Cursor> = None;
    let mut pages = 0;
    loop {
        let request = PageRequest {
            limit: case.page_size,
            after: after.clone(),
        };
        let rows = clients::list(
            pool,
            BusinessId::new(business),
            &ClientFilter {
                search: None,
                page: request.keyset(),
            },
        )
        .await
        .unwrap();
        let page = request.finish(rows, "clients");
        let keys: Vec<_> = page.items.iter().map(|c| c.key()).collect();
        assert!(
            keys.windows(2).all(|w| w[0] > w[1]),
            "a page out of order: {keys:?} ({case:?})"
        );
        if let (Some(cursor), Some(first)) = (&after, keys.first()) {
            assert!(
                (cursor.created_at, cursor.id) > *first,
                "a page starts at or before its cursor ({case:?})"
            );
        }
        seen.extend(page.items.iter().map(|c| c.id));
        let _ = go.send(());
        tokio::task::yield_now().await;
        pages += 1;
        assert!(pages < 1_000, "paging does not end ({case:?})");
        match page.next_cursor {
            Some(next) => after = Some(Cursor::decode(&next).unwrap()),
            None => break,
        }
    }
    drop(go);
    let inserted = inserter.await.unwrap();
    let distinct: HashSet<Uuid> = seen.iter().copied().collect();
    assert_eq!(distinct.len(), seen.len(), "a row read twice ({case:?})");
    let missed: Vec<_> = existing.difference(&distinct).collect();
    assert!(missed.is_empty(), "rows skipped: {missed:?} ({case:?})");
    assert!(
        distinct
            .iter()
            .all(|id| existing.contains(id) || inserted.contains(id)),
        "a row of another list ({case:?})"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn keyset_paging_never_skips_or_repeats_a_row_under_concurrent_inserts(pool: PgPool) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48u32);
    // A fixed seed: the same cases every run (a failure names its case).
    let mut runner = TestRunner::deterministic();
    let strategy = any_case();
    for _ in 0..cases {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        check(&pool, &case).await;
    }
}
