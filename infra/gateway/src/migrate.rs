//! `local-gateway migrate`'s connection: the sqlx migrations run on one session, with the
//! maintenance memory an index build needs.

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

/// `maintenance_work_mem` for the migrations' session unless `MIGRATE_MAINTENANCE_WORK_MEM` says
/// otherwise: a migration builds the shared HNSW index (`20261207000002`), and at PostgreSQL's
/// default of 64 MB its concurrent build over the benchmark's 100,000 passages took 203 s, against
/// 32 s with 512 MB, in which the graph (about 2.6 KB a passage) fits (README, "Deploying with
/// SAM"). A database server with little memory may need less.
pub const DEFAULT_MAINTENANCE_WORK_MEM: &str = "512MB";

/// The migrations' connection, with `maintenance_work_mem` set for its session; a value
/// PostgreSQL does not take is an error here, before any migration runs.
pub async fn connect(
    options: &PgConnectOptions,
    maintenance_work_mem: &str,
) -> Result<PgConnection, sqlx::Error> {
    let mut conn = PgConnection::connect_with(options).await?;
    // A bound value: the setting's text is only ever a value for it.
    sqlx::query("SELECT set_config('maintenance_work_mem', $1, false)")
        .bind(maintenance_work_mem)
        .execute(&mut conn)
        .await?;
    Ok(conn)
}
