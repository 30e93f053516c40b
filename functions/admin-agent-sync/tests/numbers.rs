//! Which numbers the agent sync connects: only those a platform admin assigned, and never a
//! workspace number that another agent answers (the workspace is shared by every business).

mod common;

use common::*;

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
