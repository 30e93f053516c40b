//! The knowledge queue's worker: indexes one version of a document per job
//! (`shared::knowledge::ingest::index_version`: passages cut, embedded, swapped in atomically if
//! the version is still current; a repeated or outdated job does nothing), and on the
//! schedule's job builds and drops businesses' own HNSW and GIN indexes
//! (`shared::knowledge::vector_index::sweep`, bounded by `DEFAULT_SWEEP_DEADLINE`).
//!
//! A failure is retried by SQS; from the last attempt on (`KNOWLEDGE_ATTEMPTS`, the queue's
//! maxReceiveCount) the document reads `failed` with the reason and the message goes to the
//! dead-letter queue, from which a redrive indexes it once the cause is fixed.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::db::Database;
use shared::domain::knowledge::vector_index::IndexPolicy;
use shared::jobs::{Delivery, process_batch};
use shared::knowledge::KnowledgeJob;
use shared::knowledge::embedder::{EmbedError, Embedder};
use shared::knowledge::ingest::{Outcome, index_version};
use shared::knowledge::store;
use shared::knowledge::vector_index::{self, SweepReport};
use uuid::Uuid;

mod config;

pub use config::SECRETS;

/// Deliveries before a document reads `failed` (the queue's maxReceiveCount is the same).
pub const DEFAULT_ATTEMPTS: u32 = 3;
/// One job's bound, below the function's timeout (300 s, one job per invocation): a job that
/// would outlast the Lambda fails in time to record why, instead of leaving the document
/// `processing` when the runtime is killed.
pub const DEFAULT_JOB_DEADLINE: Duration = Duration::from_secs(240);
/// The index sweep's bound, the same as a document's: no build starts that would not finish
/// by then (about 60,000 passages fit, at the rate the sweep assumes), and Postgres cancels one
/// still running. A larger business is built by the operator command, which has no bound.
pub const DEFAULT_SWEEP_DEADLINE: Duration = Duration::from_secs(240);

pub struct Worker {
    pub db: Database,
    pub embedder: Arc<dyn Embedder>,
    pub attempts: u32,
    /// Jobs of one batch indexed at once.
    pub concurrency: usize,
    /// One document's bound (`DEFAULT_JOB_DEADLINE`).
    pub deadline: Duration,
    /// The index sweep's bound (`DEFAULT_SWEEP_DEADLINE`).
    pub sweep_deadline: Duration,
    /// When a business gets its own indexes (`IndexPolicy::DEFAULT`).
    pub index_policy: IndexPolicy,
}

pub async fn handle(worker: &Worker, event: SqsEvent) -> SqsBatchResponse {
    process_batch(
        event,
        worker.concurrency,
        |job: KnowledgeJob, delivery| async move {
            match job {
                KnowledgeJob::Index {
                    document_id,
                    version,
                    reembed,
                } => {
                    let outcome = worker
                        .index(document_id, version, reembed, delivery)
                        .await?;
                    tracing::info!(%document_id, ?outcome, "knowledge job done");
                }
                KnowledgeJob::MaintainIndexes => {
                    let report = worker.maintain_indexes().await?;
                    tracing::info!(?report, "businesses' own indexes swept");
                }
            }
            Ok(())
        },
    )
    .await
}

impl Worker {
    /// The schedule's job: businesses' own HNSW and GIN indexes built and dropped. A failed action
    /// fails the job once every other action has been tried, so SQS retries it and a lasting
    /// cause ends in the dead-letter queue (and its alarm); a business too large for the job's
    /// time is logged for the operator command.
    pub async fn maintain_indexes(&self) -> anyhow::Result<SweepReport> {
        let pool = self.db.pool().await?;
        let deadline = Instant::now() + self.sweep_deadline;
        let report = vector_index::sweep(pool, self.index_policy, deadline).await?;
        if !report.too_large.is_empty() {
            tracing::warn!(
                indexes = ?report.too_large,
                "too large to index within the job: run `studioconnect knowledge maintain-indexes`"
            );
        }
        if !report.failed.is_empty() {
            anyhow::bail!("index sweep: {:?} (report: {report:?})", report.failed);
        }
        Ok(report)
    }

    pub async fn index(
        &self,
        document_id: Uuid,
        version: i32,
        reembed: bool,
        delivery: Delivery,
    ) -> anyhow::Result<Outcome> {
        let pool = self.db.pool().await?;
        // A panic or an overrun is a failure like any other: on the last attempt it is recorded.
        let work = AssertUnwindSafe(index_version(
            pool,
            self.embedder.as_ref(),
            document_id,
            version,
            reembed,
        ))
        .catch_unwind();
        let result = match tokio::time::timeout(self.deadline, work).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(anyhow::anyhow!("indexing stopped on an internal error")),
            Err(_) => Err(anyhow::anyhow!(
                "indexing took longer than {} s",
                self.deadline.as_secs()
            )),
        };
        match result {
            Ok(outcome) => Ok(outcome),
            Err(e) => {
                if delivery.receive_count >= self.attempts {
                    // The business reads this; the whole error goes to the log below.
                    let reason = match e.chain().find_map(|c| c.downcast_ref::<EmbedError>()) {
                        Some(embedding) => embedding.for_owner(),
                        None => format!("{e:#}"),
                    };
                    store::mark_failed(pool, document_id, version, &reason).await?;
                }
                Err(e.context(format!("indexing document {document_id} version {version}")))
            }
        }
    }
}
