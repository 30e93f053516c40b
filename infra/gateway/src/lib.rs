//! The local stand-in for AWS's event sources. It calls the very handlers the Lambdas run:
//! - HTTP: each request becomes the API Gateway v2 (payload 2.0) event AWS would send, parsed by
//!   `lambda_http` exactly as in Lambda, and the handler's response goes back to the client;
//! - SQS: queues are long-polled and their messages handed over as real `SqsEvent` batches; only the
//!   messages the handler did not report as failed are deleted, so visibility timeouts and DLQ
//!   redrive behave as in AWS;
//! - schedules: `POST /_local/schedules/{name}` fires a scheduled function now;
//! - the dashboard: with `WEB_DIST`, web/dist as CloudFront serves it (`web`).
//! The routes are read from template.yaml (`routes::ROUTES`): the gateway serves exactly what deploys.

pub mod apigw;
pub mod fake_faults;
pub mod fake_jira;
pub mod migrate;
pub mod record;
pub mod routes;
pub mod schedule;
pub mod server;
pub mod sqs;
pub mod web;
pub mod workers;

/// VmHWM: the most memory this process ever held resident, in MiB (the benchmarks' peak memory).
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
