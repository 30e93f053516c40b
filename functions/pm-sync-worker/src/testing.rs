//! Test support (feature `test-support`): the worker on a test's database, fake vendors and queue,
//! for this crate's tests.

use std::time::Duration;

use shared::db::Database;
use shared::jobs::JobQueue;
use shared::pm::sync::PmJob;
use shared::testing::pm::{cipher, providers};
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::MockServer;

use crate::{PmWorker, SyncOutcome, SyncReport};

pub fn worker(pool: &PgPool, server: &MockServer, queue: JobQueue<PmJob>) -> PmWorker {
    PmWorker {
        db: Database::from_pool(pool.clone()),
        tokens: shared::pm::store::Tokens {
            pool: pool.clone(),
            cipher: cipher(),
            providers: providers(server),
        },
        queue,
        lease: Duration::from_secs(600),
        full_every: chrono::Duration::hours(24),
        max_pages: 50,
    }
}

pub async fn synced(worker: &PmWorker, pool: &PgPool, id: Uuid, full: bool) -> SyncReport {
    match worker.sync(pool, id, full).await.unwrap() {
        SyncOutcome::Synced(report) => report,
        other => panic!("not synced: {other:?}"),
    }
}
