//! Scheduled (EventBridge) functions, fired on demand: locally there is no scheduler, so
//! `POST /_local/schedules/{name}` invokes the function with the "Scheduled Event" envelope that a
//! SAM `Type: Schedule` event delivers in AWS.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use futures::future::BoxFuture;
use serde_json::{Value, json};

/// A scheduled function's handler, as its `main` hands it to `lambda_runtime`; the value is the
/// function's result (what Lambda logs for the invocation).
pub type ScheduledHandler = Arc<
    dyn Fn(EventBridgeEvent<Value>) -> BoxFuture<'static, Result<Value, lambda_runtime::Error>>
        + Send
        + Sync,
>;

/// Scheduled functions by the name used in the URL (their template logical id).
pub type Schedules = HashMap<String, ScheduledHandler>;

/// The envelope EventBridge sends for a schedule rule.
pub fn scheduled_event(rule: &str) -> EventBridgeEvent<Value> {
    let event = json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": "us-east-1",
        "resources": [format!("arn:aws:events:us-east-1:123456789012:rule/{rule}")],
        "detail": {}
    });
    serde_json::from_value(event).expect("the scheduled-event envelope is a valid EventBridgeEvent")
}
