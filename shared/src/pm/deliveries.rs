//! What the PM webhook receivers (`functions/pm-webhook-{jira,asana,monday}`) share: a delivery,
//! once verified, becomes `Refetch` jobs on the pm-sync queue, at most once per delivery id, and is
//! acknowledged at once. Events are compact, duplicated and unordered, so the worker reads each
//! named item from the provider instead of trusting the event.

use std::time::Duration;

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

use super::sync::PmJob;
use crate::error::ApiError;
use crate::idempotency::{IdempotencyStore, Once, OnceError};
use crate::jobs::{JobError, JobQueue};
use crate::platform::Platform;
use crate::web::{body_bytes, json_response};

/// Delivery ids are remembered this long (Jira retries for ~30 min, monday for 30 min).
pub const DELIVERY_RECORD_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
pub const DELIVERY_CLAIM_TTL: Duration = Duration::from_secs(60);

/// The pm-sync queue, and the delivery ids already queued.
pub struct DeliveryQueue {
    pub queue: JobQueue<PmJob>,
    pub deliveries: IdempotencyStore,
}

impl DeliveryQueue {
    pub fn from_platform(platform: &Platform) -> Self {
        Self {
            queue: JobQueue::new(platform.aws.sqs.clone(), &platform.settings.queues.pm_sync),
            deliveries: IdempotencyStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.idempotency,
                DELIVERY_RECORD_TTL,
                DELIVERY_CLAIM_TTL,
            ),
        }
    }

    /// Queues the jobs once per `dedupe_key` (always when there is none); false for a duplicate.
    pub async fn enqueue_once(
        &self,
        dedupe_key: Option<String>,
        jobs: Vec<PmJob>,
    ) -> Result<bool, ApiError> {
        let send = || async {
            for job in &jobs {
                self.queue.send(job).await?;
            }
            Ok::<_, JobError>(((), None))
        };
        let Some(key) = dedupe_key else {
            send().await.map_err(queue_error)?;
            return Ok(true);
        };
        match self.deliveries.run_once(&key, send).await {
            Ok(Once::Ran(())) => Ok(true),
            Ok(Once::AlreadyCompleted) => Ok(false),
            // The first copy is being queued right now: this one is a duplicate too.
            Ok(Once::InProgress) => Ok(false),
            Err(OnceError::Store(e)) if e.transient => {
                Err(ApiError::dependency_down("the delivery record", e))
            }
            Err(OnceError::Store(e)) => Err(ApiError::internal(e)),
            Err(OnceError::Work(e)) => Err(queue_error(e)),
        }
    }
}

/// A queue that did not answer is the vendor's cue to retry (503); one that refused the job (no
/// such queue, no permission, a job too large) is our fault (500).
fn queue_error(e: JobError) -> ApiError {
    match e {
        JobError::Unavailable(_) => ApiError::dependency_down("the job queue", e),
        other => ApiError::internal(other),
    }
}

/// The acknowledgement: `{"received": true, "duplicate": …}`.
pub fn accepted(queued: bool) -> Result<Response<Body>, ApiError> {
    Ok(json_response(
        StatusCode::OK,
        &json!({ "received": true, "duplicate": !queued }),
    ))
}

/// The raw body as JSON (less the characters no stored text may hold: the vendor signed it), or
/// a 400.
pub fn parse_body(req: &Request) -> Result<Value, ApiError> {
    crate::domain::text::parse_vendor_json(body_bytes(req))
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not JSON: {e}")))
}

/// A header's value, when it is text.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}
