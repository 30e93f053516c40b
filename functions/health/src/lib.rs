//! `GET /api/health`: is every dependency this backend needs reachable right now? Checks run in
//! parallel, each with a short deadline. Anyone gets `{"status": "up"}` (200) or `"down"` (503);
//! only a platform admin's token shows which dependency is down and how long each check took
//! (names of tables, queues and secrets map the deployment for an attacker).

use std::time::{Duration, Instant};

use futures::future::join_all;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::domain::Role;
use shared::error::ApiError;
use shared::web::json_response;

mod config;

pub use config::{SECRETS, State};

/// Each check gets this long; a slow dependency counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize)]
pub struct Check {
    pub name: String,
    pub status: &'static str,
    pub latency_ms: u64,
}

#[derive(Serialize)]
struct HealthReport {
    status: &'static str,
    down: Vec<String>,
    checks: Vec<Check>,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    // A token is checked before any dependency is: a bad one is refused at no cost.
    let details = match req.headers().contains_key(http::header::AUTHORIZATION) {
        false => false,
        true => match state.tokens.authenticate(&req) {
            Ok(p) if p.role == Role::PlatformAdmin => true,
            Ok(_) => {
                return ApiError::forbidden("health details are for platform admins")
                    .into_response();
            }
            Err(e) => return e.into_response(),
        },
    };
    // Anyone may ask: one container checks its dependencies at most once per PUBLIC_FOR, so
    // unauthenticated traffic cannot turn into database and AWS calls.
    if !details && let Some(up) = state.recent_public_answer() {
        return public_answer(up);
    }
    let database = check("database".into(), async {
        state
            .db
            .verify(CHECK_TIMEOUT)
            .await
            .map_err(|e| e.to_string())
    });
    let mut table_checks = Vec::new();
    for table in &state.tables {
        table_checks.push(check(format!("dynamodb:{table}"), async move {
            state
                .dynamodb
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| shared::aws::describe_error(&e))
        }));
    }
    let mut queue_checks = Vec::new();
    for queue in &state.queues {
        let name = queue.rsplit('/').next().unwrap_or(queue).to_owned();
        queue_checks.push(check(format!("sqs:{name}"), async move {
            state
                .sqs
                .get_queue_attributes()
                .queue_url(queue)
                .attribute_names(
                    aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages,
                )
                .send()
                .await
                .map(|_| ())
                .map_err(|e| shared::aws::describe_error(&e))
        }));
    }
    // One check for the service: every secret must be there.
    let secret = check("secretsmanager".into(), async {
        let described = join_all(state.secret_ids.iter().map(|id| async move {
            state
                .secrets
                .describe_secret()
                .secret_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{id}: {}", shared::aws::describe_error(&e)))
        }))
        .await;
        described.into_iter().collect::<Result<(), String>>()
    });
    let (database, tables, queues, secret) = futures::join!(
        database,
        join_all(table_checks),
        join_all(queue_checks),
        secret
    );
    let checks: Vec<Check> = std::iter::once(database)
        .chain(tables)
        .chain(queues)
        .chain(std::iter::once(secret))
        .collect();
    let down: Vec<String> = checks
        .iter()
        .filter(|c| c.status != "up")
        .map(|c| c.name.clone())
        .collect();
    let status = if down.is_empty() {
        http::StatusCode::OK
    } else {
        http::StatusCode::SERVICE_UNAVAILABLE
    };
    if !details {
        state.remember_public_answer(down.is_empty());
        return public_answer(down.is_empty());
    }
    let report = HealthReport {
        status: if down.is_empty() { "ok" } else { "degraded" },
        down,
        checks,
    };
    json_response(status, &report)
}

async fn check<F>(name: String, probe: F) -> Check
where
    F: std::future::Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    let status = match tokio::time::timeout(CHECK_TIMEOUT, probe).await {
        Ok(Ok(())) => "up",
        Ok(Err(reason)) => {
            // The reason goes to the log only: the endpoint is public.
            tracing::warn!(dependency = %name, %reason, "dependency down");
            "down"
        }
        Err(_) => {
            tracing::warn!(dependency = %name, "dependency timed out");
            "down"
        }
    };
    Check {
        name,
        status,
        latency_ms: started.elapsed().as_millis() as u64,
    }
}

/// `{"status": "up"}` (200) or `"down"` (503): all anyone but a platform admin learns.
fn public_answer(up: bool) -> Response<Body> {
    let (status, word) = if up {
        (http::StatusCode::OK, "up")
    } else {
        (http::StatusCode::SERVICE_UNAVAILABLE, "down")
    };
    json_response(status, &serde_json::json!({ "status": word }))
}
