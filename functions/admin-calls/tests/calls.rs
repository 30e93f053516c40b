//! The call log: filters and pages (one call with its transcript is `admin-call`'s).

use http::Method;
use serde_json::Value;
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn calls_list_with_filters_and_refuse_an_unknown_one(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (_, busy) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "busy")
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(busy["items"].as_array().unwrap().len(), 1);
    assert_eq!(busy["items"][0]["status"], "busy");

    let (status, resp) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("direction", "sideways")
        .send(|r| admin_calls::handle(&state, r))
        .await;
    assert_eq!(status, 400);
    assert!(message(&resp).starts_with("direction:"));
}

async fn list(state: &shared::admin::AdminState, query: &[(&str, &str)]) -> (u16, Value) {
    let mut c = call(Method::GET).business(A).token(&owner_a());
    for (k, v) in query {
        c = c.query(k, v);
    }
    c.send(|r| admin_calls::handle(state, r)).await
}

fn ids(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn calls_are_found_by_caller_number_name_and_lead(pool: PgPool) {
    let state = setup(&pool).await;
    // The number however it is written; the lead's name; nothing of another tenant.
    for search in [
        "(415) 555-0123",
        "555 0123",
        "+1 415 555 0123",
        "sam",
        "SAM",
    ] {
        let (status, body) = list(&state, &[("caller", search)]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(ids(&body), [A_CALL], "{search}");
    }
    let (_, both) = list(&state, &[("caller", "415 555 012")]).await;
    assert_eq!(ids(&both).len(), 2);
    for nothing in ["Other", "0999", "%", "_am"] {
        let (_, body) = list(&state, &[("caller", nothing)]).await;
        assert!(ids(&body).is_empty(), "{nothing}: {body}");
    }
    // Two digits could be anything: not a number to search by, and not words either; the whole
    // list would pass for the search's answer.
    let (status, body) = list(&state, &[("caller", "41")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).starts_with("caller:"), "{body}");
    let (_, of_lead) = list(&state, &[("lead_id", A_LEAD)]).await;
    assert_eq!(ids(&of_lead), [A_CALL]);
    let (_, of_other) = list(&state, &[("lead_id", B_LEAD)]).await;
    assert!(ids(&of_other).is_empty());
    let (status, body) = list(&state, &[("lead_id", "not-a-uuid")]).await;
    assert_eq!(status, 400);
    assert!(message(&body).starts_with("lead_id:"), "{body}");
}
