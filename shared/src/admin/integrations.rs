//! Project-management integrations in the admin API:
//! - `GET /api/integrations/{provider}/connect?business_id=`: the provider's authorize URL for
//!   this business (state kept in DynamoDB, PKCE where the provider takes it);
//! - `GET /api/businesses/{id}/integrations`: the connections, their status and sync health;
//! - `DELETE /api/businesses/{id}/integrations/{integrationId}`: removes the provider's webhooks,
//!   revokes the grant where the provider can, and keeps synced history marked stale;
//! - `GET /api/businesses/{id}/projects`: synced and manual projects with their client link;
//! - `GET/PUT /api/businesses/{id}/clients/{clientId}/projects`: the projects linked to a client
//!   (an admin's link always beats the matching rule).

use chrono::{DateTime, NaiveDate, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::{Access, Principal};
use super::request::{invalid, path_id};
use super::{AdminState, method_not_allowed, ok};
use crate::error::ApiError;
use crate::pm::crypto::TokenCipher;
use crate::pm::oauth::StateStore;
use crate::pm::store::{self, Tokens};
use crate::pm::{PmProviders, Provider};
use crate::web::parse_json;

/// What the integration routes need beyond the database, each function only what it uses (and so
/// only the secrets it needs: the list reads none, connect the apps, disconnect also the token key).
pub struct PmAdmin {
    /// The providers this deployment offers (the list's `available`).
    pub offered: Vec<Provider>,
    /// The providers' OAuth apps: connect and disconnect (empty for the list).
    pub providers: PmProviders,
    /// Opens the stored tokens: disconnect only.
    pub cipher: Option<TokenCipher>,
    pub states: StateStore,
}

fn pm(state: &AdminState) -> Result<&PmAdmin, ApiError> {
    state
        .pm
        .as_ref()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("this function has no PM configuration")))
}

// ------------------------------------------------------------------------------------ connect

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectLink {
    #[schema(value_type = String, example = "jira")]
    pub provider: Provider,
    /// Send the user's browser here; the provider redirects back to our callback.
    pub authorize_url: String,
    /// The link is good once, until then.
    pub expires_at: DateTime<Utc>,
}

/// The business a connect request is for: `?business_id=`, or the token's own business.
pub fn connect_business(req: &Request, principal: &Principal) -> Result<Uuid, ApiError> {
    match req.query_string_parameters().first("business_id") {
        Some(raw) => raw
            .parse()
            .map_err(|_| ApiError::forbidden("this token does not give access to that business")),
        None => principal
            .business_id
            .ok_or_else(|| invalid("business_id", "is required for a platform admin")),
    }
}

#[utoipa::path(get, path = "/api/integrations/{provider}/connect", tag = "integrations",
    params(("provider" = String, Path, description = "jira, asana or monday"),
        ("business_id" = Option<Uuid>, Query, description = "the business to connect (default: the token's own)")),
    responses((status = 200, body = ConnectLink),
        (status = 401, body = crate::admin::openapi::ErrorBody), (status = 403, body = crate::admin::openapi::ErrorBody),
        (status = 404, body = crate::admin::openapi::ErrorBody, description = "unknown or unconfigured provider, or no such business")),
    security(("bearer" = [])))]
pub(crate) async fn connect(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::GET {
        return Err(method_not_allowed(req));
    }
    let pm = pm(state)?;
    let raw = req
        .path_parameters()
        .first("provider")
        .unwrap_or_default()
        .to_owned();
    let provider = Provider::parse(&raw).ok_or_else(|| {
        ApiError::not_found(format!(
            "no provider {raw:?}; expected jira, asana or monday"
        ))
    })?;
    let app = pm.providers.get(provider).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "provider_not_configured",
            format!("{provider} is not configured on this deployment"),
        )
    })?;
    super::require_business(state.db.pool().await?, business_id).await?;
    // The state is stored before the URL exists, with the verifier it will need.
    let state_token = crate::pm::oauth::StateStore::new_state();
    let (url, verifier) = app
        .oauth()
        .authorize_url(&state_token)
        .map_err(ApiError::internal)?;
    let expires_at = pm
        .states
        .begin(&state_token, business_id, provider, verifier.as_deref())
        .await
        .map_err(ApiError::internal)?;
    ok(
        StatusCode::OK,
        &ConnectLink {
            provider,
            authorize_url: url,
            expires_at: DateTime::<Utc>::from(expires_at),
        },
    )
}

// ------------------------------------------------------------------------------- integrations

#[derive(Debug, Serialize, ToSchema)]
pub struct Integration {
    pub id: Uuid,
    #[schema(value_type = String, example = "jira")]
    pub provider: String,
    /// connected, syncing, error or needs_reconsent.
    pub status: String,
    /// Jira cloudid, Asana workspace gid or monday account id.
    pub tenant_id: String,
    pub tenant_name: Option<String>,
    pub site_url: Option<String>,
    pub scopes: Vec<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_full_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub connected_at: DateTime<Utc>,
    pub webhooks: i64,
    pub projects: i64,
    pub tasks: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    pub integrations: Vec<Integration>,
    /// Providers this deployment can connect.
    #[schema(value_type = Vec<String>)]
    pub available: Vec<Provider>,
}

#[utoipa::path(get, path = "/api/businesses/{id}/integrations", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = IntegrationList), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list(
    state: &AdminState,
    business_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    super::require_business(pool, business_id).await?;
    let rows: Vec<IntegrationRow> = sqlx::query_as(
        r#"
        SELECT i.id, i.provider, i.status, i.external_tenant_id, i.external_tenant_name, i.site_url,
               i.scopes, i.token_expires_at, i.last_synced_at, i.last_full_sync_at, i.last_error,
               i.connected_at,
               (SELECT count(*) FROM integration_webhooks w WHERE w.integration_id = i.id
                  AND w.external_webhook_id IS NOT NULL) AS webhooks,
               (SELECT count(*) FROM projects p WHERE p.integration_id = i.id AND p.deleted_at IS NULL) AS projects,
               (SELECT count(*) FROM tasks t WHERE t.integration_id = i.id AND t.deleted_at IS NULL) AS tasks
        FROM integrations i WHERE i.business_id = $1 ORDER BY i.provider
        "#,
    )
    .bind(business_id)
    .fetch_all(pool)
    .await?;
    let available = state
        .pm
        .as_ref()
        .map(|pm| pm.offered.clone())
        .unwrap_or_default();
    ok(
        StatusCode::OK,
        &IntegrationList {
            integrations: rows.into_iter().map(Integration::from).collect(),
            available,
        },
    )
}

#[derive(sqlx::FromRow)]
struct IntegrationRow {
    id: Uuid,
    provider: String,
    status: String,
    external_tenant_id: String,
    external_tenant_name: Option<String>,
    site_url: Option<String>,
    scopes: Vec<String>,
    token_expires_at: Option<DateTime<Utc>>,
    last_synced_at: Option<DateTime<Utc>>,
    last_full_sync_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    connected_at: DateTime<Utc>,
    webhooks: i64,
    projects: i64,
    tasks: i64,
}

impl From<IntegrationRow> for Integration {
    fn from(r: IntegrationRow) -> Self {
        Self {
            id: r.id,
            provider: r.provider,
            status: r.status,
            tenant_id: r.external_tenant_id,
            tenant_name: r.external_tenant_name,
            site_url: r.site_url,
            scopes: r.scopes,
            token_expires_at: r.token_expires_at,
            last_synced_at: r.last_synced_at,
            last_full_sync_at: r.last_full_sync_at,
            last_error: r.last_error,
            connected_at: r.connected_at,
            webhooks: r.webhooks,
            projects: r.projects,
            tasks: r.tasks,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Disconnected {
    pub webhooks_removed: usize,
    /// Whether the provider revoked the grant (only Asana offers revocation).
    pub revoked: bool,
    pub stale_projects: u64,
    pub stale_tasks: u64,
    /// What could not be undone at the provider (the connection is removed all the same).
    pub warnings: Vec<String>,
}

#[utoipa::path(delete, path = "/api/businesses/{id}/integrations/{integrationId}", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id"), ("integrationId" = Uuid, Path)),
    responses((status = 200, body = Disconnected), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn delete(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let integration_id = path_id(req, "integrationId")?;
    let pool = state.db.pool().await?;
    let row = store::load(pool, integration_id)
        .await
        .map_err(ApiError::internal)?
        .filter(|r| r.business_id == business_id)
        .ok_or_else(|| ApiError::not_found("no such integration"))?;
    let pm = pm(state)?;
    let mut out = Disconnected {
        webhooks_removed: 0,
        revoked: false,
        stale_projects: 0,
        stale_tasks: 0,
        warnings: Vec::new(),
    };
    // Undo what we can at the provider; a refused or broken grant must not keep a business from
    // disconnecting.
    match row.provider().ok().and_then(|p| pm.providers.get(p)) {
        None => out.warnings.push(format!(
            "{} is not configured here; nothing removed there",
            row.provider
        )),
        Some(provider) => {
            let tokens = Tokens {
                pool: pool.clone(),
                cipher: pm.cipher.clone().ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("this function cannot open tokens"))
                })?,
                providers: pm.providers.clone(),
            };
            match tokens.connection(&row, false).await {
                Ok(conn) => {
                    let hooks = store::webhooks(pool, row.id)
                        .await
                        .map_err(ApiError::internal)?;
                    match provider.remove_webhooks(&conn, &hooks).await {
                        Ok(n) => out.webhooks_removed = n,
                        Err(e) => out.warnings.push(format!("webhooks not removed: {e}")),
                    }
                }
                Err(e) => out.warnings.push(format!("webhooks not removed: {e}")),
            }
            match tokens.refresh_token(&row) {
                Ok(Some(refresh)) => match provider.revoke(&refresh).await {
                    Ok(revoked) => out.revoked = revoked,
                    Err(e) => out.warnings.push(format!("grant not revoked: {e}")),
                },
                Ok(None) => {}
                Err(e) => out.warnings.push(format!("grant not revoked: {e}")),
            }
        }
    }
    let mut tx = pool.begin().await?;
    out.stale_tasks = sqlx::query(
        "UPDATE tasks SET stale_since = now(), updated_at = now() WHERE integration_id = $1 AND stale_since IS NULL",
    )
    .bind(integration_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    out.stale_projects = sqlx::query(
        "UPDATE projects SET stale_since = now(), updated_at = now() WHERE integration_id = $1 AND stale_since IS NULL",
    )
    .bind(integration_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // The tokens and registrations go with the row; projects and tasks keep their history.
    sqlx::query("DELETE FROM integrations WHERE id = $1 AND business_id = $2")
        .bind(integration_id)
        .bind(business_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(%integration_id, %business_id, ?out, "integration removed");
    ok(StatusCode::OK, &out)
}

pub async fn handle_collection(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => list(state, business_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

pub async fn handle_item(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::DELETE => delete(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

// ------------------------------------------------------------------------------------ projects

/// A project as the admin sees it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ProjectSummary {
    pub id: Uuid,
    pub name: String,
    /// jira, asana, monday or manual.
    pub provider: String,
    pub external_id: String,
    /// todo, in_progress or done.
    pub status: String,
    pub provider_status: String,
    pub due_date: Option<NaiveDate>,
    pub url: Option<String>,
    pub client_id: Option<Uuid>,
    /// admin or rule: how the client link was made.
    pub client_link: Option<String>,
    pub integration_id: Option<Uuid>,
    /// The project's integration was removed: kept as history.
    pub stale: bool,
    pub open_tasks: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<ProjectSummary>,
}

const MAX_LINKED: usize = 500;

async fn projects_where(
    pool: &PgPool,
    business_id: Uuid,
    client_id: Option<Uuid>,
) -> Result<Vec<ProjectSummary>, ApiError> {
    Ok(sqlx::query_as(
        r#"
        SELECT p.id, p.name, p.provider, p.external_id, p.status, p.provider_status, p.due_date,
               p.url, p.client_id, p.client_link, p.integration_id, p.stale_since IS NOT NULL AS stale,
               (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status <> 'done'
                  AND t.deleted_at IS NULL) AS open_tasks
        FROM projects p
        WHERE p.business_id = $1 AND p.deleted_at IS NULL AND ($2::uuid IS NULL OR p.client_id = $2)
        ORDER BY p.stale_since IS NOT NULL, lower(p.name), p.id
        LIMIT 2000
        "#,
    )
    .bind(business_id)
    .bind(client_id)
    .fetch_all(pool)
    .await?)
}

#[utoipa::path(get, path = "/api/businesses/{id}/projects", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = ProjectList), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn projects(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    if req.method() != Method::GET {
        return Err(method_not_allowed(req));
    }
    let pool = state.db.pool().await?;
    super::require_business(pool, business_id).await?;
    ok(
        StatusCode::OK,
        &ProjectList {
            projects: projects_where(pool, business_id, None).await?,
        },
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectLinks {
    /// The projects this client has, replacing the current list (at most 500).
    pub project_ids: Vec<Uuid>,
}

#[utoipa::path(put, path = "/api/businesses/{id}/clients/{clientId}/projects", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    request_body = ProjectLinks,
    responses((status = 200, body = ProjectList),
        (status = 400, body = crate::admin::openapi::ErrorBody, description = "an id is not one of this business's projects"),
        (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn put_client_projects(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let client_id = path_id(req, "clientId")?;
    let links: ProjectLinks = parse_json(req)?;
    if links.project_ids.len() > MAX_LINKED {
        return Err(invalid(
            "project_ids",
            format!("at most {MAX_LINKED} projects"),
        ));
    }
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    super::lock_business(&mut tx, business_id).await?;
    let client: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM clients WHERE id = $1 AND business_id = $2")
            .bind(client_id)
            .bind(business_id)
            .fetch_optional(&mut *tx)
            .await?;
    client.ok_or_else(|| ApiError::not_found("no such client"))?;
    let known: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM projects WHERE business_id = $1 AND id = ANY($2) AND deleted_at IS NULL",
    )
    .bind(business_id)
    .bind(&links.project_ids)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(unknown) = links.project_ids.iter().find(|id| !known.contains(id)) {
        return Err(invalid(
            "project_ids",
            format!("{unknown} is not one of this business's projects"),
        ));
    }
    // Unlinked by an admin stays unlinked: the matching rule never relinks it.
    sqlx::query(
        "UPDATE projects SET client_id = NULL, client_link = 'admin', updated_at = now()
         WHERE business_id = $1 AND client_id = $2 AND id <> ALL($3)",
    )
    .bind(business_id)
    .bind(client_id)
    .bind(&links.project_ids)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE projects SET client_id = $2, client_link = 'admin', updated_at = now()
         WHERE business_id = $1 AND id = ANY($3)",
    )
    .bind(business_id)
    .bind(client_id)
    .bind(&links.project_ids)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    ok(
        StatusCode::OK,
        &ProjectList {
            projects: projects_where(pool, business_id, Some(client_id)).await?,
        },
    )
}

#[utoipa::path(get, path = "/api/businesses/{id}/clients/{clientId}/projects", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    responses((status = 200, body = ProjectList), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_client_projects(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let client_id = path_id(req, "clientId")?;
    let pool = state.db.pool().await?;
    let client: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM clients WHERE id = $1 AND business_id = $2")
            .bind(client_id)
            .bind(business_id)
            .fetch_optional(pool)
            .await?;
    client.ok_or_else(|| ApiError::not_found("no such client"))?;
    ok(
        StatusCode::OK,
        &ProjectList {
            projects: projects_where(pool, business_id, Some(client_id)).await?,
        },
    )
}

pub async fn handle_client_projects(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => get_client_projects(state, business_id, req).await,
        Method::PUT => put_client_projects(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

/// The tenant rule for the connect route, whose business is in the query: authenticated, and
/// allowed to change that business.
pub fn authorize_connect(state: &AdminState, req: &Request) -> Result<Uuid, ApiError> {
    let principal = state.tokens.authenticate(req)?;
    let business_id = connect_business(req, &principal)?;
    principal.authorize(business_id, Access::Write)?;
    Ok(business_id)
}
