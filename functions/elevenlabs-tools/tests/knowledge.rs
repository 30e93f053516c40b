//! `search_knowledge_base` through the tool route: the best passages within the answer's budget
//! and a line to say; "not found" rather than an invented answer; a client's own documents for
//! that client only; every search logged with its conversation.

use crate::common::*;
use elevenlabs_tools::ANSWER_BUDGET_CHARS;
use shared::testing::admin::{A, A_CLIENT};
use shared::testing::knowledge::indexed;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_answer_is_the_best_passages_within_budget(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    // A long price list: many passages mention prices; the answer holds what fits.
    let prices: String = (1..=12)
        .map(|i| {
            format!(
                "## Package {i}\n\nThe package {i} price is {i}00 dollars and includes {i} rounds of \
changes, brand guidelines, print files and a launch checklist. {}\n\n",
                "Delivery is by email with source files. ".repeat(8)
            )
        })
        .collect();
    indexed(&pool, A, None, "Price list", &prices).await;
    indexed(
        &pool,
        A,
        None,
        "Parking",
        "Free parking is behind the studio, entered from Elm Street.",
    )
    .await;
    let conversation_id = conversation();
    let (status, body) = tool(
        &s,
        "search_knowledge_base",
        &conversation_id,
        NEW_CALLER,
        AURORA,
        json!({"query": "what is the package price"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["found"], true);
    let passages = body["passages"].as_array().unwrap();
    assert!(!passages.is_empty());
    let total: usize = passages
        .iter()
        .map(|p| {
            p["source"].as_str().unwrap().chars().count()
                + p["text"].as_str().unwrap().chars().count()
        })
        .sum();
    assert!(total <= ANSWER_BUDGET_CHARS, "{total}");
    assert!(
        passages[0]["source"]
            .as_str()
            .unwrap()
            .starts_with("Price list"),
        "{body}"
    );
    assert!(
        passages[0]["text"].as_str().unwrap().contains("package"),
        "{body}"
    );
    let say = body["say"].as_str().unwrap();
    assert!(say.contains("price is") && !say.contains('#'), "{say}");
    assert!(
        !body.to_string().contains("Elm Street"),
        "an irrelevant passage came along"
    );

    let logged: (String, bool) =
        sqlx::query_as("SELECT query, answered FROM knowledge_searches WHERE conversation_id = $1")
            .bind(&conversation_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(logged, ("what is the package price".to_owned(), true));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn nothing_relevant_says_not_found_and_invents_nothing(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    indexed(
        &pool,
        A,
        None,
        "Parking",
        "Free parking is behind the studio, entered from Elm Street.",
    )
    .await;
    let (status, body) = tool(
        &s,
        "search_knowledge_base",
        &conversation(),
        NEW_CALLER,
        AURORA,
        json!({"query": "do you sell gift cards"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["found"], false);
    assert!(body.get("passages").is_none());
    assert!(
        body["say"]
            .as_str()
            .unwrap()
            .contains("don't have that information")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_clients_documents_are_searched_for_that_client_only(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    indexed(
        &pool,
        A,
        Some(A_CLIENT),
        "Whitfield retainer",
        "The Whitfield Bakery retainer covers twenty design hours each month.",
    )
    .await;
    let ask = |caller: &'static str| {
        let s = &s;
        async move {
            tool(
                s,
                "search_knowledge_base",
                &conversation(),
                caller,
                AURORA,
                json!({"query": "how many design hours does my retainer cover"}),
            )
            .await
            .1
        }
    };
    let dana = ask(DANA).await;
    assert_eq!(dana["found"], true, "{dana}");
    assert!(
        dana["passages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("twenty design hours")
    );
    let stranger = ask(NEW_CALLER).await;
    assert_eq!(stranger["found"], false, "{stranger}");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_missing_or_long_question_is_a_400_naming_query(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    for fields in [
        json!({}),
        json!({"query": "  "}),
        json!({"query": "x".repeat(501)}),
        json!({"query": 42}),
    ] {
        let (status, body) = tool(
            &s,
            "search_knowledge_base",
            &conversation(),
            NEW_CALLER,
            AURORA,
            fields,
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("query"),
            "{body}"
        );
    }
}
