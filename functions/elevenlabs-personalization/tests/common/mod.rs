//! Helpers shared by this crate's integration tests (each test file uses some of them).
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use elevenlabs_personalization::{DEFAULT_SECRET_HEADER, State, handle};
use lambda_http::{Body, Request};
use serde_json::Value;
use shared::db::Database;
use shared::elevenlabs::initiation::SecretHeader;
use sqlx::PgPool;
use std::time::Duration;

pub const SECRET: &str = "test-initiation-secret";
pub const REQUEST: &str = include_str!("../fixtures/initiation_request.json");

// Fixed instants (America/Los_Angeles): a Monday morning, a Monday evening, Christmas Day.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 18, 30, 0).unwrap() // 10:30 PST
}
pub fn monday_evening() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 4, 0, 0).unwrap() // Mon 20:00 PST
}
pub fn christmas_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 25, 18, 0, 0).unwrap() // Fri 10:00 PST
}

pub async fn setup(pool: &PgPool) {
    sqlx::raw_sql(include_str!("../fixtures/tenants.sql"))
        .execute(pool)
        .await
        .unwrap();
}

pub fn state(pool: PgPool, now: fn() -> DateTime<Utc>) -> State {
    State {
        db: Database::from_pool(pool),
        secret: secret_header(),
        budget: Duration::from_millis(800),
        now,
        configs: Default::default(),
    }
}

pub fn secret_header() -> SecretHeader {
    SecretHeader {
        name: http::HeaderName::from_static(DEFAULT_SECRET_HEADER),
        value: SECRET.to_owned().into(),
    }
}

pub fn request(body: impl Into<String>, secret: Option<&str>) -> Request {
    let mut req = Request::new(Body::Text(body.into()));
    *req.method_mut() = http::Method::POST;
    if let Some(secret) = secret {
        req.headers_mut()
            .insert(DEFAULT_SECRET_HEADER, secret.parse().unwrap());
    }
    req.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    req
}

pub fn body_with(changes: Value) -> String {
    let mut body: Value = serde_json::from_str(REQUEST).unwrap();
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body.to_string()
}

pub async fn call(state: &State, body: impl Into<String>) -> (u16, Value) {
    let resp = handle(state, request(body, Some(SECRET))).await;
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body().as_ref()).unwrap(),
    )
}
