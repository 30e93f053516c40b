//! The demo tenant seeded by ./infra/local/run is valid data and re-seeding is safe.

use shared::domain::{BusinessHours, Timezone};
use shared::phone::E164;
use sqlx::PgPool;

const SEED: &str = include_str!("../../local/seed.sql");

async fn count(pool: &PgPool, table: &str) -> i64 {
    // `table` is one of the literal names in the test.
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn seeding_twice_gives_one_demo_tenant(pool: PgPool) {
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    for (table, expected) in [
        ("businesses", 1),
        ("business_phone_numbers", 1),
        ("agent_configs", 1),
        ("clients", 2),
        ("client_phone_numbers", 3),
        ("projects", 4),
        ("tasks", 3),
        ("qualification_questions", 5),
        ("urgency_keywords", 3),
    ] {
        assert_eq!(count(&pool, table).await, expected, "{table}");
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn seeded_values_pass_the_domain_rules(pool: PgPool) {
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    let (timezone, hours): (String, serde_json::Value) =
        sqlx::query_as("SELECT timezone, business_hours FROM businesses")
            .fetch_one(&pool)
            .await
            .unwrap();
    Timezone::try_from(timezone).unwrap();
    serde_json::from_value::<BusinessHours>(hours)
        .unwrap()
        .validate()
        .unwrap();
    let phones: Vec<String> = sqlx::query_scalar(
        "SELECT phone_e164 FROM business_phone_numbers UNION ALL SELECT phone_e164 FROM client_phone_numbers
         UNION ALL SELECT phone_e164 FROM business_transfer_numbers UNION ALL SELECT notification_phone FROM businesses",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(phones.len(), 6);
    for phone in phones {
        assert_eq!(
            E164::parse_international(&phone).unwrap().as_str(),
            phone,
            "{phone} is valid and normalised"
        );
    }
}

const DEMO: &str = "a0a0a0a0-0000-4000-8000-000000000001";

/// Edits made through the admin API (as the dashboard makes them) survive the next start of the
/// local run, which applies the seed again: the business PUT re-creates its transfer numbers
/// under new ids, a greeting is rewritten, a question removed.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn edits_through_the_api_survive_reseeding(pool: PgPool) {
    use http::Method;
    use serde_json::json;
    use shared::testing::admin::{bare_state, call, platform_admin, platform_admin_user};

    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    platform_admin_user(&pool).await;
    let state = bare_state(&pool);
    let admin = platform_admin();

    let (_, mut business) = call(Method::GET)
        .business(DEMO)
        .token(&admin)
        .send(|r| admin_business::handle(&state, r))
        .await;
    business["name"] = json!("Aurora Branding & Packaging");
    business["transfer_numbers"][0]["condition"] = json!("Only for launches that are on fire.");
    let (status, body) = call(Method::PUT)
        .business(DEMO)
        .token(&admin)
        .body(business)
        .send(|r| admin_business::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, mut agent) = call(Method::GET)
        .business(DEMO)
        .token(&admin)
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    agent["welcome_message"] = json!("Aurora, Nova speaking.");
    let (status, body) = call(Method::PUT)
        .business(DEMO)
        .token(&admin)
        .body(agent)
        .send(|r| admin_agent_config::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, mut questions) = call(Method::GET)
        .business(DEMO)
        .token(&admin)
        .send(|r| admin_qualification_questions::handle(&state, r))
        .await;
    questions["questions"].as_array_mut().unwrap().pop();
    let (status, body) = call(Method::PUT)
        .business(DEMO)
        .token(&admin)
        .body(questions)
        .send(|r| admin_qualification_questions::handle(&state, r))
        .await;
    assert_eq!(status, 200, "{body}");

    // The next `./infra/local/run`.
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();

    let (name, condition, welcome, questions): (String, String, String, i64) = sqlx::query_as(
        "SELECT b.name, t.condition, a.welcome_message,
                (SELECT count(*) FROM qualification_questions q WHERE q.business_id = b.id)
         FROM businesses b
         JOIN business_transfer_numbers t ON t.business_id = b.id
         JOIN agent_configs a ON a.business_id = b.id
         WHERE b.id = $1::uuid",
    )
    .bind(DEMO)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(name, "Aurora Branding & Packaging");
    assert_eq!(condition, "Only for launches that are on fire.");
    assert_eq!(welcome, "Aurora, Nova speaking.");
    assert_eq!(questions, 4);
}
