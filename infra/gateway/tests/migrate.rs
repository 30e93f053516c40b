//! `local-gateway migrate`'s session: the migrations run with the maintenance memory asked for,
//! and a value PostgreSQL refuses stops the command before any migration.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[sqlx::test(migrations = false)]
async fn the_migrations_run_with_the_maintenance_memory_asked_for(
    _: PgPoolOptions,
    options: PgConnectOptions,
) {
    let mut conn = local_gateway::migrate::connect(&options, "300MB")
        .await
        .unwrap();
    shared::db::MIGRATOR.run(&mut conn).await.unwrap();
    let setting: String = sqlx::query_scalar("SHOW maintenance_work_mem")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(setting, "300MB");

    let refused = local_gateway::migrate::connect(&options, "a lot")
        .await
        .expect_err("not a memory size");
    assert!(
        refused.to_string().contains("maintenance_work_mem"),
        "{refused}"
    );
}
