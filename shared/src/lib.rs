//! StudioConnect AI common crate.
//!
//! Everything more than one function needs lives here exactly once: configuration and secrets, the
//! database pool, AWS clients, the HTTP error shape, phone-number normalisation, the outbound HTTP
//! client, the idempotency store, typed job queues and the core domain types.

pub mod admin;
pub mod agent_manager;
pub mod aws;
pub mod call_tools;
pub mod config;
pub mod db;
pub mod domain;
pub mod elevenlabs;
pub mod error;
pub mod http_client;
pub mod idempotency;
pub mod jobs;
pub mod knowledge;
pub mod login_throttle;
pub mod openai;
pub mod personalization;
pub mod phone;
pub mod platform;
pub mod pm;
pub mod post_call;
pub mod response;
pub mod runtime;
pub mod secrets;
pub mod sendgrid;
pub mod store;
pub mod telemetry;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod twilio;
pub mod web;
