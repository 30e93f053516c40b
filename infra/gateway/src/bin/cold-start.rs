//! Cold start of a built Lambda function binary, measured locally: a minimal Lambda Runtime API
//! serves one invocation, and the time from exec to the function posting its response is recorded,
//! with the process's peak resident memory at that moment. The child inherits this process's
//! environment (database URL, AWS endpoint, table names...).
//!
//! A response counts when the function answered: an HTTP answer that is not a server error (its
//! status is reported), or any result of a non-HTTP function. The last line is machine-readable:
//! `result p50_ms=.. min_ms=.. max_ms=.. init_p50_ms=.. peak_rss_mib=.. status=..`; init is exec ->
//! the runtime's first request for work, the rest of a cold start is the first invocation itself.
//!
//! usage: cold-start <bootstrap binary> <event.json> [runs]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::routing::{get, post};
use tokio::sync::oneshot;

struct Invocation {
    event: String,
    /// When the runtime first asked for work: the end of the function's own initialisation.
    ready: Mutex<Option<Instant>>,
    done: Mutex<Option<oneshot::Sender<Result<String, String>>>>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(
        args.len() >= 3,
        "usage: cold-start <bootstrap binary> <event.json> [runs]"
    );
    let binary = &args[1];
    let event = std::fs::read_to_string(&args[2])?;
    let runs: usize = args.get(3).map(|r| r.parse()).transpose()?.unwrap_or(20);
    anyhow::ensure!(runs > 0, "runs must be at least 1");
    let mut samples = Vec::new();
    let mut inits = Vec::new();
    let mut peak_kib = 0;
    let mut status = String::new();
    for _ in 0..runs {
        let run = one_run(binary, &event).await?;
        samples.push(run.elapsed);
        inits.push(run.init);
        peak_kib = peak_kib.max(run.peak_kib);
        status = run.status;
    }
    samples.sort();
    inits.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "cold start (exec -> first response) over {runs} runs: min {:.1} ms  p50 {:.1} ms  max {:.1} ms (init p50 {:.1} ms); peak memory {:.1} MiB; answered {status}",
        ms(samples[0]),
        ms(samples[runs / 2]),
        ms(samples[runs - 1]),
        ms(inits[runs / 2]),
        peak_kib as f64 / 1024.0,
    );
    println!(
        "result p50_ms={:.1} min_ms={:.1} max_ms={:.1} init_p50_ms={:.1} peak_rss_mib={:.1} status={status}",
        ms(samples[runs / 2]),
        ms(samples[0]),
        ms(samples[runs - 1]),
        ms(inits[runs / 2]),
        peak_kib as f64 / 1024.0,
    );
    Ok(())
}

struct Run {
    elapsed: Duration,
    /// Exec -> the runtime's first request for work (the part a warm invocation never pays).
    init: Duration,
    /// VmHWM of the function's process when it had answered.
    peak_kib: u64,
    /// The HTTP status it answered, or `ok` for a non-HTTP function.
    status: String,
}

fn peak_kib(pid: Option<u32>) -> u64 {
    let Some(pid) = pid else { return 0 };
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn one_run(binary: &str, event: &str) -> anyhow::Result<Run> {
    let (tx, rx) = oneshot::channel();
    let invocation = Arc::new(Invocation {
        event: event.to_owned(),
        ready: Mutex::new(None),
        done: Mutex::new(Some(tx)),
    });
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(Arc::clone(&invocation));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", api.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "cold-start-probe")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "WARN")
        .kill_on_drop(true)
        .spawn()?;
    let outcome = tokio::time::timeout(Duration::from_secs(30), rx).await;
    let elapsed = started.elapsed();
    let init = invocation
        .ready
        .lock()
        .unwrap()
        .map_or(elapsed, |ready| ready - started);
    let peak_kib = peak_kib(child.id());
    let _ = child.kill().await;
    server.abort();
    match outcome {
        Ok(Ok(Ok(body))) => {
            let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let status = match answer.get("statusCode").and_then(|s| s.as_u64()) {
                Some(code) => {
                    anyhow::ensure!(code < 500, "the function answered a server error: {body}");
                    code.to_string()
                }
                None => {
                    let failures = answer.get("batchItemFailures").and_then(|f| f.as_array());
                    anyhow::ensure!(
                        failures.is_none_or(|f| f.is_empty()),
                        "the function reported failed messages: {body}"
                    );
                    "ok".to_owned()
                }
            };
            Ok(Run {
                elapsed,
                init,
                peak_kib,
                status,
            })
        }
        Ok(Ok(Err(e))) => anyhow::bail!("the function failed: {e}"),
        _ => anyhow::bail!("no response within 30 s"),
    }
}

async fn next(State(inv): State<Arc<Invocation>>) -> impl axum::response::IntoResponse {
    inv.ready.lock().unwrap().get_or_insert_with(Instant::now);
    let deadline = (chrono::Utc::now() + chrono::Duration::seconds(30))
        .timestamp_millis()
        .to_string();
    (
        [
            (
                "lambda-runtime-aws-request-id",
                "cold-start-0001".to_owned(),
            ),
            ("lambda-runtime-deadline-ms", deadline),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:cold-start-probe".to_owned(),
            ),
            (
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
            ),
            ("content-type", "application/json".to_owned()),
        ],
        inv.event.clone(),
    )
}

fn finish(inv: &Invocation, outcome: Result<String, String>) -> http::StatusCode {
    if let Some(tx) = inv.done.lock().unwrap().take() {
        let _ = tx.send(outcome);
    }
    http::StatusCode::ACCEPTED
}

async fn response(
    State(inv): State<Arc<Invocation>>,
    Path(_id): Path<String>,
    body: String,
) -> http::StatusCode {
    finish(&inv, Ok(body))
}

async fn error(
    State(inv): State<Arc<Invocation>>,
    Path(_id): Path<String>,
    body: String,
) -> http::StatusCode {
    finish(&inv, Err(body))
}

async fn init_error(State(inv): State<Arc<Invocation>>, body: String) -> http::StatusCode {
    finish(&inv, Err(format!("init error: {body}")))
}
