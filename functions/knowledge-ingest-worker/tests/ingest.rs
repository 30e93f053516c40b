//! The knowledge worker through its Lambda handler: a batch of jobs indexed, a malformed message
//! reported alone (partial batch failure), a failing embedder retried and then recorded as the
//! document's failure, a repeated job harmless, and the schedule's job building and dropping
//! a business's own indexes (and failing, for SQS to retry, when a build fails).

use std::sync::Arc;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use futures::future::BoxFuture;
use knowledge_ingest_worker::{Worker, handle};
use shared::db::Database;
use shared::domain::BusinessId;
use shared::domain::knowledge::document::SourceKind;
use shared::domain::knowledge::vector_index::{ExistingIndex, IndexKind, IndexPolicy, OwnIndex};
use shared::http_client::HttpError;
use shared::jobs::encode;
use shared::knowledge::KnowledgeJob;
use shared::knowledge::embedder::{EmbedError, Embedder, LexicalEmbedder};
use shared::knowledge::store::{self, DocumentContent};
use shared::testing::admin::{A, setup};
use sqlx::PgPool;
use uuid::Uuid;

fn message(id: &str, body: String, receives: u32) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.to_owned());
    m.body = Some(body);
    m.attributes
        .insert("ApproximateReceiveCount".into(), receives.to_string());
    m
}

fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages;
    event
}

fn worker(pool: &PgPool, embedder: Arc<dyn Embedder>) -> Worker {
    Worker {
        db: Database::from_pool(pool.clone()),
        embedder,
        attempts: 3,
        concurrency: 2,
        deadline: std::time::Duration::from_secs(30),
        sweep_deadline: std::time::Duration::from_secs(60),
        // Every business with a passage gets its own indexes, and keeps them while it has one.
        index_policy: IndexPolicy {
            build_at: 1,
            drop_below: 1,
        },
    }
}

fn content(body: &str) -> DocumentContent {
    DocumentContent {
        title: "Studio FAQ".into(),
        client_id: None,
        source_kind: SourceKind::Markdown,
        source_name: None,
        body: body.into(),
    }
}

async fn document(pool: &PgPool, body: &str) -> Uuid {
    store::create(
        pool,
        BusinessId::new(A.parse().unwrap()),
        &content(body),
        None,
    )
    .await
    .unwrap()
}

/// A document of business A, indexed as version 1 with `embedder`'s vectors.
async fn indexed(pool: &PgPool, embedder: Arc<dyn Embedder>) -> Uuid {
    setup(pool).await;
    let id = document(pool, "Free parking is behind the studio.").await;
    handle(
        &worker(pool, embedder),
        batch(vec![message("m", job(id, 1), 1)]),
    )
    .await;
    id
}

fn job(document_id: Uuid, version: i32) -> String {
    encode(&KnowledgeJob::Index {
        document_id,
        version,
        reembed: false,
    })
    .unwrap()
}

async fn status(pool: &PgPool, id: Uuid) -> (String, Option<String>, i32) {
    sqlx::query_as(
        "SELECT status, failure_reason, passage_count FROM knowledge_documents WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// An embedding service that is down.
struct Down;

impl Embedder for Down {
    fn model(&self) -> &str {
        "text-embedding-3-small"
    }
    fn embed<'a>(&'a self, _: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async {
            Err(EmbedError::Service(HttpError::Decode {
                service: "openai",
                reason: "HTTP 503".into(),
            }))
        })
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_batch_is_indexed_and_a_malformed_message_fails_alone(pool: PgPool) {
    setup(&pool).await;
    let long: String = (1..=30)
        .map(|i| {
            format!("## Policy {i}\n\nPolicy {i} says the studio answers within {i} days.\n\n")
        })
        .collect();
    let first = document(&pool, &long).await;
    let second = document(&pool, "Free parking is behind the studio.").await;
    let w = worker(&pool, Arc::new(LexicalEmbedder));
    let response = handle(
        &w,
        batch(vec![
            message("m1", job(first, 1), 1),
            message("m2", "{not a job".into(), 1),
            message("m3", job(second, 1), 1),
        ]),
    )
    .await;
    let failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, vec!["m2"]);
    let (s, reason, passages) = status(&pool, first).await;
    assert_eq!((s.as_str(), reason), ("ready", None));
    assert!(passages > 1, "{passages}");
    assert_eq!(status(&pool, second).await, ("ready".into(), None, 1));
    // Delivered again (at least once): nothing changes.
    let chunk_ids = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM knowledge_chunks ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    let before = chunk_ids(pool.clone()).await;
    let again = handle(&w, batch(vec![message("m1", job(first, 1), 2)])).await;
    assert!(again.batch_item_failures.is_empty());
    assert_eq!(chunk_ids(pool.clone()).await, before);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_failing_embedder_is_retried_then_the_document_reads_failed(pool: PgPool) {
    setup(&pool).await;
    let id = document(&pool, "Free parking is behind the studio.").await;
    let down = worker(&pool, Arc::new(Down));
    for receives in 1..=2 {
        let r = handle(&down, batch(vec![message("m", job(id, 1), receives)])).await;
        assert_eq!(r.batch_item_failures.len(), 1);
        assert_eq!(status(&pool, id).await.0, "processing");
    }
    let r = handle(&down, batch(vec![message("m", job(id, 1), 3)])).await;
    assert_eq!(
        r.batch_item_failures.len(),
        1,
        "the last attempt goes to the DLQ"
    );
    let (s, reason, _) = status(&pool, id).await;
    assert_eq!(s, "failed");
    assert_eq!(
        reason.as_deref(),
        Some("the embedding service's answer could not be read")
    );
    // Redriven once the service is back: indexed.
    let up = worker(&pool, Arc::new(LexicalEmbedder));
    let r = handle(&up, batch(vec![message("m", job(id, 1), 1)])).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(status(&pool, id).await, ("ready".into(), None, 1));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_failed_replacement_leaves_the_earlier_version_answering(pool: PgPool) {
    let id = indexed(&pool, Arc::new(LexicalEmbedder)).await;
    let business = BusinessId::new(A.parse().unwrap());
    let replacement = content("Parking is now in the garage on Pine Street.");
    let version = store::replace(&pool, business, id, &replacement)
        .await
        .unwrap();
    assert_eq!(version, 2);
    let down = worker(&pool, Arc::new(Down));
    let r = handle(&down, batch(vec![message("m2", job(id, 2), 3)])).await;
    assert_eq!(r.batch_item_failures.len(), 1);
    // What the dashboard reads to say so: failed, with the earlier version's count and time.
    let (s, reason, passages) = status(&pool, id).await;
    assert_eq!((s.as_str(), passages), ("failed", 1));
    // Said as the owner reads it: what went wrong, not the service's answer.
    assert_eq!(
        reason.as_deref(),
        Some("the embedding service's answer could not be read")
    );
    let indexed: bool =
        sqlx::query_scalar("SELECT indexed_at IS NOT NULL FROM knowledge_documents WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(indexed);
    let answering: Vec<(i32, String)> = sqlx::query_as(
        "SELECT document_version, content FROM knowledge_chunks WHERE document_id = $1",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(answering.len(), 1);
    assert_eq!(answering[0].0, 1);
    assert!(
        answering[0].1.contains("behind the studio"),
        "{answering:?}"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_model_change_reembeds_only_with_reembed(pool: PgPool) {
    let id = indexed(&pool, Arc::new(LexicalEmbedder)).await;
    /// Another model's vectors (the lexical ones, renamed).
    struct Renamed;
    impl Embedder for Renamed {
        fn model(&self) -> &str {
            "another-model"
        }
        fn embed<'a>(
            &'a self,
            t: &'a [String],
        ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
            LexicalEmbedder.embed(t)
        }
    }
    let pool_ = pool.clone();
    let models = || async {
        sqlx::query_scalar::<_, String>("SELECT DISTINCT embedding_model FROM knowledge_chunks")
            .fetch_all(&pool_)
            .await
            .unwrap()
    };
    let renamed = worker(&pool, Arc::new(Renamed));
    handle(&renamed, batch(vec![message("m", job(id, 1), 1)])).await;
    assert_eq!(
        models().await,
        vec![shared::domain::knowledge::lexical::LEXICAL_MODEL]
    );
    assert_eq!(
        store::needing_reembedding(&pool, "another-model")
            .await
            .unwrap(),
        vec![(id, 1)]
    );
    let reembed = encode(&KnowledgeJob::Index {
        document_id: id,
        version: 1,
        reembed: true,
    })
    .unwrap();
    handle(&renamed, batch(vec![message("m", reembed, 1)])).await;
    assert_eq!(models().await, vec!["another-model"]);
    assert!(
        store::needing_reembedding(&pool, "another-model")
            .await
            .unwrap()
            .is_empty()
    );
}

/// An embedding service that answers too late.
struct Slow;

impl Embedder for Slow {
    fn model(&self) -> &str {
        "text-embedding-3-small"
    }
    fn embed<'a>(&'a self, t: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            LexicalEmbedder.embed(t).await
        })
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_job_past_its_deadline_fails_in_time_to_say_why(pool: PgPool) {
    setup(&pool).await;
    let id = document(&pool, "Free parking is behind the studio.").await;
    let mut slow = worker(&pool, Arc::new(Slow));
    slow.deadline = std::time::Duration::from_millis(200);
    let r = handle(&slow, batch(vec![message("m", job(id, 1), 3)])).await;
    assert_eq!(r.batch_item_failures.len(), 1);
    let (s, reason, _) = status(&pool, id).await;
    assert_eq!(s, "failed");
    assert!(reason.unwrap().contains("took longer than"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_schedules_job_builds_a_businesss_own_indexes_and_drops_them_when_emptied(
    pool: PgPool,
) {
    setup(&pool).await;
    let faq = document(&pool, "Free parking is behind the studio.").await;
    let w = worker(&pool, Arc::new(LexicalEmbedder));
    let sweep = || encode(&KnowledgeJob::MaintainIndexes).unwrap();
    let indexing = handle(&w, batch(vec![message("m1", job(faq, 1), 1)])).await;
    assert!(indexing.batch_item_failures.is_empty());

    let built = handle(&w, batch(vec![message("m2", sweep(), 1)])).await;
    assert!(built.batch_item_failures.is_empty());
    let a: Uuid = A.parse().unwrap();
    assert_eq!(
        shared::knowledge::vector_index::existing(&pool)
            .await
            .unwrap(),
        IndexKind::ALL.map(|kind| ExistingIndex {
            index: OwnIndex {
                business_id: a,
                kind
            },
            valid: true
        })
    );

    sqlx::query("DELETE FROM knowledge_documents WHERE id = $1")
        .bind(faq)
        .execute(&pool)
        .await
        .unwrap();
    let dropped = handle(&w, batch(vec![message("m3", sweep(), 1)])).await;
    assert!(dropped.batch_item_failures.is_empty());
    assert!(
        shared::knowledge::vector_index::existing(&pool)
            .await
            .unwrap()
            .is_empty()
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_sweep_with_a_failed_build_fails_its_job_so_sqs_retries_it(pool: PgPool) {
    setup(&pool).await;
    let faq = document(&pool, "Free parking is behind the studio.").await;
    let w = worker(&pool, Arc::new(LexicalEmbedder));
    assert!(
        handle(&w, batch(vec![message("m1", job(faq, 1), 1)]))
            .await
            .batch_item_failures
            .is_empty()
    );
    // A vector half precision cannot hold: the build fails part-way.
    sqlx::query(
        "UPDATE knowledge_chunks SET embedding = ('[1000000' || repeat(',0', $1) || ']')::vector",
    )
    .bind(shared::knowledge::embedder::DIMENSIONS as i32 - 1)
    .execute(&pool)
    .await
    .unwrap();
    let sweep = encode(&KnowledgeJob::MaintainIndexes).unwrap();
    let response = handle(&w, batch(vec![message("m2", sweep, 1)])).await;
    let failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, ["m2"]);
    // What failed left nothing; the GIN index, whose build did not fail, is there.
    let existing = shared::knowledge::vector_index::existing(&pool)
        .await
        .unwrap();
    assert_eq!(existing.len(), 1, "{existing:?}");
    assert_eq!(existing[0].index.kind, IndexKind::Words);
}
