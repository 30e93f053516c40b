//! The webhook tools the agent calls mid-call (`POST /api/voice/tools/{tool}`, reference §3).
//! ElevenLabs does not sign tool calls: each carries the secret header the agent manager
//! configures. The call is identified from `system__*` dynamic variables the tool schemas pass
//! (`shared::call_tools::definitions`), never from anything the caller says. Answers are small
//! JSON meant to be spoken: a `say` sentence, a few facts, no internal ids and nothing about anyone
//! but this caller.

mod knowledge;
mod notices;
pub mod session;
mod tools;
mod verify;

use std::time::Duration;

use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use shared::call_tools::Tool;
use shared::call_tools::store::{self, CallIdentity};
use shared::domain::ConversationId;
use shared::error::ApiError;
use shared::idempotency::IdempotencyStore;
use shared::phone::E164;
use shared::sendgrid::SendGrid;
use shared::twilio::Twilio;
use shared::web::{json_response, parse_json, respond};

use tools::{business_hours, escalate, project_status, qualification_next, take_message};

mod config;

pub use config::{SECRETS, ToolState};
pub use knowledge::{ANSWER_BUDGET_CHARS, KnowledgeSearch};

/// Notifications sent during a call must not hold the agent's answer for long.
pub(crate) const NOTIFY_DEADLINE: Duration = Duration::from_secs(6);
/// A notification sent is not sent again for this long; a sender that died frees its claim sooner.
const NOTICE_RECORD_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const NOTICE_CLAIM_TTL: Duration = Duration::from_secs(30);
/// The longest answer `qualification_next` takes: a spoken answer is a sentence or two.
pub const MAX_ANSWER_CHARS: usize = 1_000;
/// Concurrent writes to one call's session: retries before giving up.
pub(crate) const SESSION_ATTEMPTS: usize = 4;

/// How the team is told during a call.
pub struct Notifier {
    pub sendgrid: SendGrid,
    /// Absent without `TWILIO_ACCOUNT_SID`: then urgent matters go by email only.
    pub twilio: Option<Twilio>,
    /// Guards each notice so a repeated tool call never sends it twice.
    pub idempotency: IdempotencyStore,
    /// Base of the links in notifications: `{dashboard_url}/calls?conversation=<id>`.
    pub dashboard_url: String,
}

/// What every tool's body carries, filled by ElevenLabs from the call's system variables.
#[derive(Debug, Deserialize)]
pub(crate) struct CallRef {
    pub(crate) conversation_id: ConversationId,
    #[serde(default)]
    pub(crate) caller_id: Option<String>,
    #[serde(default)]
    pub(crate) called_number: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct QualificationBody {
    #[serde(flatten)]
    pub(crate) call: CallRef,
    /// The caller's answer to the question asked last; absent on the first call.
    #[serde(default)]
    pub(crate) answer: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EscalationBody {
    #[serde(flatten)]
    pub(crate) call: CallRef,
    pub(crate) reason: String,
    #[serde(default)]
    pub(crate) caller_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MessageBody {
    #[serde(flatten)]
    pub(crate) call: CallRef,
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) caller_name: Option<String>,
    #[serde(default)]
    pub(crate) callback_number: Option<String>,
    #[serde(default)]
    pub(crate) preferred_time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct VerifyBody {
    #[serde(flatten)]
    pub(crate) call: CallRef,
    /// The code the caller read back.
    #[serde(default)]
    pub(crate) code: Option<String>,
    /// The PIN the caller gave.
    #[serde(default)]
    pub(crate) pin: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct KnowledgeBody {
    #[serde(flatten)]
    pub(crate) call: CallRef,
    /// The caller's question.
    #[serde(default)]
    pub(crate) query: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PlainBody {
    #[serde(flatten)]
    pub(crate) call: CallRef,
}

pub async fn handle(state: &ToolState, req: Request) -> Response<Body> {
    respond(answer(state, &req).await)
}

async fn answer(state: &ToolState, req: &Request) -> Result<Response<Body>, ApiError> {
    state.secret.verify(req)?;
    let params = req.path_parameters();
    let name = params.first("tool").unwrap_or_default();
    let tool = Tool::from_name(name)
        .ok_or_else(|| ApiError::not_found(format!("there is no tool named {name:?}")))?;
    let body = match tool {
        Tool::QualificationNext => {
            let body: QualificationBody = parse_json(req)?;
            if body
                .answer
                .as_ref()
                .is_some_and(|a| a.chars().count() > MAX_ANSWER_CHARS)
            {
                return Err(ApiError::bad_request(
                    "invalid_field",
                    format!("answer: at most {MAX_ANSWER_CHARS} characters"),
                ));
            }
            let call = identify(state, &body.call).await?;
            qualification_next(
                state,
                &call,
                &body.call.conversation_id,
                body.answer.as_deref(),
            )
            .await?
        }
        Tool::GetProjectStatus => {
            let body: PlainBody = parse_json(req)?;
            let call = identify(state, &body.call).await?;
            project_status(state, &call).await?
        }
        Tool::VerifyCaller => {
            let body: VerifyBody = parse_json(req)?;
            let call = identify(state, &body.call).await?;
            verify::verify_caller(state, &call, &body.call.conversation_id, &body).await?
        }
        Tool::EscalateToTeam => {
            let body: EscalationBody = parse_json(req)?;
            let call = identify(state, &body.call).await?;
            escalate(state, &call, &body).await?
        }
        Tool::TakeMessage => {
            let body: MessageBody = parse_json(req)?;
            let call = identify(state, &body.call).await?;
            take_message(state, &call, &body).await?
        }
        Tool::CheckBusinessHours => {
            let body: PlainBody = parse_json(req)?;
            let call = identify(state, &body.call).await?;
            business_hours(state, &call)
        }
        Tool::SearchKnowledgeBase => {
            let body: KnowledgeBody = parse_json(req)?;
            let query = knowledge::checked_query(body.query.as_deref())?;
            let call = identify(state, &body.call).await?;
            knowledge::search_knowledge_base(state, &call, &body.call.conversation_id, &query)
                .await?
        }
    };
    Ok(json_response(http::StatusCode::OK, &body))
}

pub(crate) async fn pool(state: &ToolState) -> Result<&sqlx::PgPool, ApiError> {
    state.db.pool().await.map_err(|e| {
        tracing::error!(error = %e, "database unavailable");
        ApiError::unavailable("the database is unavailable")
    })
}

pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "{what}");
    ApiError::unavailable(format!("{what} failed; try again"))
}

async fn identify(state: &ToolState, call: &CallRef) -> Result<CallIdentity, ApiError> {
    let number = |n: &Option<String>| n.as_deref().and_then(|n| E164::from_carrier(n).ok());
    let (called, caller) = (number(&call.called_number), number(&call.caller_id));
    store::identify(
        pool(state).await?,
        call.conversation_id.as_str(),
        called.as_ref(),
        caller.as_ref(),
    )
    .await
    .map_err(|e| internal("looking up the call", e))?
    .ok_or_else(|| ApiError::not_found("this call does not belong to any business here"))
}
