//! One knowledge document: read, replaced (a new version queued; the old passages answer until
//! it is indexed), deleted with its passages; another business's document is a 404 or 403.

use http::Method;
use serde_json::json;
use shared::admin::knowledge::KnowledgeState;
use shared::jobs::JobQueue;
use shared::knowledge::KnowledgeJob;
use shared::knowledge::fetch::Importer;
use shared::testing::admin::*;
use shared::testing::knowledge::indexed;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_document_is_read_replaced_and_deleted_with_its_passages(pool: PgPool) {
    let admin = setup(&pool).await;
    let aws = shared::testing::aws().await;
    let queue_url = shared::testing::fresh_queue(&aws, "knowledge").await;
    let state = KnowledgeState {
        admin,
        queue: JobQueue::new(aws.sqs.clone(), &queue_url),
        importer: Importer::new().unwrap(),
    };
    let id = indexed(
        &pool,
        A,
        None,
        "Studio FAQ",
        "# Parking\n\nBehind the studio.",
    )
    .await
    .to_string();
    let (state, id) = (&state, id.as_str());
    let send = |c: Call| async move {
        c.business(A)
            .param("documentId", id)
            .send(|r| admin_knowledge_document::handle(state, r))
            .await
    };
    let (status, body) = send(call(Method::GET).token(&owner_a())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["body"], "# Parking\n\nBehind the studio.");

    let (status, body) = send(
        call(Method::PUT)
            .token(&owner_a())
            .body(json!({"title": "Studio FAQ", "body": "# Parking\n\nOn Oak Avenue now.", "format": "markdown"})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(body["status"], "processing");
    assert_eq!(body["passage_count"], 1, "the old passages still answer");
    let jobs: Vec<KnowledgeJob> = shared::testing::drain_jobs(&aws, &queue_url).await;
    assert_eq!(
        jobs,
        vec![KnowledgeJob::Index {
            document_id: id.parse().unwrap(),
            version: 2,
            reembed: false
        }]
    );
    // A bad replacement changes nothing.
    let (status, body) = send(
        call(Method::PUT)
            .token(&owner_a())
            .body(json!({"title": "", "body": "x"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (_, body) = send(call(Method::GET).token(&owner_a())).await;
    assert_eq!(body["version"], 2);

    // Members read, never write; another business sees nothing.
    let member = token_for(shared::domain::catalog::Role::BusinessMember, Some(A));
    assert_eq!(send(call(Method::GET).token(&member)).await.0, 200);
    assert_eq!(send(call(Method::DELETE).token(&member)).await.0, 403);
    let owner_b = token_for(shared::domain::catalog::Role::BusinessOwner, Some(B));
    let (status, _) = call(Method::GET)
        .business(B)
        .param("documentId", id)
        .token(&owner_b)
        .send(|r| admin_knowledge_document::handle(state, r))
        .await;
    assert_eq!(status, 404, "B's business has no such document");

    let (status, _) = send(call(Method::DELETE).token(&owner_a())).await;
    assert_eq!(status, 204);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM knowledge_chunks")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(send(call(Method::GET).token(&owner_a())).await.0, 404);
    assert_eq!(
        send(
            call(Method::PUT)
                .token(&owner_a())
                .body(json!({"title": "x", "body": "y"}))
        )
        .await
        .0,
        404
    );
}
