//! `pm-sync-bench [tasks] [projects]`: the PM sync's throughput and memory. A generated Jira site
//! (`fake_jira`, 100 issues a page) serves `tasks` issues (default 100,000) across `projects`
//! projects (default 20); one full sync of a fresh integration runs through the worker's own code
//! (token, paging with guards, bulk upserts, deletion pass, client rule, webhook registration)
//! against DATABASE_URL. Prints tasks/s and the process's peak resident memory; run it at two
//! sizes to see that memory does not grow with the task count (`./infra/local/bench pm-sync`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use local_gateway::fake_jira::{self, FakeJira};
use pm_sync_worker::{PmWorker, SyncOutcome};
use secrecy::SecretString;
use shared::db::Database;
use shared::http_client::HttpClient;
use shared::jobs::JobQueue;
use shared::pm::crypto::TokenCipher;
use shared::pm::oauth::TokenGrant;
use shared::pm::store::Tokens;
use shared::pm::{PmProviders, Provider, PublicUrls, Tenant, jira};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tasks: usize = args
        .first()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let projects: usize = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(20);
    let per_project = tasks.div_ceil(projects);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let fake = format!("http://{}", listener.local_addr()?);
    let app = fake_jira::router(FakeJira {
        projects,
        issues_per_project: per_project,
        page_size: 100,
    });
    tokio::spawn(async move { axum::serve(listener, app).await });

    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await?;
    shared::db::MIGRATOR.run(&pool).await?;
    let business = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO businesses (id, name, timezone) VALUES ($1, 'PM bench', 'UTC')")
        .bind(business)
        .execute(&pool)
        .await?;
    let cipher = TokenCipher::new("bench", &[7u8; 32])?;
    let integration = shared::pm::store::save_connection(
        &pool,
        &cipher,
        business,
        Provider::Jira,
        &Tenant {
            external_id: fake_jira::CLOUD_ID.into(),
            name: Some("aurora-fake".into()),
            site_url: Some(fake_jira::SITE_URL.into()),
        },
        &TokenGrant {
            access_token: SecretString::from("bench-access"),
            refresh_token: Some(SecretString::from("bench-refresh")),
            expires_at: Some(Utc::now() + chrono::Duration::hours(1)),
            scopes: vec![],
        },
        uuid::Uuid::nil(),
    )
    .await?;
    let provider = jira::Jira::new(
        jira::JiraEndpoints {
            auth: format!("{fake}/auth"),
            api: format!("{fake}/api"),
        },
        "bench".into(),
        SecretString::from("bench-secret"),
        PublicUrls {
            api_base: "http://127.0.0.1:3000".into(),
            browser_base: "http://127.0.0.1:3000".into(),
        },
        HttpClient::new("jira", shared::pm::pm_http_policy())?,
    );
    let sdk = shared::aws::sdk_config().await;
    let worker = PmWorker {
        db: Database::from_pool(pool.clone()),
        tokens: Tokens {
            pool: pool.clone(),
            cipher,
            providers: PmProviders::new(vec![Arc::new(provider)]),
        },
        // The sync sends no job; the queue is only part of the worker.
        queue: JobQueue::new(aws_sdk_sqs::Client::new(&sdk), "unused"),
        lease: Duration::from_secs(3600),
        full_every: chrono::Duration::hours(24),
        max_pages: pm_sync_worker::DEFAULT_MAX_PAGES,
    };

    let started = Instant::now();
    let outcome = worker.sync(&pool, integration, true).await?;
    let elapsed = started.elapsed();
    let SyncOutcome::Synced(report) = outcome else {
        anyhow::bail!("sync did not run: {outcome:?}");
    };
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks WHERE integration_id = $1 AND deleted_at IS NULL",
    )
    .bind(integration)
    .fetch_one(&pool)
    .await?;
    anyhow::ensure!(
        stored as usize == projects * per_project,
        "stored {stored} tasks, expected {}",
        projects * per_project
    );
    let rate = report.tasks as f64 / elapsed.as_secs_f64();
    println!(
        "pm-sync: {} tasks in {} projects, {} pages, {:.2} s => {:.0} tasks/s normalised and upserted; peak RSS {} MiB; webhooks created {}",
        report.tasks,
        report.projects,
        report.pages,
        elapsed.as_secs_f64(),
        rate,
        local_gateway::peak_rss_mib()
            .map(|m| m.to_string())
            .unwrap_or_else(|| "?".into()),
        report.webhooks.created,
    );
    // Leave the bench database as it was.
    sqlx::query("DELETE FROM businesses WHERE id = $1")
        .bind(business)
        .execute(&pool)
        .await?;
    Ok(())
}
