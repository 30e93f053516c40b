//! The change from 1,536 to 512 components on a database that has passages: the migration is run
//! over rows and indexes made the way the earlier code made them.

use shared::db::MIGRATOR;
use shared::domain::knowledge::lexical::LEXICAL_MODEL;
use shared::domain::knowledge::vector_index::{IndexKind, OwnIndex};
use shared::knowledge::embedder::{DIMENSIONS, from_pgvector};
use shared::testing::admin::{A, setup};
use sqlx::PgPool;
use uuid::Uuid;

/// The last migration with 1,536 components.
const BEFORE: i64 = 20261206000001;

/// A 1,536-component unit vector: 0.3 and 0.4 first, the rest of its length far beyond 512.
fn long_vector() -> String {
    let mut v = vec!["0".to_owned(); 1536];
    v[0] = "0.3".into();
    v[1] = "0.4".into();
    v[900] = "0.8660254".into();
    format!("[{}]", v.join(","))
}

async fn chunk(pool: &PgPool, document: Uuid, ordinal: i32, model: &str) {
    sqlx::query(
        "INSERT INTO knowledge_chunks (document_id, business_id, document_version, ordinal,
             content, embedding, embedding_model, search_config)
         VALUES ($1, $2::uuid, 1, $3, 'Parking is behind the studio.', $4::vector, $5, 'english')",
    )
    .bind(document)
    .bind(A)
    .bind(ordinal)
    .bind(long_vector())
    .bind(model)
    .execute(pool)
    .await
    .unwrap();
}

async fn vectors(pool: &PgPool, sql: &str) -> Vec<(Vec<f32>, String)> {
    let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(v, model)| (from_pgvector(&v).unwrap(), model))
        .collect()
}

/// OpenAI's vectors are cut to their first 512 components and re-normalised (what the API's
/// `dimensions` parameter gives), so none has to be embedded again; another model's keep their
/// model's name, for `knowledge reembed`; a business's own HNSW index, whose expression names
/// 1,536, is dropped for the sweep to build again, and its GIN index stays.
#[sqlx::test(migrations = false)]
async fn stored_vectors_are_cut_to_512_components_and_own_hnsw_indexes_dropped(pool: PgPool) {
    MIGRATOR.run_to(BEFORE, &pool).await.unwrap();
    setup(&pool).await;
    let document = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO knowledge_documents (id, business_id, title, source_kind, body, status, passage_count)
         VALUES ($1, $2::uuid, 'FAQ', 'markdown', 'Parking is behind the studio.', 'ready', 2)",
    )
    .bind(document)
    .bind(A)
    .execute(&pool)
    .await
    .unwrap();
    chunk(&pool, document, 0, "text-embedding-3-small").await;
    chunk(&pool, document, 1, "studioconnect-lexical-v1").await;
    sqlx::query(
        "INSERT INTO knowledge_searches (business_id, query, query_embedding, embedding_model,
             answered, latency_ms)
         VALUES ($1::uuid, 'where do I park', $2::vector, 'text-embedding-3-small', true, 3),
                ($1::uuid, 'before embeddings were logged', NULL, 'text-embedding-3-small', false, 1)",
    )
    .bind(A)
    .bind(long_vector())
    .execute(&pool)
    .await
    .unwrap();
    let business: Uuid = A.parse().unwrap();
    let [vectors_index, words_index] = IndexKind::ALL.map(|kind| {
        OwnIndex {
            business_id: business,
            kind,
        }
        .name()
    });
    for ddl in [
        format!(
            "CREATE INDEX {vectors_index} ON knowledge_chunks \
             USING hnsw ((embedding::halfvec(1536)) halfvec_cosine_ops) WHERE business_id = '{A}'"
        ),
        format!(
            "CREATE INDEX {words_index} ON knowledge_chunks USING gin (content_tsv) \
             WHERE business_id = '{A}'"
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(ddl))
            .execute(&pool)
            .await
            .unwrap();
    }

    MIGRATOR.run(&pool).await.unwrap();

    let cut = {
        let mut v = vec![0f32; DIMENSIONS];
        v[0] = 0.6;
        v[1] = 0.8;
        v
    };
    let close = |a: &[f32], b: &[f32]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
    };
    let chunks = vectors(
        &pool,
        "SELECT embedding::text, embedding_model FROM knowledge_chunks ORDER BY ordinal",
    )
    .await;
    assert_eq!(chunks.len(), 2);
    assert!(close(&chunks[0].0, &cut), "{:?}", &chunks[0].0[..4]);
    assert_eq!(chunks[0].1, "text-embedding-3-small");
    assert_eq!(chunks[1].0.len(), DIMENSIONS);
    assert_eq!(
        chunks[1].1, "studioconnect-lexical-v1",
        "another model's vectors are left for re-embedding"
    );
    assert_ne!(chunks[1].1, LEXICAL_MODEL);
    let searches = vectors(
        &pool,
        "SELECT query_embedding::text, embedding_model FROM knowledge_searches
         WHERE query_embedding IS NOT NULL",
    )
    .await;
    assert_eq!(searches.len(), 1);
    assert!(close(&searches[0].0, &cut));
    let unlogged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM knowledge_searches WHERE query_embedding IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(unlogged, 1);

    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE tablename = 'knowledge_chunks' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!indexes.contains(&vectors_index), "{indexes:?}");
    assert!(indexes.contains(&words_index), "{indexes:?}");
    assert!(indexes.contains(&"knowledge_chunks_embedding".to_owned()));
    let shared_index: String = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledge_chunks_embedding'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        shared_index.contains("hnsw (embedding vector_cosine_ops)"),
        "{shared_index}"
    );
}
