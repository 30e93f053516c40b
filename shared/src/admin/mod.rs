//! The admin API: JWT-authenticated, strictly per tenant. One Lambda per path (`ENDPOINTS` names
//! each route's function). `Function::handle` authenticates and applies the tenant rule for every
//! route before its handler reads the body or touches data; handlers receive the checked business.

pub mod agent_config;
pub mod agent_sync;
pub mod auth;
pub mod business;
pub mod calls;
pub mod clients;
pub mod integrations;
pub mod leads;
pub mod login;
pub mod openapi;
pub mod operator;
pub mod questions;
pub mod request;
pub mod urgency;

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use uuid::Uuid;

use crate::agent_manager::AgentManager;
use crate::config::Env;
use crate::db::Database;
use crate::error::ApiError;
use crate::platform::Platform;
use crate::secrets::SecretName;
use auth::{Access, Principal, TokenKeys};
use secrecy::SecretString;

/// What every admin function needs, built once per cold start.
pub struct AdminState {
    pub db: Database,
    pub tokens: TokenKeys,
    /// Only the agent-sync function has one (it needs ElevenLabs and the public URLs).
    pub agents: Option<AgentManager>,
    /// Only the integration functions have one (providers, token cipher, OAuth state store).
    pub pm: Option<integrations::PmAdmin>,
    pub now: fn() -> DateTime<Utc>,
}

impl AdminState {
    pub fn from_platform(platform: &Platform, function: Function) -> anyhow::Result<Self> {
        let env = Env::process();
        let ttl = Duration::from_secs(
            env.parsed("ACCESS_TOKEN_TTL_SECS", auth::DEFAULT_TOKEN_TTL.as_secs())?,
        );
        let agents = match function {
            Function::AgentSync => Some(AgentManager::from_platform(platform, &env)?),
            _ => None,
        };
        if function == Function::Login {
            auth::prepare_login();
        }
        let pm = match function {
            Function::IntegrationConnect | Function::Integrations | Function::Integration => {
                Some(integrations::PmAdmin {
                    offered: crate::pm::PmProviders::offered(&env),
                    // The list needs no app: only connect and disconnect read the apps' secrets.
                    providers: match function {
                        Function::Integrations => crate::pm::PmProviders::default(),
                        _ => crate::pm::PmProviders::from_env(&env, &platform.secrets)?,
                    },
                    // Only disconnect opens stored tokens.
                    cipher: match function {
                        Function::Integration => Some(
                            crate::pm::crypto::TokenCipher::from_secrets(&platform.secrets)?,
                        ),
                        _ => None,
                    },
                    states: crate::pm::oauth::StateStore::new(
                        platform.aws.dynamodb.clone(),
                        &platform.settings.tables.oauth_state,
                    ),
                })
            }
            _ => None,
        };
        let signing_key = match function {
            // The OpenAPI document is public and its function is granted no key: a random one
            // that nobody knows verifies no token.
            Function::OpenApi => SecretString::from(hex::encode(rand::random::<[u8; 32]>())),
            _ => platform.secrets.jwt_signing_key()?,
        };
        Ok(Self {
            db: platform.db.clone(),
            tokens: TokenKeys::new(&signing_key, ttl),
            agents,
            pm,
            now: Utc::now,
        })
    }

    /// Authenticates the request and applies the tenant rule to the business in its path.
    pub fn authorize(&self, req: &Request, access: Access) -> Result<(Principal, Uuid), ApiError> {
        let principal = self.tokens.authenticate(req)?;
        let business_id = request::path_id(req, "id").map_err(|_| {
            // A malformed business id in the path cannot be the caller's own business.
            ApiError::forbidden("this token does not give access to that business")
        })?;
        principal.authorize(business_id, access)?;
        Ok((principal, business_id))
    }
}

/// The admin functions, one per path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Login,
    Business,
    AgentConfig,
    Clients,
    Client,
    QualificationQuestions,
    UrgencyKeywords,
    Leads,
    Lead,
    Calls,
    Call,
    AgentSync,
    IntegrationConnect,
    Integrations,
    Integration,
    Projects,
    ClientProjects,
    OpenApi,
}

impl Function {
    pub const ALL: &'static [Function] = &[
        Function::Login,
        Function::Business,
        Function::AgentConfig,
        Function::Clients,
        Function::Client,
        Function::QualificationQuestions,
        Function::UrgencyKeywords,
        Function::Leads,
        Function::Lead,
        Function::Calls,
        Function::Call,
        Function::AgentSync,
        Function::IntegrationConnect,
        Function::Integrations,
        Function::Integration,
        Function::Projects,
        Function::ClientProjects,
        Function::OpenApi,
    ];

    /// The function's logical id in template.yaml.
    pub fn logical_id(self) -> &'static str {
        match self {
            Function::Login => "AuthLoginFunction",
            Function::Business => "AdminBusinessFunction",
            Function::AgentConfig => "AdminAgentConfigFunction",
            Function::Clients => "AdminClientsFunction",
            Function::Client => "AdminClientFunction",
            Function::QualificationQuestions => "AdminQualificationQuestionsFunction",
            Function::UrgencyKeywords => "AdminUrgencyKeywordsFunction",
            Function::Leads => "AdminLeadsFunction",
            Function::Lead => "AdminLeadFunction",
            Function::Calls => "AdminCallsFunction",
            Function::Call => "AdminCallFunction",
            Function::AgentSync => "AdminAgentSyncFunction",
            Function::IntegrationConnect => "AdminIntegrationConnectFunction",
            Function::Integrations => "AdminIntegrationsFunction",
            Function::Integration => "AdminIntegrationFunction",
            Function::Projects => "AdminProjectsFunction",
            Function::ClientProjects => "AdminClientProjectsFunction",
            Function::OpenApi => "OpenApiFunction",
        }
    }

    /// The secrets the function is granted (template.yaml holds its policy to these).
    pub fn secrets(self) -> &'static [SecretName] {
        const CONNECT: &[SecretName] = &[
            SecretName::AdminJwt,
            SecretName::JiraApp,
            SecretName::AsanaApp,
            SecretName::MondayApp,
        ];
        const DISCONNECT: &[SecretName] = &[
            SecretName::AdminJwt,
            SecretName::TokenEncryption,
            SecretName::JiraApp,
            SecretName::AsanaApp,
            SecretName::MondayApp,
        ];
        const AGENT_SYNC: &[SecretName] = &[
            SecretName::AdminJwt,
            SecretName::ElevenLabsApi,
            SecretName::ElevenLabsTool,
            SecretName::Twilio,
        ];
        match self {
            Function::OpenApi => &[],
            Function::AgentSync => AGENT_SYNC,
            Function::IntegrationConnect => CONNECT,
            Function::Integration => DISCONNECT,
            _ => &[SecretName::AdminJwt],
        }
    }

    /// What a request to this function does to a business's data, for the tenant rule.
    pub fn access(self, method: &Method) -> Access {
        match self {
            _ if method == Method::GET => Access::Read,
            Function::Lead if method == Method::PATCH => Access::WorkLeads,
            _ => Access::Write,
        }
    }

    pub async fn handle(self, state: &AdminState, req: Request) -> Response<Body> {
        crate::web::respond(self.answer(state, &req).await)
    }

    async fn answer(self, state: &AdminState, req: &Request) -> Result<Response<Body>, ApiError> {
        let business = match self {
            Function::Login => return login::handle(state, req).await,
            Function::OpenApi => return openapi::handle(req),
            // Its business is in the query, not the path; the same rule applies.
            Function::IntegrationConnect => {
                let business = integrations::authorize_connect(state, req)?;
                return integrations::connect(state, business, req).await;
            }
            // The tenant rule, in this one place for every other route, before a body is read
            // or a row touched.
            _ => state.authorize(req, self.access(req.method()))?.1,
        };
        match self {
            Function::Business => business::handle(state, business, req).await,
            Function::AgentConfig => agent_config::handle(state, business, req).await,
            Function::Clients => clients::handle_collection(state, business, req).await,
            Function::Client => clients::handle_item(state, business, req).await,
            Function::QualificationQuestions => questions::handle(state, business, req).await,
            Function::UrgencyKeywords => urgency::handle(state, business, req).await,
            Function::Leads => leads::handle_collection(state, business, req).await,
            Function::Lead => leads::handle_item(state, business, req).await,
            Function::Calls => calls::handle_collection(state, business, req).await,
            Function::Call => calls::handle_item(state, business, req).await,
            Function::AgentSync => agent_sync::handle(state, business, req).await,
            Function::Integrations => integrations::handle_collection(state, business, req).await,
            Function::Integration => integrations::handle_item(state, business, req).await,
            Function::Projects => integrations::projects(state, business, req).await,
            Function::ClientProjects => {
                integrations::handle_client_projects(state, business, req).await
            }
            Function::Login | Function::OpenApi | Function::IntegrationConnect => {
                Err(method_not_allowed(req))
            }
        }
    }
}

/// One admin route.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub method: &'static str,
    /// API Gateway path template.
    pub path: &'static str,
    pub function: Function,
    /// Needs a bearer token (every route but login and the OpenAPI document).
    pub authenticated: bool,
}

const fn route(method: &'static str, path: &'static str, function: Function) -> Endpoint {
    Endpoint {
        method,
        path,
        function,
        authenticated: true,
    }
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "POST",
        path: "/api/auth/login",
        function: Function::Login,
        authenticated: false,
    },
    Endpoint {
        method: "GET",
        path: "/api/openapi.json",
        function: Function::OpenApi,
        authenticated: false,
    },
    route("GET", "/api/businesses/{id}", Function::Business),
    route("PUT", "/api/businesses/{id}", Function::Business),
    route(
        "GET",
        "/api/businesses/{id}/agent-config",
        Function::AgentConfig,
    ),
    route(
        "PUT",
        "/api/businesses/{id}/agent-config",
        Function::AgentConfig,
    ),
    route("GET", "/api/businesses/{id}/clients", Function::Clients),
    route("POST", "/api/businesses/{id}/clients", Function::Clients),
    route(
        "GET",
        "/api/businesses/{id}/clients/{clientId}",
        Function::Client,
    ),
    route(
        "PUT",
        "/api/businesses/{id}/clients/{clientId}",
        Function::Client,
    ),
    route(
        "DELETE",
        "/api/businesses/{id}/clients/{clientId}",
        Function::Client,
    ),
    route(
        "GET",
        "/api/businesses/{id}/qualification-questions",
        Function::QualificationQuestions,
    ),
    route(
        "PUT",
        "/api/businesses/{id}/qualification-questions",
        Function::QualificationQuestions,
    ),
    route(
        "GET",
        "/api/businesses/{id}/urgency-keywords",
        Function::UrgencyKeywords,
    ),
    route(
        "PUT",
        "/api/businesses/{id}/urgency-keywords",
        Function::UrgencyKeywords,
    ),
    route("GET", "/api/businesses/{id}/leads", Function::Leads),
    route("GET", "/api/businesses/{id}/leads/{leadId}", Function::Lead),
    route(
        "PATCH",
        "/api/businesses/{id}/leads/{leadId}",
        Function::Lead,
    ),
    route("GET", "/api/businesses/{id}/calls", Function::Calls),
    route("GET", "/api/businesses/{id}/calls/{callId}", Function::Call),
    route(
        "POST",
        "/api/businesses/{id}/agent/sync",
        Function::AgentSync,
    ),
    route(
        "GET",
        "/api/integrations/{provider}/connect",
        Function::IntegrationConnect,
    ),
    route(
        "GET",
        "/api/businesses/{id}/integrations",
        Function::Integrations,
    ),
    route(
        "DELETE",
        "/api/businesses/{id}/integrations/{integrationId}",
        Function::Integration,
    ),
    route("GET", "/api/businesses/{id}/projects", Function::Projects),
    route(
        "GET",
        "/api/businesses/{id}/clients/{clientId}/projects",
        Function::ClientProjects,
    ),
    route(
        "PUT",
        "/api/businesses/{id}/clients/{clientId}/projects",
        Function::ClientProjects,
    ),
];

/// Locks the business row for a whole-list replacement (two concurrent ones apply one after the
/// other); 404 when there is no such business.
pub(crate) async fn lock_business(
    tx: &mut sqlx::PgConnection,
    business_id: uuid::Uuid,
) -> Result<(), ApiError> {
    let exists = sqlx::query("SELECT 1 FROM businesses WHERE id = $1 FOR UPDATE")
        .bind(business_id)
        .fetch_optional(&mut *tx)
        .await?;
    exists
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("no such business"))
}

/// 404 when there is no such business.
pub(crate) async fn require_business(
    pool: &sqlx::PgPool,
    business_id: uuid::Uuid,
) -> Result<(), ApiError> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM businesses WHERE id = $1)")
        .bind(business_id)
        .fetch_one(pool)
        .await?;
    if exists {
        Ok(())
    } else {
        Err(ApiError::not_found("no such business"))
    }
}

pub(crate) fn method_not_allowed(req: &Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed here", req.method()),
    )
}

/// A JSON 200 (or other) response from a serialisable value.
pub(crate) fn ok<T: serde::Serialize>(
    status: StatusCode,
    body: &T,
) -> Result<Response<Body>, ApiError> {
    Ok(crate::web::json_response(status, body))
}

/// Maps a unique violation on `constraint` to a 409 with `code`; anything else stays a DB error.
pub(crate) fn conflict_on(
    e: sqlx::Error,
    constraint: &str,
    code: &'static str,
    message: impl Into<String>,
) -> ApiError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some(constraint) => {
            ApiError::conflict(code, message)
        }
        _ => e.into(),
    }
}
