//! Knowledge documents indexed for a test, as the ingestion worker indexes them (with the lexical
//! embedder), and searches as the mid-call tool makes them.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::BusinessId;
use crate::domain::knowledge::document::SourceKind;
use crate::domain::knowledge::retrieval::{DEFAULT_TOP_K, Hit, RelevanceCut};
use crate::knowledge::embedder::{LEXICAL_MIN_SIMILARITY, LexicalEmbedder};
use crate::knowledge::ingest::{Outcome, index_version};
use crate::knowledge::search::{Scope, SearchOrigin, search};
use crate::knowledge::store::{self, DocumentContent};

/// Business A's FAQ, for every caller (`studio_documents`).
pub const STUDIO_FAQ: &str = "# Parking\n\nFree parking is behind the studio, entered from Elm Street.\n\n\
# Prices\n\nA logo design starts at 900 dollars with three rounds of changes.\n\n\
# Turnaround\n\nMost logo projects take two to three weeks.";

/// Business A's document for its client `A_CLIENT` alone (`studio_documents`).
pub const WHITFIELD_CONTRACT: &str =
    "# Retainer\n\nThe Whitfield retainer covers twenty design hours each month.";

/// The cut the lexical embedder's searches use.
pub const CUT: RelevanceCut = RelevanceCut {
    min_similarity: LEXICAL_MIN_SIMILARITY,
};

/// A markdown document created and indexed now; returns its id.
pub async fn indexed(
    pool: &PgPool,
    business_id: &str,
    client_id: Option<&str>,
    title: &str,
    body: &str,
) -> Uuid {
    let business = BusinessId::new(business_id.parse().unwrap());
    let content = DocumentContent {
        title: title.into(),
        client_id: client_id.map(|c| c.parse().unwrap()),
        source_kind: SourceKind::Markdown,
        source_name: None,
        body: body.into(),
    };
    let id = store::create(pool, business, &content, None).await.unwrap();
    let outcome = index_version(pool, &LexicalEmbedder, id, 1, false)
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::Indexed { .. }), "{outcome:?}");
    id
}

/// What a search by the business's caller (a client, or none) returns, best first.
pub async fn found(
    pool: &PgPool,
    business_id: &str,
    client_id: Option<&str>,
    query: &str,
) -> Vec<Hit> {
    let scope = Scope {
        business_id: business_id.parse().unwrap(),
        client_id: client_id.map(|c| c.parse().unwrap()),
    };
    search(
        pool,
        &LexicalEmbedder,
        scope,
        &SearchOrigin::default(),
        query,
        CUT,
        DEFAULT_TOP_K,
    )
    .await
    .unwrap()
    .hits
}

/// Business A's two documents indexed: "Studio FAQ" for every caller, "Whitfield contract" for
/// its client `A_CLIENT` only.
pub async fn studio_documents(pool: &PgPool) {
    use crate::testing::admin::{A, A_CLIENT};
    indexed(pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    indexed(
        pool,
        A,
        Some(A_CLIENT),
        "Whitfield contract",
        WHITFIELD_CONTRACT,
    )
    .await;
}

/// The hits' document titles, best first.
pub fn titles(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| h.title.clone()).collect()
}
