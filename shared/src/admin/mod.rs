//! What every admin API function shares: its state (database, token keys, clock), the tenant rule
//! applied before a handler reads a body or touches data, request reading, the OpenAPI building
//! blocks, and the documents two routes share. Each route's handler is in its function crate
//! (`functions/admin-*`, `functions/auth-login`); template.yaml holds the routes.

pub mod agent_config;
pub mod auth;
pub mod clients;
pub mod document;
pub mod integrations;
pub mod invitations;
pub mod knowledge;
pub mod listing;
pub mod openapi;
pub mod operator;
pub mod request;
pub mod sessions;

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::config::Env;
use crate::db::Database;
use crate::domain::BusinessId;
use crate::domain::catalog::Role;
use crate::error::ApiError;
use crate::platform::Platform;
use crate::secrets::SecretName;
use crate::web::EdgeTrust;
use auth::{Access, Principal, TokenKeys};
use sessions::ClientMeta;

/// The secrets every admin function reads: the token signing key, and the distribution's token
/// that says whose address a request carries (`web::EdgeTrust`: throttles and audits).
pub const SECRETS: &[SecretName] = &[SecretName::AdminJwt, SecretName::EdgeOrigin];

/// What every admin function needs, built once per cold start.
#[derive(Clone)]
pub struct AdminState {
    pub db: Database,
    pub tokens: TokenKeys,
    pub now: fn() -> DateTime<Utc>,
    /// Whose address a request carries (behind CloudFront, the viewer's).
    pub edge: EdgeTrust,
}

impl AdminState {
    /// Reads `ACCESS_TOKEN_TTL_SECS` (at most `auth::MAX_TOKEN_TTL`) and the signing key.
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let ttl = Duration::from_secs(
            Env::process().parsed("ACCESS_TOKEN_TTL_SECS", auth::DEFAULT_TOKEN_TTL.as_secs())?,
        );
        anyhow::ensure!(
            !ttl.is_zero() && ttl <= auth::MAX_TOKEN_TTL,
            "ACCESS_TOKEN_TTL_SECS must be 1 to {} seconds",
            auth::MAX_TOKEN_TTL.as_secs()
        );
        Ok(Self {
            db: platform.db.clone(),
            tokens: TokenKeys::new(&platform.secrets.jwt_signing_key()?, ttl),
            now: Utc::now,
            edge: EdgeTrust::new(platform.secrets.edge_origin_token()?),
        })
    }

    /// Where the request came from and with what, for audits and throttles.
    pub fn client(&self, req: &Request) -> ClientMeta {
        ClientMeta {
            address: self.edge.client_address(req),
            user_agent: crate::web::user_agent(req).map(str::to_owned),
        }
    }

    /// The caller: a valid bearer token whose session still stands (its user exists, is not
    /// disabled, has the token's role and business, and has not ended its sessions since).
    pub async fn authenticate(&self, req: &Request) -> Result<Principal, ApiError> {
        let (principal, version) = self.tokens.authenticate_versioned(req)?;
        let pool = self.db.pool().await?;
        match crate::store::users::session(pool, principal.user_id).await? {
            Some(s)
                if !s.disabled
                    && s.token_version == version
                    && s.role == principal.role
                    && s.business_id == principal.business_id =>
            {
                Ok(principal)
            }
            _ => Err(ApiError::unauthorized(
                "this session has ended; sign in again",
            )),
        }
    }

    /// Authenticates the request and applies the tenant rule to the business in its path.
    pub async fn authorize(
        &self,
        req: &Request,
        access: Access,
    ) -> Result<(Principal, BusinessId), ApiError> {
        let principal = self.authenticate(req).await?;
        let business_id = request::path_id(req, "id")
            .map(BusinessId::new)
            .map_err(|_| {
                // A malformed business id in the path cannot be the caller's own business.
                ApiError::forbidden("this token does not give access to that business")
            })?;
        self.admit(&principal, business_id, access).await?;
        Ok((principal, business_id))
    }

    /// The tenant rule for `business_id` (`Principal::authorize`), and the business must exist:
    /// a platform admin may name any id, and one that is no business is a 404 on every route,
    /// never an empty list. A tenant's own business exists while its session stands (users go
    /// with their business, and `authenticate` found the user), so only a platform admin's
    /// request pays for the look-up.
    pub async fn admit(
        &self,
        principal: &Principal,
        business_id: BusinessId,
        access: Access,
    ) -> Result<(), ApiError> {
        principal.authorize(business_id, access)?;
        if principal.role == Role::PlatformAdmin {
            crate::store::require_business(self.db.pool().await?, business_id).await?;
        }
        Ok(())
    }

    /// The business in the path, once the caller may do what the method does to it: reads for
    /// GET, changes otherwise.
    pub async fn business(&self, req: &Request) -> Result<BusinessId, ApiError> {
        Ok(self
            .authorize(req, Access::for_method(req.method()))
            .await?
            .1)
    }
}

pub fn method_not_allowed(req: &Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed here", req.method()),
    )
}

/// A JSON response from a serialisable value.
pub fn ok<T: serde::Serialize>(status: StatusCode, body: &T) -> Result<Response<Body>, ApiError> {
    Ok(crate::web::json_response(status, body))
}
