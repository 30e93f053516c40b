//! In-process latency of the initiation webhook against real Postgres holding 1,000 businesses x
//! 100 clients x 20 projects. Run with `./infra/local/bench` (it starts the database and passes
//! DATABASE_URL). Prints the hot query's plan, then p50/p90/p99/max per scenario.

use std::time::{Duration, Instant};

use chrono::Utc;
use elevenlabs_personalization::{DEFAULT_SECRET_HEADER, State, handle};
use lambda_http::{Body, Request};
use rand::Rng;
use shared::db::Database;
use shared::store::call_context::{CALL_CONTEXT_SQL, MAX_PROMPT_PROJECTS};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const BUSINESSES: i64 = 1_000;
const CLIENTS_PER_BUSINESS: i64 = 100;
const PROJECTS_PER_CLIENT: i64 = 20;
const SAMPLES: usize = 10_000;
const WARMUP: usize = 1_000;
const SECRET: &str = "bench-secret";

/// Valid NANP numbers: businesses +1 415 200-0001.., clients +1 646 2xx-xxxx (unique per business).
fn business_phone(b: i64) -> String {
    format!("+1415{}", 2_000_000 + b)
}
fn client_phone(b: i64, c: i64) -> String {
    format!("+1646{}", 2_000_000 + b * CLIENTS_PER_BUSINESS + c)
}

/// The dataset, shared with `./infra/local/bench peer` (which loads it with psql).
const SEED_SQL: &str = include_str!("seed.sql");

async fn seed(pool: &PgPool) {
    let projects: i64 = sqlx::query_scalar("SELECT count(*) FROM projects")
        .fetch_one(pool)
        .await
        .unwrap();
    if projects == BUSINESSES * CLIENTS_PER_BUSINESS * PROJECTS_PER_CLIENT {
        println!("seed: present ({projects} projects)");
        return;
    }
    let started = Instant::now();
    sqlx::raw_sql(SEED_SQL).execute(pool).await.unwrap();
    println!(
        "seed: {BUSINESSES} businesses x {CLIENTS_PER_BUSINESS} clients x {PROJECTS_PER_CLIENT} projects in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A freshly loaded table gets its first autovacuum pass at an unpredictable moment (after a server
/// restart, typically during the measurement). Vacuum first, so the numbers describe a steady-state
/// database as production has, not the first pass over 2M new rows.
async fn settle(pool: &PgPool) {
    let started = Instant::now();
    for table in [
        "businesses",
        "business_phone_numbers",
        "agent_configs",
        "qualification_questions",
        "clients",
        "client_phone_numbers",
        "projects",
        "call_starts",
    ] {
        // `table` is one of the literal names above; VACUUM cannot run inside a transaction.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM (ANALYZE) {table}")))
            .execute(pool)
            .await
            .unwrap();
    }
    println!("vacuum + analyze: {:.1} s", started.elapsed().as_secs_f64());
}

async fn print_plan(pool: &PgPool) {
    let explain =
        format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON) {CALL_CONTEXT_SQL}");
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(explain))
        .bind(business_phone(500))
        .bind(client_phone(500, 50))
        .bind("agent_x")
        .bind(format!("conv_plan_{}", uuid::Uuid::new_v4()))
        .bind("CAplan")
        .bind(MAX_PROMPT_PROJECTS)
        .fetch_all(pool)
        .await
        .unwrap();
    println!("\nplan of the hot query (known client, one round trip):");
    for (line,) in rows {
        println!("  {line}");
    }
    println!();
}

fn request(caller: &str, called: &str, conversation: &str) -> Request {
    let body = serde_json::json!({
        "caller_id": caller, "called_number": called, "agent_id": "agent_bench",
        "call_sid": format!("CA{conversation}"), "conversation_id": conversation,
    });
    let mut req = Request::new(Body::Text(body.to_string()));
    *req.method_mut() = http::Method::POST;
    req.headers_mut()
        .insert(DEFAULT_SECRET_HEADER, SECRET.parse().unwrap());
    req
}

async fn scenario(
    state: &State,
    name: &str,
    pick: impl Fn(&mut rand::rngs::ThreadRng) -> (String, String),
) {
    let mut rng = rand::rng();
    let mut samples = Vec::with_capacity(SAMPLES);
    for i in 0..(WARMUP + SAMPLES) {
        let (caller, called) = pick(&mut rng);
        let req = request(
            &caller,
            &called,
            &format!("conv_{name}_{}", uuid::Uuid::new_v4()),
        );
        let started = Instant::now();
        let resp = handle(state, req).await;
        let elapsed = started.elapsed();
        assert_eq!(resp.status(), 200);
        if i >= WARMUP {
            samples.push(elapsed);
        }
    }
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{name:<14} n={SAMPLES}  p50 {:>7.0} us  p90 {:>7.0} us  p99 {:>7.0} us  max {:>7.0} us",
        us(shared::testing::percentile(&samples, 0.50)),
        us(shared::testing::percentile(&samples, 0.90)),
        us(shared::testing::percentile(&samples, 0.99)),
        us(*samples.last().unwrap())
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("run with ./infra/local/bench");
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();
    shared::db::MIGRATOR.run(&pool).await.unwrap();
    seed(&pool).await;
    settle(&pool).await;
    print_plan(&pool).await;
    let state = State {
        db: Database::from_pool(pool),
        secret: shared::elevenlabs::initiation::SecretHeader {
            name: http::HeaderName::from_static(DEFAULT_SECRET_HEADER),
            value: SECRET.to_owned().into(),
        },
        budget: Duration::from_millis(800),
        now: Utc::now,
        configs: Default::default(),
    };
    println!(
        "in-process handler latency (one request at a time, as in Lambda; includes JSON parse, lookup + call-start insert, composition, serialisation):"
    );
    scenario(&state, "known_client", |rng| {
        let b = rng.random_range(1..=BUSINESSES);
        (
            client_phone(b, rng.random_range(1..=CLIENTS_PER_BUSINESS)),
            business_phone(b),
        )
    })
    .await;
    scenario(&state, "new_caller", |rng| {
        let b = rng.random_range(1..=BUSINESSES);
        (
            format!("+1212{}", 2_000_000 + rng.random_range(0..999_999)),
            business_phone(b),
        )
    })
    .await;
    scenario(&state, "unknown_number", |rng| {
        (
            format!("+1212{}", 2_000_000 + rng.random_range(0..999_999)),
            format!("+1303{}", 2_000_000 + rng.random_range(0..999_999)),
        )
    })
    .await;
}
