//! The PM functions reached from outside without an admin token: the OAuth callback
//! (`GET /api/integrations/{provider}/callback`) and the three webhook receivers
//! (`POST /api/webhooks/jira`, `/api/webhooks/asana/{integrationId}`,
//! `/api/webhooks/monday/{integrationId}`).
//!
//! Every delivery is verified before anything in it is used, acknowledged fast, and turned into a
//! `Refetch` job: events are compact, duplicated and unordered, so the worker reads each named item
//! from the provider instead of trusting the event.

use std::time::Duration;

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::crypto::TokenCipher;
use super::oauth::{StateError, StateStore};
use super::store::{self, webhook_secret_context};
use super::sync::PmJob;
use super::{PmProviders, Provider, asana, jira, monday};
use crate::config::Env;
use crate::db::Database;
use crate::error::ApiError;
use crate::idempotency::{IdempotencyStore, Once, OnceError};
use crate::jobs::JobQueue;
use crate::platform::Platform;
use crate::secrets::SecretName;
use crate::web::{body_bytes, json_response, respond};

/// Delivery ids are remembered this long (Jira retries for ~30 min, monday for 30 min).
const DELIVERY_RECORD_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
const DELIVERY_CLAIM_TTL: Duration = Duration::from_secs(60);

/// The secrets each of these functions is granted (template.yaml holds their policies to these).
pub const SECRETS: &[SecretName] = &[
    SecretName::TokenEncryption,
    SecretName::JiraApp,
    SecretName::AsanaApp,
    SecretName::MondayApp,
];

pub struct PmWebState {
    pub db: Database,
    pub cipher: TokenCipher,
    pub providers: PmProviders,
    pub states: StateStore,
    pub queue: JobQueue<PmJob>,
    pub deliveries: IdempotencyStore,
    pub jira_client_secret: SecretString,
    pub monday_signing_secret: SecretString,
    /// The dashboard; the browser lands on `{dashboard_url}/integrations?integration=…&status=…`.
    pub dashboard_url: String,
}

impl PmWebState {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        Ok(Self {
            db: platform.db.clone(),
            cipher: TokenCipher::from_secrets(&platform.secrets)?,
            providers: PmProviders::from_env(&env, &platform.secrets)?,
            states: StateStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.oauth_state,
            ),
            queue: JobQueue::new(platform.aws.sqs.clone(), &platform.settings.queues.pm_sync),
            deliveries: IdempotencyStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.idempotency,
                DELIVERY_RECORD_TTL,
                DELIVERY_CLAIM_TTL,
            ),
            jira_client_secret: platform.secrets.jira_client_secret()?,
            monday_signing_secret: platform.secrets.monday_signing_secret()?,
            dashboard_url: env.required("DASHBOARD_URL")?,
        })
    }

    async fn pool(&self) -> Result<&PgPool, ApiError> {
        self.db.pool().await.map_err(ApiError::internal)
    }
}

fn path_provider(req: &Request) -> Option<Provider> {
    req.path_parameters()
        .first("provider")
        .and_then(Provider::parse)
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

// ----------------------------------------------------------------------------- OAuth callback

/// `GET /api/integrations/{provider}/callback`: exchanges the code, discovers the tenant, stores
/// the sealed tokens, queues the first full sync (which registers the webhooks), and sends the
/// browser to the dashboard with the outcome. Every failure also lands on the dashboard, with a
/// reason, and stores nothing.
pub async fn callback(state: &PmWebState, req: Request) -> Response<Body> {
    let provider = path_provider(&req);
    let outcome = connect_from_callback(state, &req, provider).await;
    let name = provider.map(Provider::as_str).unwrap_or("unknown");
    let (query, title) = match &outcome {
        Ok(id) => (
            format!("integration={name}&status=connected&integration_id={id}"),
            format!("{name} connected"),
        ),
        Err((reason, detail)) => {
            tracing::warn!(provider = name, reason, detail, "integration not connected");
            (
                format!("integration={name}&status=error&reason={reason}"),
                format!("{name} was not connected: {detail}"),
            )
        }
    };
    // Beside the dashboard's other pages (notification emails link to {DASHBOARD_URL}/calls/{id}).
    let location = format!(
        "{}/integrations?{query}",
        state.dashboard_url.trim_end_matches('/')
    );
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>StudioConnect AI</title><p>{}</p><p><a href=\"{}\">Back to the dashboard</a></p>",
        html_escape(&title),
        html_escape(&location)
    );
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(http::header::LOCATION, location)
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Body::Text(page))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// Connects, or says why not: (reason code for the dashboard, human detail).
async fn connect_from_callback(
    state: &PmWebState,
    req: &Request,
    provider: Option<Provider>,
) -> Result<Uuid, (&'static str, String)> {
    let provider = provider.ok_or(("unknown_provider", "no such provider".to_owned()))?;
    let app = state
        .providers
        .get(provider)
        .ok_or(("not_configured", format!("{provider} is not configured")))?;
    let query = req.query_string_parameters();
    let state_param = query.first("state").unwrap_or_default();
    // The state is spent first: a replay of this URL (or a denial's) can never connect anything.
    let pending = state.states.take(state_param).await.map_err(|e| match e {
        StateError::Unknown => ("invalid_state", e.to_string()),
        StateError::Expired => ("expired_state", e.to_string()),
        StateError::Store(_) => ("internal", e.to_string()),
    })?;
    if pending.provider != provider {
        return Err((
            "invalid_state",
            "the state was issued for another provider".into(),
        ));
    }
    if let Some(error) = query.first("error") {
        let detail = query.first("error_description").unwrap_or(error).to_owned();
        return Err(if error == "access_denied" {
            ("denied", detail)
        } else {
            ("provider_error", detail)
        });
    }
    let code = query
        .first("code")
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or(("invalid_request", "the callback carries no code".to_owned()))?;
    let grant = app
        .oauth()
        .exchange_code(app.http(), code, pending.pkce_verifier.as_deref())
        .await
        .map_err(|e| ("exchange_failed", e.to_string()))?;
    let tenant = app
        .discover_tenant(&grant.access_token)
        .await
        .map_err(|e| ("tenant_discovery_failed", e.to_string()))?;
    let pool = state
        .pool()
        .await
        .map_err(|e| ("internal", e.message().to_owned()))?;
    let id = store::save_connection(
        pool,
        &state.cipher,
        pending.business_id,
        provider,
        &tenant,
        &grant,
    )
    .await
    .map_err(|e| ("internal", e.to_string()))?;
    if let Err(e) = state
        .queue
        .send(&PmJob::Sync {
            integration_id: id,
            full: true,
        })
        .await
    {
        // Connected all the same: the hourly resync picks it up.
        tracing::error!(integration_id = %id, error = %e, "initial sync not queued");
    }
    tracing::info!(integration_id = %id, %provider, business_id = %pending.business_id, "integration connected");
    Ok(id)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ------------------------------------------------------------------------------- deliveries

/// Queues a refetch once per delivery id; a duplicate is acknowledged and ignored.
async fn enqueue_once(
    state: &PmWebState,
    dedupe_key: Option<String>,
    jobs: Vec<PmJob>,
) -> Result<bool, ApiError> {
    let send = || async {
        for job in &jobs {
            state.queue.send(job).await?;
        }
        Ok::<_, crate::jobs::JobError>(((), None))
    };
    let Some(key) = dedupe_key else {
        send().await.map_err(ApiError::internal)?;
        return Ok(true);
    };
    match state.deliveries.run_once(&key, send).await {
        Ok(Once::Ran(())) => Ok(true),
        Ok(Once::AlreadyCompleted) => Ok(false),
        // The first copy is being queued right now: this one is a duplicate too.
        Ok(Once::InProgress) => Ok(false),
        Err(OnceError::Store(e)) => Err(ApiError::internal(e)),
        Err(OnceError::Work(e)) => Err(ApiError::internal(e)),
    }
}

fn accepted(queued: bool) -> Result<Response<Body>, ApiError> {
    Ok(json_response(
        StatusCode::OK,
        &json!({ "received": true, "duplicate": !queued }),
    ))
}

fn parse_body(req: &Request) -> Result<Value, ApiError> {
    serde_json::from_slice(body_bytes(req))
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not JSON: {e}")))
}

/// `POST /api/webhooks/jira`: one URL per app, so the delivery is routed by the webhook ids it
/// matched and the site it came from.
pub async fn jira_webhook(state: &PmWebState, req: Request) -> Response<Body> {
    respond(jira_delivery(state, &req).await)
}

async fn jira_delivery(state: &PmWebState, req: &Request) -> Result<Response<Body>, ApiError> {
    jira::verify_delivery(&state.jira_client_secret, header(req, "authorization"))
        .map_err(ApiError::unauthorized)?;
    let delivery: jira::Delivery = serde_json::from_slice(body_bytes(req)).map_err(|e| {
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
    let integrations: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT i.id FROM integration_webhooks w JOIN integrations i ON i.id = w.integration_id
         WHERE i.provider = 'jira' AND w.external_webhook_id = ANY($1)
           AND (i.external_tenant_id = $2 OR i.site_url = $3)",
    )
    .bind(&ids)
    .bind(cloud)
    .bind(site)
    .fetch_all(state.pool().await?)
    .await?;
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
    accepted(enqueue_once(state, key, jobs).await?)
}

/// `POST /api/webhooks/asana/{integrationId}?hook={registration}`: the handshake of a webhook we
/// are creating right now, heartbeats, and signed event batches.
pub async fn asana_webhook(state: &PmWebState, req: Request) -> Response<Body> {
    match asana_delivery(state, &req).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn asana_delivery(state: &PmWebState, req: &Request) -> Result<Response<Body>, ApiError> {
    let integration_id = crate::admin::request::path_id(req, "integrationId")
        .map_err(|_| ApiError::not_found("no such webhook"))?;
    let hook: Uuid = req
        .query_string_parameters()
        .first("hook")
        .and_then(|h| h.parse().ok())
        .ok_or_else(|| ApiError::not_found("no such webhook"))?;
    let pool = state.pool().await?;
    if let Some(secret) = header(req, "x-hook-secret") {
        // Only for a registration whose creation is in flight (its window is open): a stranger
        // cannot plant a secret on an existing or closed registration.
        let sealed = state.cipher.seal(
            &SecretString::from(secret.to_owned()),
            &webhook_secret_context(hook),
        );
        let accepted: Option<Uuid> = sqlx::query_scalar(
            "UPDATE integration_webhooks SET secret = $3, secret_key_id = $4
             WHERE id = $1 AND integration_id = $2 AND handshake_until > now()
             RETURNING id",
        )
        .bind(hook)
        .bind(integration_id)
        .bind(sealed)
        .bind(state.cipher.current_key_id())
        .fetch_optional(pool)
        .await?;
        if accepted.is_none() {
            return Err(ApiError::forbidden(
                "no webhook is being created for this target",
            ));
        }
        return Response::builder()
            .status(StatusCode::OK)
            .header("X-Hook-Secret", secret)
            .body(Body::Empty)
            .map_err(ApiError::internal);
    }
    let stored: Option<(Option<Vec<u8>>, Option<String>)> = sqlx::query_as(
        "SELECT secret, secret_key_id FROM integration_webhooks WHERE id = $1 AND integration_id = $2",
    )
    .bind(hook)
    .bind(integration_id)
    .fetch_optional(pool)
    .await?;
    let (Some(sealed), Some(key_id)) = stored.unwrap_or((None, None)) else {
        return Err(ApiError::unauthorized("unknown webhook"));
    };
    let secret = state
        .cipher
        .open(&key_id, &sealed, &webhook_secret_context(hook))
        .map_err(ApiError::internal)?;
    if !asana::verify_signature(&secret, body_bytes(req), header(req, "x-hook-signature")) {
        return Err(ApiError::unauthorized("bad X-Hook-Signature"));
    }
    let body = parse_body(req)?;
    let task_ids =
        asana::tasks_named(&body).map_err(|e| ApiError::bad_request("invalid_payload", e))?;
    if task_ids.is_empty() {
        // A heartbeat (or events about nothing we keep).
        return accepted(false);
    }
    // Asana delivers at most once and without ids: no dedupe key; refetching twice is harmless.
    accepted(
        enqueue_once(
            state,
            None,
            vec![PmJob::Refetch {
                integration_id,
                task_ids,
            }],
        )
        .await?,
    )
}

/// `POST /api/webhooks/monday/{integrationId}`: the creation challenge, then signed events.
pub async fn monday_webhook(state: &PmWebState, req: Request) -> Response<Body> {
    respond(monday_delivery(state, &req).await)
}

async fn monday_delivery(state: &PmWebState, req: &Request) -> Result<Response<Body>, ApiError> {
    let integration_id = crate::admin::request::path_id(req, "integrationId")
        .map_err(|_| ApiError::not_found("no such webhook"))?;
    let body = parse_body(req)?;
    if let Some(challenge) = body.get("challenge") {
        // monday's creation handshake: echo it, or create_webhook fails. It proves only that this
        // URL answers; nothing is trusted from it.
        return Ok(json_response(
            StatusCode::OK,
            &json!({ "challenge": challenge }),
        ));
    }
    let account =
        monday::verify_delivery(&state.monday_signing_secret, header(req, "authorization"))
            .map_err(ApiError::unauthorized)?;
    let tenant: Option<String> = sqlx::query_scalar(
        "SELECT external_tenant_id FROM integrations WHERE id = $1 AND provider = 'monday'",
    )
    .bind(integration_id)
    .fetch_optional(state.pool().await?)
    .await?;
    let Some(tenant) = tenant else {
        return Err(ApiError::not_found("no such integration"));
    };
    // The token must name this integration's account: a token for another account (or none)
    // cannot queue work here.
    if account.as_deref() != Some(tenant.as_str()) {
        return Err(ApiError::unauthorized(
            "the delivery is not for this account",
        ));
    }
    let event: monday::Event = serde_json::from_value(body["event"].clone()).map_err(|e| {
        ApiError::bad_request("invalid_payload", format!("not a monday event: {e}"))
    })?;
    let Some(item) = event.item_id() else {
        return accepted(false);
    };
    let key = event
        .trigger_uuid
        .as_ref()
        // Per integration: two businesses may connect the same monday account.
        .map(|u| format!("pm:monday:{integration_id}:{u}"));
    accepted(
        enqueue_once(
            state,
            key,
            vec![PmJob::Refetch {
                integration_id,
                task_ids: vec![item],
            }],
        )
        .await?,
    )
}
