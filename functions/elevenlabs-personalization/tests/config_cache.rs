//! The per-container cache of business configuration: every write to what it holds reaches the next
//! call of the same container (the version bumped by the database), and an unchanged configuration
//! is served from the cache (the statement ships it only when stale).

use serde_json::Value;
use sqlx::PgPool;

use crate::common::*;

fn first_message(resp: &Value) -> &str {
    resp["conversation_config_override"]["agent"]["first_message"]
        .as_str()
        .unwrap()
}

fn prompt(resp: &Value) -> &str {
    resp["conversation_config_override"]["agent"]["prompt"]["prompt"]
        .as_str()
        .unwrap()
}

const AURORA: &str = "'11111111-0000-4000-8000-000000000001'";
const NEW_CALLER: &str =
    r#"{"caller_id": "+12125550000", "called_number": "+14155552600", "agent_id": "agent_aurora"}"#;

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn every_configuration_write_reaches_the_next_call(pool: PgPool) {
    setup(&pool).await;
    let st = state(pool.clone(), monday_morning);
    let (_, before) = call(&st, REQUEST).await;
    assert_eq!(
        first_message(&before),
        "Hi Dana Whitfield, welcome back to Aurora Branding!"
    );

    // The business row itself.
    exec(
        &pool,
        &format!("UPDATE businesses SET name = 'Aurora Studio' WHERE id = {AURORA}"),
    )
    .await;
    let (_, resp) = call(&st, REQUEST).await;
    assert_eq!(
        first_message(&resp),
        "Hi Dana Whitfield, welcome back to Aurora Studio!"
    );

    // The agent settings.
    exec(&pool, &format!(
        "UPDATE agent_configs SET client_welcome_message = 'Hello again {{{{caller_name}}}}!' WHERE business_id = {AURORA}"
    ))
    .await;
    let (_, resp) = call(&st, REQUEST).await;
    assert_eq!(first_message(&resp), "Hello again Dana Whitfield!");

    // The transfer numbers (all removed: no transfer offered).
    assert_eq!(resp["dynamic_variables"]["transfer_available"], true);
    exec(
        &pool,
        &format!("DELETE FROM business_transfer_numbers WHERE business_id = {AURORA}"),
    )
    .await;
    let (_, resp) = call(&st, REQUEST).await;
    assert_eq!(resp["dynamic_variables"]["transfer_available"], false);

    // The qualification questions (a new caller hears them).
    let (_, resp) = call(&st, NEW_CALLER).await;
    let count = resp["dynamic_variables"]["qualification_question_count"]
        .as_i64()
        .unwrap();
    exec(&pool, &format!(
        "INSERT INTO qualification_questions (business_id, position, question, field_key, expected_format)
         VALUES ({AURORA}, 99, 'Which city are you in?', 'city', 'text')"
    ))
    .await;
    let (_, resp) = call(&st, NEW_CALLER).await;
    assert_eq!(
        resp["dynamic_variables"]["qualification_question_count"],
        count + 1
    );
    assert!(prompt(&resp).contains("Which city are you in?"));

    // The business hours (closed all week: the after-hours greeting).
    exec(&pool, &format!(
        "UPDATE businesses SET business_hours = '{{\"weekly\": {{}}, \"holidays\": []}}' WHERE id = {AURORA}"
    ))
    .await;
    let (_, resp) = call(&st, REQUEST).await;
    assert_eq!(resp["dynamic_variables"]["is_open"], false);
}

/// Without a version bump the cached configuration is what the call gets: proof that the statement
/// does not ship it every time (the triggers are what keeps this correct).
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_unchanged_configuration_comes_from_the_cache(pool: PgPool) {
    setup(&pool).await;
    let st = state(pool.clone(), monday_morning);
    let (_, first) = call(&st, REQUEST).await;
    exec(&pool, &format!(
        "ALTER TABLE agent_configs DISABLE TRIGGER USER;
         UPDATE agent_configs SET client_welcome_message = 'Changed behind the version' WHERE business_id = {AURORA};
         ALTER TABLE agent_configs ENABLE TRIGGER USER;"
    ))
    .await;
    let (_, cached) = call(&st, REQUEST).await;
    assert_eq!(first_message(&cached), first_message(&first));
    // Another container (a fresh cache) reads the database.
    let (_, fresh) = call(&state(pool.clone(), monday_morning), REQUEST).await;
    assert_eq!(first_message(&fresh), "Changed behind the version");
}

async fn call_start_client(pool: &PgPool) -> Option<Option<uuid::Uuid>> {
    sqlx::query_scalar("SELECT client_id FROM call_starts WHERE conversation_id = $1")
        .bind("conv_8901k5yh0a1be2f3c4d5e6f7a8b9c0d1")
        .fetch_optional(pool)
        .await
        .unwrap()
}

/// The triggers that bump the version do not get in the way of deleting a business (its children
/// go by cascade) or of a business with no agent settings yet. Call starts follow deletions as the
/// foreign keys they replace did: a deleted client leaves its calls without a client, a deleted
/// business takes its call starts along.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn deleting_a_business_and_missing_agent_settings_still_work(pool: PgPool) {
    setup(&pool).await;
    let st = state(pool.clone(), monday_morning);
    call(&st, REQUEST).await;
    assert!(matches!(call_start_client(&pool).await, Some(Some(_))));
    exec(&pool, "DELETE FROM clients WHERE name = 'Dana Whitfield'").await;
    assert_eq!(call_start_client(&pool).await, Some(None));
    exec(
        &pool,
        &format!("DELETE FROM agent_configs WHERE business_id = {AURORA}"),
    )
    .await;
    let (status, resp) = call(&st, REQUEST).await;
    assert_eq!(status, 200);
    assert_eq!(
        resp["dynamic_variables"]["business_name"],
        "Aurora Branding"
    );
    // Dana is no client any more and the agent settings are gone: the platform's new-caller
    // greeting, not the business's own ("..., this is Nova"), which the container had cached.
    assert!(
        !first_message(&resp).contains("Nova"),
        "{}",
        first_message(&resp)
    );
    assert_eq!(resp["dynamic_variables"]["caller_type"], "new_caller");
    exec(
        &pool,
        &format!("DELETE FROM businesses WHERE id = {AURORA}"),
    )
    .await;
    assert_eq!(call_start_client(&pool).await, None);
    let (status, resp) = call(&st, REQUEST).await;
    assert_eq!(status, 200);
    assert_ne!(
        resp["dynamic_variables"]["business_name"],
        "Aurora Branding"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_faq_is_in_the_prompt_and_an_edit_reaches_the_next_call(pool: PgPool) {
    setup(&pool).await;
    let st = state(pool.clone(), monday_morning);
    let (_, before) = call(&st, NEW_CALLER).await;
    assert!(!prompt(&before).contains("## Frequently asked questions"));
    // Told when to search, FAQ or not.
    assert!(prompt(&before).contains("call the search_knowledge_base tool"));
    exec(
        &pool,
        &format!(
            "UPDATE agent_configs SET faq = 'Parking: free, behind the studio.\nOpen Monday to Friday.' WHERE business_id = {AURORA}"
        ),
    )
    .await;
    let (_, after) = call(&st, NEW_CALLER).await;
    assert!(
        prompt(&after).contains(
            "## Frequently asked questions\nParking: free, behind the studio.\nOpen Monday to Friday."
        ),
        "{}",
        prompt(&after)
    );
}
