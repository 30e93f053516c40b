//! Project status through the tool route: a known client hears only their own projects, an
//! unknown caller is refused, and the recorded call start names the caller.

use crate::common::*;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_known_client_hears_only_their_own_projects(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let (status, body) = tool(
        &s,
        "get_project_status",
        &conversation(),
        DANA,
        AURORA,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["known_client"], true);
    let names: Vec<&str> = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // Active first (soonest due first), done last.
    assert_eq!(names, ["Bakery website", "Menu redesign", "Logo refresh"]);
    let website = &body["projects"][0];
    assert_eq!(website["status"], "in progress");
    assert_eq!(website["due"], "December 5, 2026");
    assert_eq!(
        website["open_tasks"],
        json!([
            {"name": "Homepage copy", "status": "in progress", "due": "November 28, 2026"},
            {"name": "Photo shoot", "status": "not started", "due": "December 1, 2026"}
        ])
    );
    assert!(
        body["say"]
            .as_str()
            .unwrap()
            .starts_with("Dana, Bakery website is in progress, due December 5, 2026.")
    );
    let text = body.to_string();
    assert!(
        !text.contains("Confidential"),
        "another tenant's project leaked"
    );
    assert!(!text.contains("d0000000"), "internal ids are not spoken");

    // The same phone number calling business B hears B's client record, never A's.
    let (_, other) = tool(
        &s,
        "get_project_status",
        &conversation(),
        DANA,
        BOREALIS,
        json!({}),
    )
    .await;
    assert_eq!(other["projects"][0]["name"], "Confidential warehouse");
    assert!(!other.to_string().contains("Bakery"));
    assert!(other["say"].as_str().unwrap().starts_with("Dana,"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_unknown_caller_is_politely_refused_project_details(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let (status, body) = tool(
        &s,
        "get_project_status",
        &conversation(),
        NEW_CALLER,
        AURORA,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["known_client"], false);
    assert!(body.get("projects").is_none());
    assert!(
        body["say"]
            .as_str()
            .unwrap()
            .contains("only share project details")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_recorded_call_start_wins_over_the_numbers_in_the_request(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    // The initiation webhook recorded this call as Dana calling Aurora.
    sqlx::query(
        "INSERT INTO call_starts (conversation_id, business_id, client_id, direction, person_phone, business_phone)
         VALUES ($1, 'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'inbound', $2, $3)",
    )
    .bind(&conv)
    .bind(DANA)
    .bind(AURORA)
    .execute(&pool)
    .await
    .unwrap();
    // Whatever numbers a request carries, the call stays Aurora's.
    let (_, body) = tool(&s, "get_project_status", &conv, DANA, BOREALIS, json!({})).await;
    assert_eq!(body["projects"][0]["name"], "Bakery website");
}
