//! `GET/PUT /api/businesses/{id}/agent-config`: the agent's voice, language, model, persona and
//! messages.
//! Values are checked against ElevenLabs' ranges here, so the initiation webhook never has to.

use lambda_http::{Body, Request, Response};

use shared::admin::agent_config::AgentConfigInput;
use shared::admin::auth::Principal;
use shared::admin::document::{self, Document};
use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::domain::agent::CheckedAgentConfig;
use shared::error::ApiError;
use shared::store::agent_config::{self, AgentConfig};

mod config;

pub use config::{SECRETS, State};

/// The agent's voice, language, persona and messages.
pub struct AgentConfigDocument;

impl Document for AgentConfigDocument {
    type Input = AgentConfigInput;
    type Checked = CheckedAgentConfig;
    type View = AgentConfig;

    fn check(input: AgentConfigInput) -> Result<CheckedAgentConfig, ApiError> {
        input.validate()
    }

    async fn load(pool: &PgPool, business_id: BusinessId) -> Result<AgentConfig, ApiError> {
        agent_config::load(pool, business_id).await
    }

    async fn save(
        pool: &PgPool,
        _who: &Principal,
        business_id: BusinessId,
        checked: &CheckedAgentConfig,
    ) -> Result<(), ApiError> {
        agent_config::save(pool, business_id, checked).await
    }
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    document::serve::<AgentConfigDocument>(state, req).await
}

// The two operations `handle` serves, as the OpenAPI document describes them.

#[utoipa::path(get, path = "/api/businesses/{id}/agent-config", operation_id = "getAgentConfig", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = AgentConfig), RefusedOrMissing),
    security(("bearer" = [])))]
pub fn get() {}

#[utoipa::path(put, path = "/api/businesses/{id}/agent-config", operation_id = "replaceAgentConfig", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = AgentConfigInput,
    responses((status = 200, body = AgentConfig), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn put() {}
