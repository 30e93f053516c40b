//! Hybrid retrieval against Postgres with pgvector: scoping (a client's document reaches only
//! that client of that business), reciprocal rank fusion on a labelled mini-set where keyword
//! search alone and vector search alone each fail a query, the minimum-score cut, replacement
//! and deletion leaving no orphan passages, and the log of searches with its unanswered list.

use shared::domain::BusinessId;
use shared::domain::knowledge::document::SourceKind;
use shared::knowledge::embedder::LexicalEmbedder;
use shared::knowledge::ingest::{Outcome, index_version};
use shared::knowledge::store::{self, DocumentContent};
use shared::testing::admin::{A, A_CLIENT, B, B_CLIENT, setup};
use shared::testing::knowledge::{STUDIO_FAQ, found, indexed, studio_documents, titles};
use sqlx::PgPool;

async fn chunks_of(pool: &PgPool, document_id: uuid::Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM knowledge_chunks WHERE document_id = $1")
        .bind(document_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Both halves' candidates for `query` among business A's shared documents.
async fn candidates_in_a(
    pool: &PgPool,
    query: &str,
) -> Vec<shared::domain::knowledge::retrieval::Candidate> {
    let v = shared::domain::knowledge::lexical::lexical_embedding(
        query,
        shared::knowledge::embedder::DIMENSIONS,
    );
    let scope = shared::knowledge::search::Scope {
        business_id: A.parse().unwrap(),
        client_id: None,
    };
    shared::knowledge::search::candidates(
        pool,
        scope,
        shared::domain::knowledge::lexical::LEXICAL_MODEL,
        query,
        &shared::knowledge::embedder::to_pgvector(&v),
        shared::knowledge::search::EF_SEARCH,
    )
    .await
    .unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_clients_document_reaches_that_client_only(pool: PgPool) {
    setup(&pool).await;
    studio_documents(&pool).await;
    indexed(
        &pool,
        B,
        Some(B_CLIENT),
        "Bolt contract",
        "# Retainer\n\nThe Bolt retainer covers forty design hours each month.",
    )
    .await;
    let question = "how many design hours does the retainer cover";
    // The client hears their own document (and the business's).
    assert_eq!(
        titles(&found(&pool, A, Some(A_CLIENT), question).await),
        vec!["Whitfield contract"]
    );
    // Another caller of the same business does not.
    assert!(found(&pool, A, None, question).await.is_empty());
    // Another business's client's document never reaches this business, even named.
    let from_b_client_id = found(&pool, A, Some(B_CLIENT), question).await;
    assert!(from_b_client_id.is_empty(), "{from_b_client_id:?}");
    assert_eq!(
        titles(&found(&pool, B, Some(B_CLIENT), question).await),
        vec!["Bolt contract"]
    );
    // Business B has no studio FAQ: A's shared documents stay A's.
    assert!(found(&pool, B, None, "where do I park").await.is_empty());
    assert_eq!(
        titles(&found(&pool, A, None, "where do I park").await),
        vec!["Studio FAQ"]
    );
}

/// Three labelled queries over four passages. The keyword half alone misses the misspelling
/// ("parkng"), which the vector half's character trigrams find; the vector half alone ranks the
/// wrong passage first for "vat number" (its vector is dominated by the common word "number",
/// shared with a longer passage full of numbers), which the exact keyword match fixes. Fused,
/// every query's relevant passage is first.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn fusion_ranks_right_where_each_half_alone_fails_one_query(pool: PgPool) {
    setup(&pool).await;
    let doc = |body: &str| body.to_owned();
    let parking = doc("Parking is free behind the studio, entered from Elm Street.");
    let vat = doc("Our VAT number is GB 123 4567 89; it is on every invoice.");
    let numbers = doc(
        "Phone number, fax number, account number and order number: every number we use is on the contact page, number by number.",
    );
    let prices = doc("A logo design starts at 900 dollars with three rounds of changes.");
    for (title, body) in [
        ("Parking", &parking),
        ("VAT", &vat),
        ("Numbers", &numbers),
        ("Prices", &prices),
    ] {
        indexed(&pool, A, None, title, body).await;
    }
    let halves = |query: &'static str| {
        let pool = pool.clone();
        async move {
            let candidates = candidates_in_a(&pool, query).await;
            let best_by =
                |rank: fn(&shared::domain::knowledge::retrieval::Candidate) -> Option<i64>| {
                    candidates
                        .iter()
                        .filter(|c| rank(c) == Some(1))
                        .map(|c| c.title.clone())
                        .next()
                };
            (best_by(|c| c.keyword_rank), best_by(|c| c.vector_rank))
        }
    };
    // Keyword alone fails the misspelling; vector alone finds it.
    let (keyword, vector) = halves("where is the parkng").await;
    assert_eq!(keyword, None);
    assert_eq!(vector.as_deref(), Some("Parking"));
    // Vector alone fails the VAT number; keyword alone finds it.
    let (keyword, vector) = halves("vat number").await;
    assert_eq!(keyword.as_deref(), Some("VAT"));
    assert_eq!(vector.as_deref(), Some("Numbers"));
    // Fused, both are right, and so is a query both halves get.
    for (query, expected) in [
        ("where is the parkng", "Parking"),
        ("vat number", "VAT"),
        ("how much is a logo design", "Prices"),
    ] {
        let hits = found(&pool, A, None, query).await;
        assert_eq!(
            hits.first().map(|h| h.title.as_str()),
            Some(expected),
            "{query}: {hits:?}"
        );
    }
}

/// The keyword half takes passages with at least two of the question's words (its only word when
/// it has one): a passage sharing one word of several is left to the vector half. Words with
/// quotes and backslashes are matched as words.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn keyword_half_needs_two_of_the_questions_words(pool: PgPool) {
    setup(&pool).await;
    indexed(
        &pool,
        A,
        None,
        "Deposit",
        "Every booking needs a deposit of fifty dollars.",
    )
    .await;
    indexed(
        &pool,
        A,
        None,
        "Weddings",
        "Wedding shoots are booked a year ahead.",
    )
    .await;
    indexed(
        &pool,
        A,
        None,
        "O'Brien",
        r"Ask for O'Brien's back\slash rate card.",
    )
    .await;
    // Two of the three words: the deposit passage; the wedding passage shares one ("book").
    assert_eq!(
        keyword_titles(&pool, "deposit for booking").await,
        vec!["Deposit"]
    );
    // A one-word question takes every passage with the word (unless the word is common in the
    // business's passages: `keyword_half_never_searches_by_two_common_words_together`).
    assert_eq!(keyword_titles(&pool, "weddings").await, vec!["Weddings"]);
    let mut both = keyword_titles(&pool, "book").await;
    both.sort();
    assert_eq!(both, vec!["Deposit", "Weddings"]);
    assert_eq!(
        keyword_titles(&pool, r"O'Brien's back\slash").await,
        vec!["O'Brien"]
    );
    // The parser keeps a quote in a URL's path: the stem must be quoted into the query rightly.
    let stems: Vec<String> =
        sqlx::query_scalar("SELECT tsvector_to_array(to_tsvector('english', $1))")
            .bind("rates at example.com/o'brien")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(stems.iter().any(|s| s.contains('\'')), "{stems:?}");
    indexed(
        &pool,
        A,
        None,
        "Rate page",
        "Our rates are at example.com/o'brien for everyone.",
    )
    .await;
    assert_eq!(
        keyword_titles(&pool, "rates at example.com/o'brien").await,
        vec!["Rate page"]
    );
}

/// The titles of the keyword half's candidates for `query` in business A, best first.
async fn keyword_titles(pool: &PgPool, query: &str) -> Vec<String> {
    let mut hits: Vec<(i64, String)> = candidates_in_a(pool, query)
        .await
        .into_iter()
        .filter_map(|c| c.keyword_rank.map(|rank| (rank, c.title)))
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, title)| title).collect()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn keyword_half_never_searches_by_two_common_words_together(pool: PgPool) {
    setup(&pool).await;
    indexed(
        &pool,
        A,
        None,
        "Deposit",
        "Every studio session needs a deposit of fifty dollars.",
    )
    .await;
    // 250 passages with "studio" and "session": both common in A's knowledge (more than 200
    // passages and more than 2% of them); the triggers count them as they are inserted.
    let filler = indexed(&pool, A, None, "Sessions", "Studio sessions log.").await;
    sqlx::query(
        "INSERT INTO knowledge_chunks (document_id, business_id, document_version, ordinal, content,
             embedding, embedding_model, search_config)
         SELECT k.document_id, k.business_id, 1, n, 'Studio session number ' || n, k.embedding,
                k.embedding_model, k.search_config
         FROM knowledge_chunks k, generate_series(1, 250) n WHERE k.document_id = $1",
    )
    .bind(filler)
    .execute(&pool)
    .await
    .unwrap();
    let studio: i32 = sqlx::query_scalar(
        "SELECT passages FROM knowledge_lexemes WHERE business_id = $1::uuid AND lexeme = 'studio'",
    )
    .bind(A)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(studio, 252);
    // The deposit passage is found by "deposit" paired with either common word; the 251 that
    // have only the two common words are not searched for (before, they were all ranked).
    assert_eq!(
        keyword_titles(&pool, "studio session deposit").await,
        vec!["Deposit"]
    );
    assert!(keyword_titles(&pool, "studio session").await.is_empty());
    // The vector half still answers a question of common words only.
    assert!(!found(&pool, A, None, "studio session").await.is_empty());
    // A truncate that reaches the passages (the benchmarks' seed truncates the businesses)
    // empties the counts too.
    sqlx::query("TRUNCATE businesses CASCADE")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(lexeme_count_drift(&pool).await, 0);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn nothing_relevant_is_no_answer_and_is_listed_unanswered(pool: PgPool) {
    setup(&pool).await;
    indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    for q in [
        "do you sell gift cards",
        "gift cards?",
        "can I buy a gift card",
    ] {
        assert!(found(&pool, A, None, q).await.is_empty(), "{q}");
    }
    assert!(!found(&pool, A, None, "where can I park").await.is_empty());
    // Quotes, backslashes, operators and stop words alone are questions like any other.
    for odd in [
        r#"what's the "weather" \ like & | ! <->"#,
        "the and of",
        "???",
    ] {
        found(&pool, A, None, odd).await;
    }
    let logged: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE NOT answered) FROM knowledge_searches WHERE business_id = $1::uuid",
    )
    .bind(A)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(logged, (7, 6));
    let groups = shared::knowledge::search::unanswered(
        &pool,
        A.parse().unwrap(),
        chrono::Utc::now() - chrono::Duration::days(1),
    )
    .await
    .unwrap();
    assert_eq!(groups[0].count, 3, "{groups:#?}");
    // Another business's unanswered questions are its own.
    let other = shared::knowledge::search::unanswered(
        &pool,
        B.parse().unwrap(),
        chrono::Utc::now() - chrono::Duration::days(1),
    )
    .await
    .unwrap();
    assert!(other.is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn replacing_swaps_every_passage_and_deleting_leaves_none(pool: PgPool) {
    setup(&pool).await;
    let business = BusinessId::new(A.parse().unwrap());
    let id = indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    let before = chunks_of(&pool, id).await;
    assert!(before >= 1);
    let content = DocumentContent {
        title: "Studio FAQ".into(),
        client_id: None,
        source_kind: SourceKind::Markdown,
        source_name: None,
        body: "# Parking\n\nParking has moved to the garage on Oak Avenue, level two.".into(),
    };
    let version = store::replace(&pool, business, id, &content).await.unwrap();
    assert_eq!(version, 2);
    // Until version 2 is indexed, version 1 answers.
    assert!(found(&pool, A, None, "Elm Street parking").await.len() == 1);
    // A replacement that changes the audience takes the old passages out at once: nobody hears
    // them under the old scope, and the new version answers once indexed.
    let narrowed = DocumentContent {
        client_id: Some(A_CLIENT.parse().unwrap()),
        ..content.clone()
    };
    store::replace(&pool, business, id, &narrowed)
        .await
        .unwrap();
    assert!(found(&pool, A, None, "Elm Street parking").await.is_empty());
    assert!(
        found(&pool, A, Some(A_CLIENT), "Elm Street parking")
            .await
            .is_empty()
    );
    assert_eq!(chunks_of(&pool, id).await, 0);
    let passage_count: i32 =
        sqlx::query_scalar("SELECT passage_count FROM knowledge_documents WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        passage_count, 0,
        "the dashboard must not say old passages answer"
    );
    let version = store::replace(&pool, business, id, &content).await.unwrap();
    assert_eq!(version, 4);
    // An old job delivered again does nothing; the current one swaps.
    assert_eq!(
        index_version(&pool, &LexicalEmbedder, id, 1, false)
            .await
            .unwrap(),
        Outcome::Skipped("the document was replaced since")
    );
    assert!(matches!(
        index_version(&pool, &LexicalEmbedder, id, 4, false)
            .await
            .unwrap(),
        Outcome::Indexed { passages: 1 }
    ));
    let versions: Vec<i32> = sqlx::query_scalar(
        "SELECT DISTINCT document_version FROM knowledge_chunks WHERE document_id = $1",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(versions, vec![4]);
    assert!(found(&pool, A, None, "Elm Street").await.is_empty());
    assert_eq!(
        index_version(&pool, &LexicalEmbedder, id, 2, false)
            .await
            .unwrap(),
        Outcome::Skipped("the document was replaced since")
    );
    assert_eq!(
        found(&pool, A, None, "parking garage Oak Avenue")
            .await
            .len(),
        1
    );
    assert_eq!(lexeme_count_drift(&pool).await, 0);
    // Indexing the same version again is a no-op (at-least-once delivery).
    assert_eq!(
        index_version(&pool, &LexicalEmbedder, id, 4, false)
            .await
            .unwrap(),
        Outcome::Skipped("this version is indexed")
    );
    store::delete(&pool, business, id).await.unwrap();
    assert_eq!(chunks_of(&pool, id).await, 0);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM knowledge_chunks k WHERE NOT EXISTS
             (SELECT 1 FROM knowledge_documents d WHERE d.id = k.document_id)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    assert_eq!(
        index_version(&pool, &LexicalEmbedder, id, 4, false)
            .await
            .unwrap(),
        Outcome::Skipped("the document was deleted")
    );
    // The word counts followed every swap, narrowing and deletion: nothing is left.
    assert_eq!(lexeme_count_drift(&pool).await, 0);
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM knowledge_lexemes WHERE business_id = $1::uuid")
            .bind(A)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
}

/// Deletes `document`'s passages in `tx`: an indexing transaction's first statement.
async fn delete_passages(
    tx: &mut sqlx::PgConnection,
    document: uuid::Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM knowledge_chunks WHERE document_id = $1")
        .bind(document)
        .execute(tx)
        .await?;
    Ok(())
}

/// Inserts a passage with `content` for `document` (of business A) in `tx`: its second.
async fn insert_passage(
    tx: &mut sqlx::PgConnection,
    document: uuid::Uuid,
    content: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO knowledge_chunks (document_id, business_id, document_version, ordinal, content,
             embedding, embedding_model, search_config)
         SELECT $1, k.business_id, 1, 99, $2, k.embedding, k.embedding_model, k.search_config
         FROM knowledge_chunks k WHERE k.business_id = $3::uuid LIMIT 1",
    )
    .bind(document)
    .bind(content)
    .bind(A)
    .execute(tx)
    .await?;
    Ok(())
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn two_indexings_for_one_business_wait_for_each_other(pool: PgPool) {
    setup(&pool).await;
    let x = indexed(&pool, A, None, "X", "Alpha beacon.").await;
    let y = indexed(&pool, A, None, "Y", "Gamma delta.").await;
    let mut first = pool.begin().await.unwrap();
    delete_passages(&mut first, x).await.unwrap();
    // The second deletes Y's passages and inserts X's words; the first then inserts Y's words.
    // Without the business's lock each would hold the counts the other needs (a deadlock, one
    // aborted); with it, the second waits for the first's commit.
    let second = tokio::spawn({
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await?;
            delete_passages(&mut tx, y).await?;
            insert_passage(&mut tx, y, "Alpha beacon again.").await?;
            tx.commit().await
        }
    });
    // Until the second waits for the business's lock (it never does without one: then it takes
    // the counts and the test fails here).
    let mut waited = 0;
    while sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
    )
    .fetch_one(&pool)
    .await
    .unwrap()
        == 0
    {
        waited += 1;
        assert!(
            waited < 200,
            "the second indexing never waited for the first"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    insert_passage(&mut first, x, "Gamma delta again.")
        .await
        .unwrap();
    first.commit().await.unwrap();
    second.await.unwrap().unwrap();
    assert_eq!(lexeme_count_drift(&pool).await, 0);
}

/// Words whose kept count (`knowledge_lexemes`) differs from a count of the passages now.
async fn lexeme_count_drift(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "WITH actual AS (
             SELECT k.business_id, w.lexeme, count(*)::int AS passages
             FROM knowledge_chunks k, unnest(tsvector_to_array(k.content_tsv)) AS w(lexeme)
             GROUP BY 1, 2)
         SELECT count(*) FROM actual a FULL JOIN knowledge_lexemes l USING (business_id, lexeme)
         WHERE a.passages IS DISTINCT FROM l.passages",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A client deleted between the route's check and the write meets the foreign key: a 400 naming
/// `client_id`, as the check gives, on create and on replace (it was a 500).
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_client_gone_before_the_write_is_a_400(pool: PgPool) {
    setup(&pool).await;
    let business = BusinessId::new(A.parse().unwrap());
    let gone = DocumentContent {
        title: "Contract".into(),
        client_id: Some(uuid::Uuid::new_v4()),
        source_kind: SourceKind::Markdown,
        source_name: None,
        body: "Forty design hours a month.".into(),
    };
    let err = store::create(&pool, business, &gone, None)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status().as_u16(), err.message()),
        (400, "client_id: no such client in this business")
    );
    let id = indexed(&pool, A, None, "Studio FAQ", STUDIO_FAQ).await;
    let err = store::replace(&pool, business, id, &gone)
        .await
        .unwrap_err();
    assert_eq!(err.status().as_u16(), 400, "{}", err.message());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_document_longer_than_one_insert_is_stored_whole(pool: PgPool) {
    setup(&pool).await;
    // 450 paragraphs of about 640 characters: one passage each, in three insert batches.
    let body: String = (0..450)
        .map(|i| {
            format!(
                "Service {i} is booked by phone and paid on the day. {}\n\n",
                format!("It includes item {i} and a follow-up visit. ").repeat(13)
            )
        })
        .collect();
    let id = indexed(&pool, A, None, "Services", &body).await;
    let stored = chunks_of(&pool, id).await;
    assert!(stored > 2 * store::INSERT_BATCH as i64, "{stored} passages");
    let (count, ordinals): (i32, Vec<i32>) = sqlx::query_as(
        "SELECT d.passage_count, array_agg(k.ordinal ORDER BY k.ordinal)
         FROM knowledge_documents d JOIN knowledge_chunks k ON k.document_id = d.id
         WHERE d.id = $1 GROUP BY d.passage_count",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(i64::from(count), stored);
    assert_eq!(
        ordinals,
        (0..count).collect::<Vec<_>>(),
        "every batch, once"
    );
    let hits = found(&pool, A, None, "is service 417 booked by phone").await;
    assert!(
        hits.iter().any(|h| h.content.starts_with("Service 417 ")),
        "a passage of the last batch is searched like the first"
    );
}
