//! The unanswered questions: searches with nothing over the cut, grouped with counts, most asked
//! first, for the business's own callers only.

use http::Method;
use shared::testing::admin::*;
use shared::testing::knowledge::{found, indexed};
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn unanswered_questions_are_grouped_and_counted(pool: PgPool) {
    let state = setup(&pool).await;
    indexed(
        &pool,
        A,
        None,
        "Studio FAQ",
        "# Parking\n\nFree parking behind the studio.",
    )
    .await;
    for q in [
        "do you sell gift cards",
        "can I buy a gift card",
        "gift cards?",
        "are you open on christmas day",
        "where can I park",
    ] {
        found(&pool, A, None, q).await;
    }
    found(&pool, B, None, "do you sell gift cards").await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_knowledge_unanswered::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["days"], 30);
    let groups = body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{body}");
    assert_eq!(groups[0]["count"], 3);
    assert_eq!(groups[0]["question"], "gift cards?");
    assert_eq!(groups[1]["question"], "are you open on christmas day");
    assert_eq!(groups[1]["count"], 1);

    for (days, expected) in [("0", 400), ("366", 400), ("soon", 400), ("7", 200)] {
        let (status, body) = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query("days", days)
            .send(|r| admin_knowledge_unanswered::handle(&state, r))
            .await;
        assert_eq!(status, expected, "{days}: {body}");
        if expected == 400 {
            assert!(
                body["error"]["message"].as_str().unwrap().contains("days"),
                "{body}"
            );
        }
    }
    let owner_b = token_for(shared::domain::catalog::Role::BusinessOwner, Some(B));
    let (status, _) = call(Method::GET)
        .business(A)
        .token(&owner_b)
        .send(|r| admin_knowledge_unanswered::handle(&state, r))
        .await;
    assert_eq!(status, 403);
}
