//! `DELETE /api/businesses/{id}/integrations/{integrationId}`: removes the provider's webhooks,
//! revokes the grant where the provider can, and keeps the synced history marked stale. A refused
//! or broken grant never keeps a business from disconnecting.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use shared::admin::openapi::RefusedOrMissing;
use shared::admin::request::path_id;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::PmError;
use shared::pm::store::{self, Tokens, overview};

mod config;

pub use config::{SECRETS, State, state};

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

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.admin.business(req).await?;
    match *req.method() {
        Method::DELETE => delete(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(delete, path = "/api/businesses/{id}/integrations/{integrationId}", operation_id = "disconnectIntegration", tag = "integrations",
    params(("id" = Uuid, Path, description = "business id"), ("integrationId" = Uuid, Path)),
    responses((status = 200, body = Disconnected), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn delete(
    state: &State,
    business_id: BusinessId,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let integration_id = path_id(req, "integrationId")?;
    let pool = state.admin.db.pool().await?;
    let row = store::load(pool, integration_id)
        .await
        .map_err(|e| match e {
            PmError::Db(e) => ApiError::from(e),
            other => ApiError::internal(other),
        })?
        .filter(|r| r.business_id == business_id.get())
        .ok_or_else(|| ApiError::not_found("no such integration"))?;
    let pm = &state.pm;
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
                        Err(e) => out.warnings.push(not_undone("webhooks not removed", &e)),
                    }
                }
                Err(e) => out.warnings.push(not_undone("webhooks not removed", &e)),
            }
            match tokens.refresh_token(&row) {
                Ok(Some(refresh)) => match provider.revoke(&refresh).await {
                    Ok(revoked) => out.revoked = revoked,
                    Err(e) => out.warnings.push(not_undone("grant not revoked", &e)),
                },
                Ok(None) => {}
                Err(e) => out.warnings.push(not_undone("grant not revoked", &e)),
            }
        }
    }
    // Gone meanwhile: another request removed it first (and reported it).
    let removed = overview::remove_integration(pool, business_id, integration_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such integration"))?;
    out.stale_projects = removed.stale_projects;
    out.stale_tasks = removed.stale_tasks;
    tracing::info!(%integration_id, %business_id, ?out, "integration removed");
    ok(StatusCode::OK, &out)
}

/// A warning for what could not be undone at the provider, in fixed words
/// (`PmError::what_went_wrong`); the error itself goes to the log only.
fn not_undone(what: &str, e: &PmError) -> String {
    tracing::warn!(error = %e, "{what}");
    format!("{what}: {}", e.what_went_wrong())
}
