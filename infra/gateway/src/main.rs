//! `local-gateway [serve]`: serves every HTTP function on its production method and path and drives
//! the SQS workers. `local-gateway migrate`: applies the sqlx migrations to DATABASE_URL.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use local_gateway::routes::RouteTable;
use shared::platform::Platform;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => serve().await,
        Some("migrate") => migrate().await,
        Some(other) => anyhow::bail!("unknown command {other:?}; expected serve or migrate"),
    }
}

async fn migrate() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let pool = sqlx::PgPool::connect(&url)
        .await
        .context("connecting to DATABASE_URL")?;
    shared::db::MIGRATOR
        .run(&pool)
        .await
        .context("applying migrations")?;
    tracing::info!(
        count = shared::db::MIGRATOR.iter().count(),
        "migrations applied"
    );
    Ok(())
}

async fn serve() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::var("GATEWAY_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()
        .context("GATEWAY_ADDR")?;
    let platform = Platform::load().await?;
    let routes = Arc::new(RouteTable::new(&platform)?);
    // SQS-triggered functions are registered here as they are added (call summary, PM sync), each
    // driven by a `local_gateway::sqs::SqsPoller` on the queue template.yaml maps it to.
    // Scheduled functions register here as they are added (PM resync), fired by POST /_local/schedules/{name}.
    let schedules = Arc::new(local_gateway::schedule::Schedules::new());
    let app = local_gateway::server::app(routes, schedules);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!(%addr, "local gateway listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
