//! Platform admins list every business and create one with its first owner invited; the fields are
//! checked as the operator CLI checks them, each refusal naming its field; nobody else may.

use http::Method;
use serde_json::{Value, json};
use shared::domain::catalog::Role;
use shared::testing::admin::*;
use sqlx::PgPool;

fn state(pool: &PgPool, admin: shared::admin::AdminState) -> admin_businesses::State {
    let _ = pool;
    admin_businesses::State {
        admin,
        dashboard_url: "https://app.studioconnect.example/".into(),
    }
}

async fn post(state: &admin_businesses::State, body: Value) -> (u16, Value) {
    call(Method::POST)
        .token(&platform_admin())
        .body(body)
        .send(|r| admin_businesses::handle(state, r))
        .await
}

fn harbor() -> Value {
    json!({"name": "  Harbor Dental ", "timezone": "America/Chicago", "default_region": "us",
           "phone_numbers": ["(312) 555-0142", "+13125550142"], "owner_email": "Owner@Harbor.example"})
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_platform_admin_creates_a_business_and_its_owner_accepts(pool: PgPool) {
    let admin = setup(&pool).await;
    let state = state(&pool, admin);
    let (status, created) = post(&state, harbor()).await;
    assert_eq!(status, 201, "{created}");
    let business = &created["business"];
    assert_eq!(business["name"], "Harbor Dental");
    assert_eq!(business["timezone"], "America/Chicago");
    assert_eq!(business["default_region"], "US");
    // Read in the region, once each; assigned by a platform admin, so the agent sync connects it.
    assert_eq!(
        business["phone_numbers"],
        json!([{"phone": "+13125550142", "label": null, "elevenlabs_phone_number_id": null, "platform_assigned": true}])
    );
    let owner = &created["owner"];
    assert_eq!(owner["user"]["email"], "owner@harbor.example");
    assert_eq!(owner["user"]["role"], "business_owner");
    assert_eq!(owner["user"]["status"], "invited");
    let link = owner["invite_url"].as_str().unwrap();
    assert!(
        link.starts_with("https://app.studioconnect.example/accept-invite#token="),
        "{link}"
    );
    // The owner accepts the link and is signed in to their new business, which has an agent
    // configuration row like every business.
    let (status, pair) = call(Method::POST)
        .body(json!({"token": link.rsplit("token=").next().unwrap(), "password": "a long enough password"}))
        .send(|r| auth_accept_invite::handle(&state.admin, r))
        .await;
    assert_eq!(status, 200, "{pair}");
    assert_eq!(pair["business_id"], business["id"]);
    let configs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM agent_configs WHERE business_id = $1::uuid")
            .bind(business["id"].as_str().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(configs, 1);
    // Who did it is on record.
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM auth_events WHERE kind = 'user_invited' AND business_id = $1::uuid AND actor_id IS NOT NULL",
    )
    .bind(business["id"].as_str().unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn each_refusal_names_its_field_and_conflicts_say_what(pool: PgPool) {
    let admin = setup(&pool).await;
    let state = state(&pool, admin);
    for (patch, field) in [
        (json!({"name": "  "}), "name"),
        (json!({"name": "Bad\u{1b}[31m"}), "name"),
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"default_region": "XX"}), "default_region"),
        (json!({"phone_numbers": ["not a number"]}), "phone_numbers"),
        (json!({"owner_email": "nobody"}), "owner_email"),
    ] {
        let mut body = harbor();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, answer) = post(&state, body).await;
        assert_eq!(status, 400, "{patch}: {answer}");
        assert_eq!(code(&answer), "invalid_field");
        assert!(
            message(&answer).starts_with(&format!("{field}:")),
            "{patch}: {answer}"
        );
    }
    let (status, answer) = post(&state, json!({"name": "x"})).await;
    assert_eq!(status, 400, "a missing field: {answer}");
    let (status, answer) = post(
        &state,
        json!({"name": "x", "timezone": "UTC", "owner_email": "a@b.example", "plan": "gold"}),
    )
    .await;
    assert_eq!(status, 400, "an unknown field: {answer}");
    // Aurora's owner exists already; Bolt's number belongs to Bolt. Nothing of the attempt stays.
    let mut taken_email = harbor();
    taken_email["owner_email"] = json!("owner@aurora.example");
    let (status, answer) = post(&state, taken_email).await;
    assert_eq!((status, code(&answer)), (409, "email_taken"), "{answer}");
    let mut taken_number = harbor();
    taken_number["phone_numbers"] = json!(["+14155553700"]);
    let (status, answer) = post(&state, taken_number).await;
    assert_eq!(
        (status, code(&answer)),
        (409, "phone_number_taken"),
        "{answer}"
    );
    let harbors: i64 =
        sqlx::query_scalar("SELECT count(*) FROM businesses WHERE name = 'Harbor Dental'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(harbors, 0);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_list_pages_and_searches_every_business(pool: PgPool) {
    let admin = setup(&pool).await;
    let state = state(&pool, admin);
    let list = |query: Vec<(&'static str, &'static str)>| {
        let mut c = call(Method::GET).token(&platform_admin());
        for (k, v) in query {
            c = c.query(k, v);
        }
        c.send(|r| admin_businesses::handle(&state, r))
    };
    let (status, page) = list(vec![("limit", "1")]).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, all) = list(vec![]).await;
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{all}");
    assert!(names.contains(&"Aurora Branding") && names.contains(&"Bolt Plumbing"));
    let (_, second) = call(Method::GET)
        .token(&platform_admin())
        .query("limit", "1")
        .query("cursor", &cursor)
        .send(|r| admin_businesses::handle(&state, r))
        .await;
    assert_ne!(second["items"][0]["id"], page["items"][0]["id"]);
    let (_, found) = list(vec![("search", "bolt")]).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["phone_numbers"], json!(["+14155553700"]));
    let (_, by_number) = list(vec![("search", "(415) 555-26")]).await;
    assert_eq!(by_number["items"][0]["name"], "Aurora Branding");
    // A wildcard is a character, not "anything".
    let (_, none) = list(vec![("search", "%")]).await;
    assert_eq!(none["items"], json!([]));
    let (status, answer) = list(vec![("sort", "name")]).await;
    assert_eq!((status, code(&answer)), (400, "invalid_field"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn only_platform_admins_may(pool: PgPool) {
    let admin = setup(&pool).await;
    let state = state(&pool, admin);
    for token in [owner_a(), token_for(Role::BusinessMember, Some(A))] {
        for method in [Method::GET, Method::POST] {
            let (status, body) = call(method.clone())
                .token(&token)
                .body(harbor())
                .send(|r| admin_businesses::handle(&state, r))
                .await;
            assert_eq!((status, code(&body)), (403, "forbidden"), "{method}");
        }
    }
    let (status, _) = call(Method::GET)
        .send(|r| admin_businesses::handle(&state, r))
        .await;
    assert_eq!(status, 401);
    let (status, _) = call(Method::DELETE)
        .token(&platform_admin())
        .send(|r| admin_businesses::handle(&state, r))
        .await;
    assert_eq!(status, 405);
}
