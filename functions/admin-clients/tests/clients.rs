//! Clients through the collection route: created, paged and searched (one client's replacement
//! and deletion are `admin-client`'s); a number already naming a client is a 409, and bad input
//! names the field.

use std::collections::BTreeSet;

use http::Method;
use serde_json::{Value, json};
use shared::testing::admin::*;
use sqlx::PgPool;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn clients_are_created_paged_and_searched(pool: PgPool) {
    let state = setup(&pool).await;
    let mut created = BTreeSet::new();
    for i in 0..5 {
        let (status, body) = call(Method::POST)
            .business(A)
            .token(&owner_a())
            .body(
                json!({"name": format!("Client {i}"), "company": "Co", "email": "C@Example.com",
                         "phone_numbers": [format!("(415) 555-31{i:02}")]}),
            )
            .send(|r| admin_clients::handle(&state, r))
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["email"], "c@example.com");
        assert_eq!(body["phone_numbers"], json!([format!("+141555531{i:02}")]));
        created.insert(body["id"].as_str().unwrap().to_owned());
    }
    // Six clients in all (the fixture's Dana too), two per page: three pages, no overlap.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut c = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query("limit", "2");
        if let Some(cur) = &cursor {
            c = c.query("cursor", cur);
        }
        let (status, body) = c.send(|r| admin_clients::handle(&state, r)).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        for item in body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match body.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 6);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 6);
    assert!(created.iter().all(|id| seen.contains(id)));

    let (_, found) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("search", "whitfield")
        .send(|r| admin_clients::handle(&state, r))
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    // A number in any format finds its client by its digits.
    let (_, found) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("search", "(415) 555-3103")
        .send(|r| admin_clients::handle(&state, r))
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    // LIKE's wildcards are text like any other: `%` and `_` match no name without them.
    for wildcard in ["%", "_", "Whit_ield"] {
        let (status, found) = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query("search", wildcard)
            .send(|r| admin_clients::handle(&state, r))
            .await;
        assert_eq!(status, 200);
        assert_eq!(found["items"].as_array().unwrap().len(), 0, "{wildcard}");
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_number_already_naming_a_client_is_a_409_and_bad_input_names_the_field(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::POST)
        .business(A)
        .token(&owner_a())
        .body(json!({"name": "Copycat", "phone_numbers": ["+14155552671"]}))
        .send(|r| admin_clients::handle(&state, r))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(code(&body), "phone_number_taken");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM clients WHERE name = 'Copycat'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "the client was not half-created");
    for (body, field) in [
        (json!({"name": ""}), "name:"),
        (json!({"name": "X", "email": "nope"}), "email:"),
        (
            json!({"name": "X", "phone_numbers": ["abc"]}),
            "phone_numbers[0]:",
        ),
        // Valid to libphonenumber, but 17 digits: the database refused it, a 500.
        (
            json!({"name": "X", "phone_numbers": ["+49 30 1234567890123"]}),
            "phone_numbers[0]:",
        ),
        (json!({"name": "X", "phones": []}), "unknown field `phones`"),
        // Postgres cannot store NUL: this used to reach it and come back a 500.
        (
            json!({"name": "Ro\u{0}sa"}),
            "name: must not contain control characters",
        ),
        (
            json!({"name": "X", "notes": "bell \u{7}"}),
            "notes: must not contain control characters",
        ),
    ] {
        let (status, resp) = call(Method::POST)
            .business(A)
            .token(&owner_a())
            .body(body.clone())
            .send(|r| admin_clients::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{body}: {resp}");
        assert!(message(&resp).contains(field), "{body}: {resp}");
    }
    for (name, value, field) in [
        ("limit", "0", "limit:"),
        ("limit", "101", "limit:"),
        ("cursor", "zzz", "cursor:"),
        ("sort", "name", "sort:"),
        (
            "search",
            "Ro\u{0}sa",
            "search: must not contain control characters",
        ),
    ] {
        let (status, resp) = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query(name, value)
            .send(|r| admin_clients::handle(&state, r))
            .await;
        assert_eq!(status, 400, "{name}={value}: {resp}");
        assert!(message(&resp).starts_with(field), "{resp}");
    }
}
