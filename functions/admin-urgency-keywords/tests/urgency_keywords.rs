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
