//! The `pm-sync` queue's worker. One job type, three kinds of work:
//! - `ResyncAll` (the hourly EventBridge schedule): one `Sync` per integration not waiting for
//!   re-consent;
//! - `Sync`: full (on connect, daily, or on request) or incremental (changes since the watermark,
//!   minus an overlap), page by page with loop guards and a bulk upsert per page, so memory stays
//!   flat whatever the size; a full sync marks what the provider no longer lists as deleted. Then
//!   webhooks are reconciled (registered, refreshed before expiry, recreated when deleted);
//! - `Refetch`: the items a webhook named, read again from the provider (never from the event).
//!
//! One sync per integration at a time (a lease in the row); each job works on one tenant with its
//! own circuit breaker, and Lambda runs jobs in parallel, so a slow tenant never holds up others.

#[cfg(feature = "test-support")]
pub mod testing;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use shared::db::Database;
use shared::jobs::{Delivery, JobQueue};
use shared::pm::store::{self, IntegrationRow, StoreLedger, Tokens};
use shared::pm::{Connection, Page, PmError, ProjectManagementProvider, Provider};

use shared::pm::sync::PmJob;

mod config;

pub use config::SECRETS;

/// What a sync did, for the log and the tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub full: bool,
    pub projects: u64,
    pub tasks: u64,
    pub pages: u64,
    pub deleted_projects: u64,
    pub deleted_tasks: u64,
    pub linked_clients: u64,
    pub webhooks: shared::pm::WebhookReport,
    /// A webhook problem does not fail a sync (the schedule tries again); it is kept here and in
    /// `last_error`.
    pub webhook_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Synced(SyncReport),
    /// Another sync holds the lease, or the integration is gone or waits for re-consent.
    Skipped(&'static str),
}

pub struct PmWorker {
    pub db: Database,
    pub tokens: Tokens,
    pub queue: JobQueue<PmJob>,
    /// How long a sync may hold its lease before another may take over (a crashed worker).
    pub lease: Duration,
    /// A full sync at least this often; incremental ones in between.
    pub full_every: chrono::Duration,
    /// Pagination guard: no listing is longer than this many pages.
    pub max_pages: usize,
}

/// An incremental sync asks for changes since the watermark minus this (clock skew, the
/// providers' minute granularity); the upsert's version check makes the overlap harmless.
const INCREMENTAL_OVERLAP: chrono::Duration = chrono::Duration::minutes(15);
/// An expired monday cursor restarts a board's listing at most this many times.
const MAX_RESTARTS: usize = 2;

pub const DEFAULT_MAX_PAGES: usize = 10_000;

impl PmWorker {
    pub async fn from_platform(platform: &shared::platform::Platform) -> anyhow::Result<Self> {
        let env = shared::config::Env::process();
        Ok(Self {
            db: platform.db.clone(),
            tokens: Tokens {
                pool: platform.db.pool().await?.clone(),
                cipher: shared::pm::crypto::TokenCipher::from_secrets(&platform.secrets)?,
                providers: shared::pm::PmProviders::from_env(
                    &env,
                    &platform.secrets,
                    platform.dashboard_url.as_deref(),
                )?,
            },
            queue: JobQueue::new(platform.aws.sqs.clone(), &platform.settings.queues.pm_sync),
            lease: Duration::from_secs(env.parsed("PM_SYNC_LEASE_SECS", 900u64)?),
            full_every: chrono::Duration::hours(env.parsed("PM_FULL_SYNC_HOURS", 24i64)?),
            max_pages: env.parsed("PM_MAX_PAGES", DEFAULT_MAX_PAGES)?,
        })
    }

    /// The Lambda handler: each job on its own, failures reported per message.
    pub async fn handle(
        &self,
        event: aws_lambda_events::sqs::SqsEvent,
    ) -> aws_lambda_events::sqs::SqsBatchResponse {
        shared::jobs::process_batch(event, 4, |job: PmJob, delivery| self.process(job, delivery))
            .await
    }

    pub async fn process(&self, job: PmJob, delivery: Delivery) -> anyhow::Result<()> {
        let pool = self.db.pool().await?.clone();
        match job {
            PmJob::ResyncAll => {
                let ids = store::syncable_integrations(&pool).await?;
                for id in &ids {
                    self.queue
                        .send(&PmJob::Sync {
                            integration_id: *id,
                            full: false,
                        })
                        .await?;
                }
                tracing::info!(integrations = ids.len(), "resync fanned out");
                Ok(())
            }
            PmJob::Sync {
                integration_id,
                full,
            } => match self.sync(&pool, integration_id, full).await? {
                SyncOutcome::Synced(report) => {
                    tracing::info!(%integration_id, ?report, "integration synced");
                    Ok(())
                }
                SyncOutcome::Skipped("busy") if delivery.receive_count < 3 => {
                    // A sync is running: this one (e.g. a user's "sync now") runs after it.
                    anyhow::bail!("integration {integration_id} is being synced; retrying later")
                }
                SyncOutcome::Skipped(why) => {
                    tracing::info!(%integration_id, why, "sync skipped");
                    Ok(())
                }
            },
            PmJob::Refetch {
                integration_id,
                task_ids,
            } => {
                let n = self.refetch(&pool, integration_id, &task_ids).await?;
                tracing::info!(%integration_id, refetched = n, "webhook items refetched");
                Ok(())
            }
        }
    }

    fn provider(&self, row: &IntegrationRow) -> Result<&dyn ProjectManagementProvider, PmError> {
        let provider = row.provider()?;
        self.tokens
            .providers
            .get(provider)
            .map(|p| p.as_ref())
            .ok_or_else(|| PmError::Other(format!("{provider} is not configured here")))
    }

    /// Syncs one integration under its lease; failures are recorded on the row and returned (SQS
    /// retries them), except a refused grant, which waits for the business to reconnect.
    pub async fn sync(&self, pool: &PgPool, id: Uuid, full: bool) -> anyhow::Result<SyncOutcome> {
        let Some(row) = store::take_lease(pool, id, self.lease).await? else {
            let exists = store::status(pool, id).await?;
            return Ok(SyncOutcome::Skipped(match exists.as_deref() {
                None => "integration removed",
                Some("needs_reconsent") => "waiting for re-consent",
                Some(_) => "busy",
            }));
        };
        let started_at = Utc::now();
        let full = full
            || row.sync_watermark.is_none()
            || row
                .last_full_sync_at
                .is_none_or(|at| started_at - at >= self.full_every);
        match self.run(pool, &row, full, started_at).await {
            Ok(report) => {
                store::finish_sync(pool, id, started_at, full, report.webhook_error.as_deref())
                    .await?;
                Ok(SyncOutcome::Synced(report))
            }
            Err(e) => {
                store::fail_sync(pool, id, &e).await?;
                if e.is_unauthorized() {
                    tracing::warn!(integration_id = %id, error = %e, "grant refused; integration needs re-consent");
                    Ok(SyncOutcome::Skipped("waiting for re-consent"))
                } else {
                    Err(anyhow::Error::new(e).context(format!("syncing integration {id}")))
                }
            }
        }
    }

    async fn run(
        &self,
        pool: &PgPool,
        row: &IntegrationRow,
        full: bool,
        started_at: DateTime<Utc>,
    ) -> Result<SyncReport, PmError> {
        let provider = self.provider(row)?;
        let kind = provider.provider();
        let mut conn = self.tokens.connection(row, false).await?;
        let since = (!full)
            .then(|| row.sync_watermark.map(|w| w - INCREMENTAL_OVERLAP))
            .flatten();
        let mut report = SyncReport {
            full,
            ..SyncReport::default()
        };

        // Projects: every page upserted as it arrives.
        let mut project_ids = Vec::new();
        let mut guard = PageGuard::new(kind, self.max_pages);
        let mut token = None;
        loop {
            let page = with_reauth(&self.tokens, row, &mut conn, |c| {
                let token = token.clone();
                async move { provider.projects_page(&c, token).await }.boxed()
            })
            .await?;
            report.pages += 1;
            project_ids.extend(page.items.iter().map(|p| p.external_id.clone()));
            report.projects +=
                store::upsert_projects(pool, &conn, kind, &page.items, started_at).await?;
            match guard.next(&page)? {
                Some(next) => token = Some(next),
                None => break,
            }
        }

        // Tasks, project by project.
        for project in &project_ids {
            let mut restarts = 0;
            'listing: loop {
                let mut guard = PageGuard::new(kind, self.max_pages);
                let mut token = None;
                loop {
                    let page = match with_reauth(&self.tokens, row, &mut conn, |c| {
                        let token = token.clone();
                        async move { provider.tasks_page(&c, project, since, token).await }.boxed()
                    })
                    .await
                    {
                        Err(PmError::CursorExpired { .. }) if restarts < MAX_RESTARTS => {
                            restarts += 1;
                            tracing::warn!(
                                project,
                                restarts,
                                "cursor expired; listing the project again"
                            );
                            continue 'listing;
                        }
                        other => other?,
                    };
                    report.pages += 1;
                    report.tasks +=
                        store::upsert_tasks(pool, &conn, kind, &page.items, started_at).await?;
                    match guard.next(&page)? {
                        Some(next) => token = Some(next),
                        None => break 'listing,
                    }
                }
            }
        }

        if full {
            let (p, t) = store::mark_unseen_deleted(pool, row.id, started_at).await?;
            report.deleted_projects = p;
            report.deleted_tasks = t;
        }
        report.linked_clients =
            store::relink_clients_by_rule(pool, row.business_id, Some(row.id)).await?;

        // Webhooks cover what the provider lists now (every sync lists all projects), not rows
        // an incremental sync has not had the chance to mark deleted.
        project_ids.sort_unstable();
        project_ids.dedup();
        let existing = store::webhooks(pool, row.id).await?;
        let ledger = StoreLedger {
            pool,
            cipher: &self.tokens.cipher,
            integration_id: row.id,
        };
        match provider
            .reconcile_webhooks(&conn, &project_ids, &existing, &ledger)
            .await
        {
            Ok(w) => report.webhooks = w,
            Err(e) => {
                tracing::warn!(integration_id = %row.id, error = %e, "webhook reconciliation failed");
                // Shown to the business beside the sync (`last_error`): in its words.
                report.webhook_error = Some(format!("webhooks: {}", e.for_owner()));
            }
        }
        Ok(report)
    }

    /// Reads each named task from the provider and stores what it says now: updated, or deleted
    /// when the provider no longer has it.
    pub async fn refetch(
        &self,
        pool: &PgPool,
        id: Uuid,
        task_ids: &[String],
    ) -> anyhow::Result<usize> {
        let Some(row) = store::load(pool, id).await? else {
            return Ok(0);
        };
        if row.status == "needs_reconsent" {
            return Ok(0);
        }
        let provider = self.provider(&row)?;
        let kind = provider.provider();
        let mut conn = self.tokens.connection(&row, false).await?;
        let now = Utc::now();
        let mut found = Vec::new();
        for task_id in task_ids {
            match with_reauth(&self.tokens, &row, &mut conn, |c| {
                async move { provider.fetch_task(&c, task_id).await }.boxed()
            })
            .await?
            {
                Some(task) => found.push(task),
                None => {
                    store::mark_task_deleted(pool, id, task_id).await?;
                }
            }
        }
        store::upsert_tasks(pool, &conn, kind, &found, now).await?;
        Ok(task_ids.len())
    }
}

/// Runs one provider call; after a 401 the token is refreshed once (it may have been revoked and
/// re-issued, or expired early) and the call repeated.
async fn with_reauth<'a, T, F>(
    tokens: &Tokens,
    row: &IntegrationRow,
    conn: &mut Connection,
    call: F,
) -> Result<T, PmError>
where
    F: Fn(Connection) -> BoxFuture<'a, Result<T, PmError>>,
{
    match call(conn.clone()).await {
        Err(PmError::Unauthorized { .. }) => {
            let current = store::load(&tokens.pool, row.id)
                .await?
                .ok_or_else(|| PmError::Other("the integration was removed".into()))?;
            conn.access_token = tokens.access_token(&current, true).await?;
            call(conn.clone()).await
        }
        other => other,
    }
}

/// Stops a listing that would never end: a repeated page token, a page with no items that still
/// points onward, or more pages than any real tenant has.
struct PageGuard {
    provider: Provider,
    seen: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

impl PageGuard {
    fn new(provider: Provider, max_pages: usize) -> Self {
        Self {
            provider,
            seen: HashSet::new(),
            pages: 0,
            max_pages,
        }
    }

    fn next<T>(&mut self, page: &Page<T>) -> Result<Option<String>, PmError> {
        self.pages += 1;
        let Some(token) = &page.next else {
            return Ok(None);
        };
        let stop = |detail: String| PmError::Paging {
            provider: self.provider,
            detail,
        };
        if page.items.is_empty() {
            return Err(stop(format!(
                "page {} was empty but pointed onward",
                self.pages
            )));
        }
        if !self.seen.insert(token.clone()) {
            return Err(stop(format!(
                "page token repeated after page {}",
                self.pages
            )));
        }
        if self.pages >= self.max_pages {
            return Err(stop(format!("more than {} pages", self.max_pages)));
        }
        Ok(Some(token.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: Vec<u8>, next: Option<&str>) -> Page<u8> {
        Page {
            items,
            next: next.map(str::to_owned),
        }
    }

    #[test]
    fn the_guard_stops_repeats_empty_pages_and_endless_listings() {
        let mut g = PageGuard::new(Provider::Jira, 10);
        assert_eq!(g.next(&page(vec![1], Some("a"))).unwrap(), Some("a".into()));
        assert_eq!(g.next(&page(vec![1], Some("b"))).unwrap(), Some("b".into()));
        assert!(
            g.next(&page(vec![1], Some("a")))
                .unwrap_err()
                .to_string()
                .contains("repeated")
        );
        let mut g = PageGuard::new(Provider::Jira, 10);
        assert!(
            g.next(&page(vec![], Some("a")))
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert_eq!(g.next(&page(vec![], None)).unwrap(), None);
        let mut g = PageGuard::new(Provider::Asana, 2);
        g.next(&page(vec![1], Some("1"))).unwrap();
        assert!(g.next(&page(vec![1], Some("2"))).is_err());
    }

    #[test]
    fn jobs_round_trip_in_the_schedules_shape() {
        let body = r#"{"kind":"pm_sync","id":"x","enqueued_at":"2026-11-24T00:00:00Z","job":{"type":"resync_all"}}"#;
        assert_eq!(
            shared::jobs::decode_body::<PmJob>("m", body).unwrap(),
            PmJob::ResyncAll
        );
        let sync = PmJob::Sync {
            integration_id: Uuid::nil(),
            full: true,
        };
        let encoded = shared::jobs::encode(&sync).unwrap();
        assert_eq!(
            shared::jobs::decode_body::<PmJob>("m", &encoded).unwrap(),
            sync
        );
    }
}
