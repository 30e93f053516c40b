//! Which numbers the agent sync connects: only those a platform admin assigned, and never a
//! workspace number that another agent answers (the workspace is shared by every business); and
//! the numbers it releases: those routed to the agent that the business no longer has.

use crate::common::*;

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_number_no_platform_admin_assigned_is_neither_imported_nor_assigned(pool: PgPool) {
    setup(&pool).await;
    // As an owner's own PUT used to leave it: on the business, never assigned by the platform.
    sqlx::raw_sql("UPDATE business_phone_numbers SET assigned_via = 'unconfirmed'")
        .execute(&pool)
        .await
        .unwrap();
    let server = MockServer::start().await;
    empty_workspace(&server).await;
    workspace_numbers(
        &server,
        json!([{"phone_number": "+14155552600", "phone_number_id": "pn_loose"}]),
    )
    .await;
    let report = manager(&pool, &server, vec![])
        .sync(A.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(report.phone_numbers[0].action, "unconfirmed");
    assert_eq!(report.phone_numbers[0].phone_number_id, None);
    assert!(
        requests(&server, "POST", "/v1/convai/phone-numbers")
            .await
            .is_empty()
    );
    assert!(
        requests(&server, "PATCH", "/v1/convai/phone-numbers/pn_loose")
            .await
            .is_empty()
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_workspace_number_another_agent_answers_is_never_repointed(pool: PgPool) {
    setup(&pool).await;
    let server = MockServer::start().await;
    empty_workspace(&server).await;
    workspace_numbers(
        &server,
        json!([{"phone_number": "+14155552600", "phone_number_id": "pn_other",
                "assigned_agent": {"agent_id": "agent_of_another_business", "agent_name": "Bolt"}}]),
    )
    .await;
    let report = manager(&pool, &server, vec![])
        .sync(A.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(report.phone_numbers[0].action, "held_by_another_agent");
    assert!(
        requests(&server, "PATCH", "/v1/convai/phone-numbers/pn_other")
            .await
            .is_empty(),
        "never re-pointed"
    );
    assert!(
        requests(&server, "POST", "/v1/convai/phone-numbers")
            .await
            .is_empty(),
        "never imported over it"
    );
    let recorded: Option<String> = sqlx::query_scalar(
        "SELECT elevenlabs_phone_number_id FROM business_phone_numbers WHERE phone_e164 = '+14155552600'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(recorded, None);
}

/// A number a platform admin took away stops reaching the business at its next sync: its agent is
/// taken off the number (`agent_id: null`), and a number another agent answers is not touched.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_number_taken_away_is_released_from_the_agent_at_the_next_sync(pool: PgPool) {
    setup(&pool).await;
    let server = MockServer::start().await;
    empty_workspace(&server).await;
    agent_updates(&server).await;
    let m = manager(&pool, &server, vec![]);
    let first = m.sync(A.parse().unwrap()).await.unwrap();
    assert_eq!(first.phone_numbers[0].action, "imported");
    let removed = shared::admin::operator::remove_number(
        &Database::from_pool(pool.clone()),
        A.parse().unwrap(),
        "+14155552600",
    )
    .await
    .unwrap();
    assert_eq!(removed, "+14155552600");
    // ElevenLabs still routes the imported number to the agent; another agent has its own.
    workspace_numbers(
        &server,
        json!([{"phone_number": "+14155552600", "phone_number_id": "pn_1",
                "assigned_agent": {"agent_id": "agent_new_1", "agent_name": "Aurora"}},
               {"phone_number": "+14155557777", "phone_number_id": "pn_other",
                "assigned_agent": {"agent_id": "agent_of_another_business", "agent_name": "Bolt"}}]),
    )
    .await;
    let second = m.sync(A.parse().unwrap()).await.unwrap();
    assert_eq!(second.phone_numbers.len(), 1, "{:?}", second.phone_numbers);
    assert_eq!(second.phone_numbers[0].phone, "+14155552600");
    assert_eq!(second.phone_numbers[0].action, "released");
    let patches = requests(&server, "PATCH", "/v1/convai/phone-numbers/pn_1").await;
    assert_eq!(patches, [json!({"agent_id": null})], "only the release");
    assert!(
        requests(&server, "PATCH", "/v1/convai/phone-numbers/pn_other")
            .await
            .is_empty(),
        "another business's number is left alone"
    );
}
