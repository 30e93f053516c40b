//! `GET /api/integrations/{provider}/connect?business_id=`: the provider's authorize URL for this
//! business. The OAuth state is stored before the URL exists, with the PKCE verifier where the
//! provider takes one, the user who asked, and the digest of a binding cookie this answer sets on
//! their browser; the callback (`pm-oauth-callback`) finishes the connection only in that
//! browser, so an authorize link sent to someone else connects nothing.

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use utoipa::ToSchema;

use shared::admin::auth::{Access, Principal};
use shared::admin::openapi::{ErrorBody, Refused};
use shared::admin::request::invalid;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::Provider;
use shared::pm::oauth::{BrowserBinding, StateStore};

mod config;

pub use config::{SECRETS, State, state};

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectLink {
    #[schema(example = "jira")]
    pub provider: Provider,
    /// Send the user's browser here; the provider redirects back to our callback.
    pub authorize_url: String,
    /// The link is good once, until then.
    pub expires_at: DateTime<Utc>,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    // Its business is in the query, not the path; the same tenant rule applies.
    let principal = state.admin.authenticate(req).await?;
    let business_id = connect_business(req, &principal)?;
    state
        .admin
        .admit(&principal, business_id, Access::Write)
        .await?;
    match *req.method() {
        Method::GET => connect(state, &principal, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

/// The business a connect request is for: `?business_id=`, or the token's own business.
fn connect_business(req: &Request, principal: &Principal) -> Result<BusinessId, ApiError> {
    match req.query_string_parameters().first("business_id") {
        Some(raw) => raw
            .parse()
            .map_err(|_| ApiError::forbidden("this token does not give access to that business")),
        None => principal
            .business_id
            .ok_or_else(|| invalid("business_id", "is required for a platform admin")),
    }
}

#[utoipa::path(get, path = "/api/integrations/{provider}/connect", operation_id = "connectIntegration", tag = "integrations",
    params(("provider" = Provider, Path, description = "jira, asana or monday"),
        ("business_id" = Option<Uuid>, Query, description = "the business to connect (default: the token's own)")),
    responses((status = 200, body = ConnectLink,
            description = "sets the HttpOnly cookie `__Host-sc_oauth_<provider>` that the callback needs: open the authorize URL in this browser"),
        Refused,
        (status = 404, body = ErrorBody, description = "unknown or unconfigured provider, or no such business")),
    security(("bearer" = [])))]
pub async fn connect(
    state: &State,
    principal: &Principal,
    business_id: BusinessId,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
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
    let app = state.pm.providers.get(provider).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "provider_not_configured",
            format!("{provider} is not configured on this deployment"),
        )
    })?;
    // The state is stored before the URL exists, with the verifier it will need.
    let state_token = StateStore::new_state();
    let (url, verifier) = app
        .oauth()
        .authorize_url(&state_token)
        .map_err(ApiError::internal)?;
    let binding = BrowserBinding::new();
    let expires_at = state
        .pm
        .states
        .begin(
            &state_token,
            business_id.get(),
            provider,
            verifier.as_deref(),
            principal.user_id,
            &binding,
        )
        .await
        .map_err(|e| ApiError::dependency_down("the sign-in state store", e))?;
    let mut resp = ok(
        StatusCode::OK,
        &ConnectLink {
            provider,
            authorize_url: url,
            expires_at: DateTime::<Utc>::from(expires_at),
        },
    )?;
    let cookie =
        http::HeaderValue::from_str(&binding.set_cookie(provider)).map_err(ApiError::internal)?;
    resp.headers_mut().append(http::header::SET_COOKIE, cookie);
    Ok(resp)
}
