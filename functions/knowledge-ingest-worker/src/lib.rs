//! The knowledge queue's worker: indexes one version of a document per job
//! (`shared::knowledge::ingest::index_version`: passages cut, embedded, swapped in atomically if
//! the version is still current; a repeated or outdated job does nothing).
//!
//! A failure is retried by SQS; from the last attempt on (`KNOWLEDGE_ATTEMPTS`, the queue's
//! maxReceiveCount) the document reads `failed` with the reason and the message goes to the
//! dead-letter queue, from which a redrive indexes it once the cause is fixed.

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::db::Database;
use shared::jobs::{Delivery, process_batch};
use shared::knowledge::KnowledgeJob;
use shared::knowledge::embedder::Embedder;
use shared::knowledge::ingest::{Outcome, index_version};
use shared::knowledge::store;

mod config;

pub use config::SECRETS;

/// Deliveries before a document reads `failed` (the queue's maxReceiveCount is the same).
pub const DEFAULT_ATTEMPTS: u32 = 3;

pub struct Worker {
    pub db: Database,
    pub embedder: Arc<dyn Embedder>,
    pub attempts: u32,
    /// Jobs of one batch indexed at once.
    pub concurrency: usize,
}

pub async fn handle(worker: &Worker, event: SqsEvent) -> SqsBatchResponse {
    process_batch(
        event,
        worker.concurrency,
        |job: KnowledgeJob, delivery| async move {
            let KnowledgeJob::Index { document_id, .. } = &job;
            let document_id = *document_id;
            let outcome = worker.process(job, delivery).await?;
            tracing::info!(%document_id, ?outcome, "knowledge job done");
            Ok(())
        },
    )
    .await
}

impl Worker {
    pub async fn process(&self, job: KnowledgeJob, delivery: Delivery) -> anyhow::Result<Outcome> {
        let KnowledgeJob::Index {
            document_id,
            version,
            reembed,
        } = job;
        let pool = self.db.pool().await?;
        match index_version(pool, self.embedder.as_ref(), document_id, version, reembed).await {
            Ok(outcome) => Ok(outcome),
            Err(e) => {
                if delivery.receive_count >= self.attempts {
                    store::mark_failed(pool, document_id, version, &format!("{e:#}")).await?;
                }
                Err(e.context(format!("indexing document {document_id} version {version}")))
            }
        }
    }
}
