//! `local-gateway [serve]`: serves every HTTP function on its production method and path and drives
//! the SQS workers. `local-gateway migrate`: applies the sqlx migrations to DATABASE_URL.
//! `local-gateway redrive <dlq-url> <queue-url> [max]`: moves dead letters back to their queue
//! (against AWS_ENDPOINT_URL, or real AWS when it is unset). `local-gateway openapi`: prints the
//! admin API's OpenAPI document.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use local_gateway::routes::RouteTable;
use shared::platform::Platform;
use shared::secrets::SecretName;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => serve().await,
        Some("migrate") => migrate().await,
        Some("redrive") => redrive().await,
        // The admin API's OpenAPI document, as GET /api/openapi.json serves it (the dashboard's
        // typed client is generated from it: web/scripts/api-types).
        Some("openapi") => {
            println!("{}", serde_json::to_string_pretty(&openapi::document())?);
            Ok(())
        }
        Some(other) => {
            anyhow::bail!("unknown command {other:?}; expected serve, migrate, redrive or openapi")
        }
    }
}

async fn migrate() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let work_mem = std::env::var("MIGRATE_MAINTENANCE_WORK_MEM")
        .unwrap_or_else(|_| local_gateway::migrate::DEFAULT_MAINTENANCE_WORK_MEM.to_owned());
    let options = url
        .parse()
        .context("DATABASE_URL is not a PostgreSQL URL")?;
    let mut conn = local_gateway::migrate::connect(&options, &work_mem)
        .await
        .context("connecting to DATABASE_URL and setting maintenance_work_mem")?;
    shared::db::MIGRATOR
        .run(&mut conn)
        .await
        .context("applying migrations")?;
    tracing::info!(
        count = shared::db::MIGRATOR.iter().count(),
        "migrations applied"
    );
    Ok(())
}

async fn redrive() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let (Some(dlq), Some(queue)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: local-gateway redrive <dlq-url> <queue-url> [max]");
    };
    let max = match args.get(2) {
        Some(n) => n.parse().context("max must be a number")?,
        None => usize::MAX,
    };
    let sdk = shared::aws::sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let moved = shared::jobs::redrive(&sqs, dlq, queue, max).await?;
    println!("moved {moved} message(s) from {dlq} to {queue}");
    Ok(())
}

async fn serve() -> anyhow::Result<()> {
    // FAILPOINTS="name=action;..." (./infra/local/chaos); nothing is set up without it.
    let _failpoints = fail::FailScenario::setup();
    let addr: SocketAddr = std::env::var("GATEWAY_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()
        .context("GATEWAY_ADDR")?;
    // One process serves every function: it loads every secret, and each function's state is built
    // from only those it is granted (`HttpFunction::handler`, `workers::granted`).
    let platform = Platform::load(SecretName::ALL).await?;
    let routes = Arc::new(RouteTable::new(&platform)?);
    // SQS-triggered functions, each driven by a poller on the queue template.yaml maps it to.
    for poller in local_gateway::workers::pollers(&platform).await? {
        tokio::spawn(poller.run());
    }
    // Scheduled functions, fired by POST /_local/schedules/{logical id}.
    let schedules = Arc::new(local_gateway::workers::schedules(&platform)?);
    // The dashboard's bundle (./infra/local/run builds it); without it only the API is served.
    let dashboard = match std::env::var_os("WEB_DIST") {
        Some(dist) => Some(local_gateway::web::Dashboard::new(dist)?),
        None => None,
    };
    let app = local_gateway::server::app_with_dashboard(routes, schedules, dashboard);
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
