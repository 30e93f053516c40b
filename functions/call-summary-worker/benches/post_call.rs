//! The post-call path on the local stack (Postgres with durable commits, moto's SQS and DynamoDB,
//! OpenAI and SendGrid faked in-process). Run with `./infra/local/bench` (it starts the stack).
//! 1. Webhook acknowledgement: BENCH_EVENTS signed, distinct `post_call_transcription` events through
//!    the webhook handler (verify, claim, enqueue); p50/p90/p99/max.
//! 1b. The cost of refusing a forged delivery (10 x BENCH_EVENTS), in-process.
//! 2. Worker throughput: the queue those events filled, drained by BENCH_CONSUMERS concurrent
//!    consumers (receive 10 -> handle -> delete, as Lambda's event source mapping does); events/s.

use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use chrono::Utc;
use lambda_http::{Body, Request};
use serde_json::json;
use shared::elevenlabs::webhook::sign;
use shared::http_client::HttpPolicy;
use shared::testing::{self, fresh_queue, json_fixture};
use sqlx::postgres::PgPoolOptions;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "bench-webhook-secret";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| shared::testing::percentile(&samples, q);
    println!(
        "{label}: n={} p50={:.3} ms p90={:.3} ms p99={:.3} ms max={:.3} ms",
        samples.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.90).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3
    );
}

/// A post-call webhook request with this body and `ElevenLabs-Signature` header.
fn delivery(body: String, signature: &str) -> Request {
    let mut req = Request::new(Body::Text(body));
    *req.method_mut() = http::Method::POST;
    req.headers_mut()
        .insert("elevenlabs-signature", signature.parse().unwrap());
    req
}

#[tokio::main]
async fn main() {
    let events = env_or("BENCH_EVENTS", 1000);
    let consumers = env_or("BENCH_CONSUMERS", 4);
    let admin_url = std::env::var("DATABASE_URL").expect("run with ./infra/local/bench");
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url)
        .await
        .unwrap();
    // Two statements: DROP/CREATE DATABASE refuse to run inside one (implicit) transaction.
    for sql in [
        "DROP DATABASE IF EXISTS post_call_bench WITH (FORCE)",
        "CREATE DATABASE post_call_bench",
    ] {
        sqlx::raw_sql(sql).execute(&admin).await.unwrap();
    }
    let url = format!("{}/post_call_bench", admin_url.rsplit_once('/').unwrap().0);
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect(&url)
        .await
        .unwrap();
    shared::db::MIGRATOR.run(&pool).await.unwrap();
    testing::seed_tenant(&pool).await;

    let aws = testing::aws().await;
    let queue_url = fresh_queue(&aws, "post-call-bench").await;
    let webhook = elevenlabs_events::State {
        intake: testing::intake(&aws, &queue_url, pool.clone()),
        secret: SECRET.to_owned().into(),
        now: Utc::now,
    };

    // 1. acknowledgement latency
    let template = json_fixture("elevenlabs/post_call_transcription.json");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut latencies = Vec::with_capacity(events);
    for n in 0..events {
        let mut event = template.clone();
        event["data"]["conversation_id"] = json!(format!("conv_bench_{run}_{n}"));
        event["data"]["metadata"]["phone_call"]["call_sid"] = json!(format!("CAbench{run}{n}"));
        // A different caller each time: every event creates its own lead.
        event["data"]["metadata"]["phone_call"]["external_number"] =
            json!(format!("+1646{}", 3_000_000 + n));
        let body = serde_json::to_string(&event).unwrap();
        let signature = sign(body.as_bytes(), SECRET.as_bytes(), Utc::now().timestamp());
        let req = delivery(body, &signature);
        let started = Instant::now();
        let resp = elevenlabs_events::handle(&webhook, req).await;
        latencies.push(started.elapsed());
        assert_eq!(resp.status(), 200);
    }
    percentiles(
        "webhook acknowledgement (verify + claim + enqueue)",
        latencies,
    );

    // 1b. the cost of a refusal: a forged signature over a real event's bytes. Nothing is reached
    // before the signature checks (test `a_refusal_reaches_no_dependency`), so this is the HMAC
    // and the header parse alone.
    let body = serde_json::to_string(&template).unwrap();
    let forged = sign(body.as_bytes(), b"not-the-secret", Utc::now().timestamp());
    let refusals = events * 10;
    let mut latencies = Vec::with_capacity(refusals);
    for _ in 0..refusals {
        let req = delivery(body.clone(), &forged);
        let started = Instant::now();
        let resp = elevenlabs_events::handle(&webhook, req).await;
        latencies.push(started.elapsed());
        assert_eq!(resp.status(), 401);
    }
    percentiles(
        &format!(
            "refusal of a forged delivery ({} byte body; no database or AWS call)",
            body.len()
        ),
        latencies,
    );

    // 2. worker throughput
    let vendors = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202).insert_header("x-message-id", "bench"))
        .mount(&vendors)
        .await;
    let state: &'static call_summary_worker::State =
        Box::leak(Box::new(call_summary_worker::State {
            worker: call_summary_worker::testing::worker(
                &aws,
                pool.clone(),
                &vendors.uri(),
                HttpPolicy::default(),
            ),
            concurrency: 4,
        }));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..consumers {
        let sqs = aws.sqs.clone();
        let queue_url = queue_url.clone();
        tasks.push(tokio::spawn(async move {
            let mut processed = 0usize;
            let mut in_handler = Duration::ZERO;
            let mut empty_polls = 0;
            while empty_polls < 2 {
                let out = sqs
                    .receive_message()
                    .queue_url(&queue_url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(0)
                    .send()
                    .await
                    .unwrap();
                let messages = out.messages.unwrap_or_default();
                if messages.is_empty() {
                    empty_polls += 1;
                    continue;
                }
                empty_polls = 0;
                let mut batch = SqsEvent::default();
                batch.records = messages
                    .iter()
                    .map(|m| {
                        let mut record = SqsMessage::default();
                        record.message_id = m.message_id.clone();
                        record.body = m.body.clone();
                        record
                    })
                    .collect();
                let handling = Instant::now();
                let response = call_summary_worker::handle(state, batch).await;
                in_handler += handling.elapsed();
                assert!(
                    response.batch_item_failures.is_empty(),
                    "{:?}",
                    response.batch_item_failures
                );
                let entries = messages
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(m.receipt_handle.clone().unwrap())
                            .build()
                            .unwrap()
                    })
                    .collect::<Vec<_>>();
                processed += entries.len();
                sqs.delete_message_batch()
                    .queue_url(&queue_url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .unwrap();
            }
            (processed, in_handler)
        }));
    }
    let (mut processed, mut in_handler) = (0, Duration::ZERO);
    for t in tasks {
        let (n, d) = t.await.unwrap();
        processed += n;
        in_handler += d;
    }
    let elapsed = started.elapsed();
    let logs: i64 = sqlx::query_scalar("SELECT count(*) FROM call_logs")
        .fetch_one(&pool)
        .await
        .unwrap();
    let leads: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    let emails = vendors.received_requests().await.unwrap().len();
    // The effects are exact; the deliveries may not be: SQS (and moto, whose concurrent receives
    // take no lock) may hand a message out twice, which the worker's idempotency absorbs.
    assert_eq!(
        (logs as usize, leads as usize, emails),
        (events, events, events)
    );
    assert!(
        processed >= events,
        "{processed} of {events} events processed"
    );
    if processed > events {
        println!(
            "  {} redelivered message(s), absorbed (one call log, lead and email each)",
            processed - events
        );
    }
    println!(
        "worker throughput: {events} events in {:.2} s = {:.0} events/s ({consumers} consumers x batches of 10, \
         each event: conversation + lead + call log in one transaction, one email)",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  of which in the handler: {:.1} ms per event (summed over consumers; the rest is SQS receive/delete on moto)",
        in_handler.as_secs_f64() * 1e3 / processed as f64
    );
}
