//! `POST /api/businesses/{id}/agent-config/preview`: what the agent would say with an agent
//! configuration that is not saved yet, for a new caller and a known client while the office is
//! open, and for a new caller after hours. It runs the initiation webhook's own code
//! (`personalization::personalize`) on the business's stored hours, questions and clients with
//! the posted configuration in place of the stored one; nothing is written and no call recorded.

use chrono::{DateTime, Duration, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use shared::admin::agent_config::AgentConfigInput;
use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::personalization::{BusinessConfig, CallContext, KnownClient, personalize};
use shared::store::call_context::{LookupError, load_business_config, sample_client};
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentPreview {
    /// A new caller while open, a known client while open, a new caller after hours.
    pub previews: Vec<Preview>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// `new_caller`, `known_client` or `after_hours`.
    #[schema(example = "new_caller")]
    pub situation: &'static str,
    /// The moment previewed: now, or the next opening or closing when now is the other one.
    pub at: DateTime<Utc>,
    /// `open` or `closed` at that moment (a business with no opening hours is always closed).
    pub office_status: String,
    /// The known client previewed: the business's first client by name, or a stand-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_name: Option<String>,
    /// The caller is a stand-in: the business has no clients yet.
    pub sample_client: bool,
    pub first_message: String,
    pub prompt: String,
    pub language: Option<String>,
    pub voice_id: Option<String>,
}

/// The known caller previewed when the business has no client yet.
const STAND_IN: &str = "Alex Sample";

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    match *req.method() {
        Method::POST => post(state, business_id, parse_json(req)?).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(post, path = "/api/businesses/{id}/agent-config/preview", operation_id = "previewAgentConfig", tag = "agent",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = AgentConfigInput,
    responses((status = 200, body = AgentPreview), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn post(
    state: &State,
    business_id: BusinessId,
    input: AgentConfigInput,
) -> Result<Response<Body>, ApiError> {
    let agent = input.validate()?.settings;
    let pool = state.db.pool().await?;
    let (_, stored) = load_business_config(pool, business_id.get())
        .await
        .map_err(|e| match e {
            LookupError::Database(e) => ApiError::from(e),
            invalid => ApiError::internal(invalid),
        })?
        .ok_or_else(|| ApiError::not_found("no such business"))?;
    let client = sample_client(pool, business_id.get()).await?;
    let business = std::sync::Arc::new(BusinessConfig { agent, ..stored });
    let now = (state.now)();
    ok(StatusCode::OK, &previews(business, client, now))
}

/// The three previews at `now` or, when the office is in the other state, at its next change.
pub fn previews(
    business: std::sync::Arc<BusinessConfig>,
    client: Option<KnownClient>,
    now: DateTime<Utc>,
) -> AgentPreview {
    let status = business.hours.status_at(now, business.timezone);
    // A minute into the opening or the closing, so the moment is well inside it.
    let minute = Duration::minutes(1);
    let open_at = match (status.open, status.next_open) {
        (true, _) => now,
        (false, Some(t)) => t.with_timezone(&Utc) + minute,
        (false, None) => now,
    };
    let closed_at = match (status.open, status.closes_at) {
        (false, _) => now,
        (true, Some(t)) => t.with_timezone(&Utc) + minute,
        (true, None) => now,
    };
    let sample_client = client.is_none();
    let client = client.unwrap_or_else(|| KnownClient {
        name: STAND_IN.into(),
        company: None,
        greeting: String::new(),
        projects: vec![],
    });
    let one = |situation, at: DateTime<Utc>, known: Option<KnownClient>| {
        let caller_name = known.as_ref().map(|c| c.name.clone());
        let ctx = CallContext {
            business: business.clone(),
            client: known,
            outbound: false,
        };
        let p = personalize(&ctx, None, at);
        Preview {
            situation,
            at,
            office_status: p.variables.text("office_status"),
            caller_name,
            sample_client: caller_name_is_stand_in(situation, sample_client),
            first_message: p.first_message,
            prompt: p.prompt,
            language: p.language,
            voice_id: p.voice.and_then(|v| v.voice_id),
        }
    };
    AgentPreview {
        previews: vec![
            one("new_caller", open_at, None),
            one("known_client", open_at, Some(client)),
            one("after_hours", closed_at, None),
        ],
    }
}

fn caller_name_is_stand_in(situation: &str, no_clients: bool) -> bool {
    situation == "known_client" && no_clients
}
