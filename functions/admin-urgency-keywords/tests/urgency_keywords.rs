//! Urgency keywords are replaced as a list; bad ones are refused by name.

use http::Method;
use serde_json::json;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn urgency_keywords_are_replaced_as_a_list_and_bad_ones_refused(pool: PgPool) {
    let state = setup(&pool).await;
    let list = json!({"keywords": [
        {"phrase": "  site   is down ", "severity": "urgent"},
        {"phrase": "Deadline", "severity": "high"}
    ]});
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(list)
        .send(|r| admin_urgency_keywords::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"keywords": [
            {"phrase": "Deadline", "severity": "high"},
            {"phrase": "site is down", "severity": "urgent"}
        ]})
    );
    for (list, field) in [
        (
            json!({"keywords": [{"phrase": "late", "severity": "normal"}]}),
            "keywords[0].severity: must be high or urgent",
        ),
        (
            json!({"keywords": [{"phrase": "late", "severity": "extreme"}]}),
            "keywords[0].severity: unknown variant",
        ),
        (
            json!({"keywords": [{"phrase": "Fire", "severity": "urgent"}, {"phrase": "fire", "severity": "high"}]}),
            "keywords[1].phrase:",
        ),
        (
            json!({"keywords": [{"phrase": "   ", "severity": "urgent"}]}),
            "keywords[0].phrase:",
        ),
    ] {
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(list.clone())
            .send(|r| admin_urgency_keywords::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{list}: {resp}");
        assert!(message(&resp).starts_with(field), "{list}: {resp}");
    }
    let (_, after) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_urgency_keywords::handle(&state, r))
        .await;
    assert_eq!(
        after["keywords"].as_array().unwrap().len(),
        2,
        "refused lists change nothing"
    );
}

/// Two phrases the database's lower case folds together, though Rust's did not (possible under a
/// UTF-8 libc locale; the local database's C locale folds only ASCII, so the list goes straight to
/// the store here): a 400 naming the phrase, not the index's error as a 500.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn phrases_the_database_folds_together_are_a_400(pool: PgPool) {
    use shared::domain::Priority;
    use shared::store::urgency::{KeywordInput, replace};
    setup(&pool).await;
    let keyword = |phrase: &str| KeywordInput {
        phrase: phrase.into(),
        severity: Priority::High,
    };
    let err = replace(
        &pool,
        shared::domain::BusinessId::new(A.parse().unwrap()),
        &[keyword("Flood"), keyword("flood")],
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        err.message(),
        "keywords[1].phrase: \"flood\" is listed twice"
    );
}
