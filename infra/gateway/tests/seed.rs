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
