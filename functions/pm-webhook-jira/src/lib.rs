//! `POST /api/webhooks/jira`: one URL per Jira app, so a delivery is routed by the webhook ids it
//! matched and the site it came from. Its `Authorization` JWT is verified (HS256 with the app's
//! client secret, `exp` required) before anything in it is used; it is deduplicated on
//! `X-Atlassian-Webhook-Identifier` and becomes a refetch of the issue it names.

use lambda_http::{Body, Request, Response};
use shared::domain::text::parse_vendor_json;
use shared::error::ApiError;
use shared::pm::deliveries::{accepted, header};
use shared::pm::jira;
use shared::pm::store::deliveries::jira_integrations;
use shared::pm::sync::PmJob;
use shared::web::{body_bytes, respond};
use uuid::Uuid;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    respond(delivery(state, &req).await)
}

async fn delivery(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    jira::verify_delivery(&state.jira_client_secret, header(req, "authorization"))
        .map_err(ApiError::unauthorized)?;
    let delivery: jira::Delivery = parse_vendor_json(body_bytes(req)).map_err(|e| {
        ApiError::bad_request(
            "invalid_payload",
            format!("not a Jira webhook delivery: {e}"),
        )
    })?;
    let identifier = header(req, "x-atlassian-webhook-identifier").map(str::to_owned);
    let Some(issue) = &delivery.issue else {
        return accepted(false);
    };
    let (cloud, site) = issue.origin();
    let ids: Vec<String> = delivery
        .matched_webhook_ids
        .iter()
        .map(i64::to_string)
        .collect();
    let pool = state.db.pool().await?;
    let integrations: Vec<Uuid> =
        jira_integrations(pool, &ids, cloud.as_deref(), site.as_deref()).await?;
    if integrations.is_empty() {
        tracing::warn!(?ids, "Jira delivery matches no integration; ignored");
        return accepted(false);
    }
    let jobs = integrations
        .into_iter()
        .map(|integration_id| PmJob::Refetch {
            integration_id,
            task_ids: vec![issue.id.clone()],
        })
        .collect();
    let key = identifier.map(|id| format!("pm:jira:{id}"));
    accepted(state.deliveries.enqueue_once(key, jobs).await?)
}
