//! The webhook tools the agent calls mid-call (`POST /api/voice/tools/{tool}`, reference §3).
//! ElevenLabs does not sign tool calls: each carries the secret header the agent manager
//! configures. The call is identified from `system__*` dynamic variables the tool schemas pass
//! (`definitions`), never from anything the caller says. Answers are small JSON meant to be spoken:
//! a `say` sentence, a few facts, no internal ids and nothing about anyone but this caller.

pub mod definitions;
pub mod notify;
pub mod session;
pub mod store;

use std::time::Duration;

use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::Env;
use crate::db::Database;
use crate::domain::qualification::{self, Progress, Reply};
use crate::domain::{Priority, ProjectStatus};
use crate::elevenlabs::initiation::SecretHeader;
use crate::error::ApiError;
use crate::http_client::{HttpClient, HttpPolicy};
use crate::idempotency::{IdempotencyStore, Once, OnceError};
use crate::personalization::describe_instant;
use crate::phone::E164;
use crate::platform::Platform;
use crate::post_call::store as post_call_store;
use crate::secrets::SecretName;
use crate::sendgrid::{Email, SendGrid};
use crate::twilio::Twilio;
use crate::web::{json_response, parse_json, respond};

use session::SessionStore;
use store::{CallIdentity, LiveLead, NewMessage};

/// API Gateway's path template of the tools.
pub const TOOLS_PATH: &str = "/api/voice/tools/{tool}";
/// Notifications sent during a call must not hold the agent's answer for long.
const NOTIFY_DEADLINE: Duration = Duration::from_secs(6);
/// A notification sent is not sent again for this long; a sender that died frees its claim sooner.
const NOTICE_RECORD_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
const NOTICE_CLAIM_TTL: Duration = Duration::from_secs(30);
/// Concurrent writes to one call's session: retries before giving up.
const SESSION_ATTEMPTS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    QualificationNext,
    GetProjectStatus,
    EscalateToTeam,
    TakeMessage,
    CheckBusinessHours,
}

impl Tool {
    pub const ALL: &'static [Tool] = &[
        Tool::QualificationNext,
        Tool::GetProjectStatus,
        Tool::EscalateToTeam,
        Tool::TakeMessage,
        Tool::CheckBusinessHours,
    ];

    /// The tool's name, in ElevenLabs and in its URL.
    pub fn name(self) -> &'static str {
        match self {
            Tool::QualificationNext => "qualification_next",
            Tool::GetProjectStatus => "get_project_status",
            Tool::EscalateToTeam => "escalate_to_team",
            Tool::TakeMessage => "take_message",
            Tool::CheckBusinessHours => "check_business_hours",
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.iter().copied().find(|t| t.name() == name)
    }
}

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

pub struct ToolState {
    pub db: Database,
    pub secret: SecretHeader,
    pub sessions: SessionStore,
    pub notifier: Notifier,
    /// The clock; tests pin it to exercise business hours.
    pub now: fn() -> DateTime<Utc>,
}

/// The secrets the tools function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[
    SecretName::ElevenLabsTool,
    SecretName::SendGrid,
    SecretName::Twilio,
];

impl ToolState {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        let quick = HttpPolicy {
            request_timeout: Duration::from_secs(4),
            max_retries: 1,
            ..HttpPolicy::default()
        };
        let sendgrid = SendGrid::from_env(
            &env,
            HttpClient::new("sendgrid", quick.clone())?,
            platform.secrets.sendgrid_api_key()?,
        )?;
        // Read even when no Twilio account is configured: a granted secret is checked at start.
        let twilio_auth_token = platform.secrets.twilio_auth_token()?;
        let twilio = match env.optional("TWILIO_ACCOUNT_SID") {
            Some(sid) => Some(Twilio::new(
                HttpClient::new("twilio", quick)?,
                &env.optional("TWILIO_BASE_URL")
                    .unwrap_or_else(|| crate::twilio::DEFAULT_BASE_URL.into()),
                sid,
                twilio_auth_token,
            )),
            None => None,
        };
        Ok(Self {
            db: platform.db.clone(),
            secret: SecretHeader::from_env(&env, platform.secrets.elevenlabs_tool_secret()?)?,
            sessions: SessionStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.call_sessions,
            ),
            notifier: Notifier {
                sendgrid,
                twilio,
                idempotency: IdempotencyStore::new(
                    platform.aws.dynamodb.clone(),
                    &platform.settings.tables.idempotency,
                    NOTICE_RECORD_TTL,
                    NOTICE_CLAIM_TTL,
                ),
                dashboard_url: env.required("DASHBOARD_URL")?,
            },
            now: Utc::now,
        })
    }
}

/// What every tool's body carries, filled by ElevenLabs from the call's system variables.
#[derive(Debug, Deserialize)]
struct CallRef {
    conversation_id: String,
    #[serde(default)]
    caller_id: Option<String>,
    #[serde(default)]
    called_number: Option<String>,
}

#[derive(Debug, Deserialize)]
struct QualificationBody {
    #[serde(flatten)]
    call: CallRef,
    /// The caller's answer to the question asked last; absent on the first call.
    #[serde(default)]
    answer: Option<String>,
}

#[derive(Debug, Deserialize)]
struct EscalationBody {
    #[serde(flatten)]
    call: CallRef,
    reason: String,
    #[serde(default)]
    caller_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MessageBody {
    #[serde(flatten)]
    call: CallRef,
    message: String,
    #[serde(default)]
    caller_name: Option<String>,
    #[serde(default)]
    callback_number: Option<String>,
    #[serde(default)]
    preferred_time: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PlainBody {
    #[serde(flatten)]
    call: CallRef,
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
    };
    Ok(json_response(http::StatusCode::OK, &body))
}

async fn pool(state: &ToolState) -> Result<&sqlx::PgPool, ApiError> {
    state.db.pool().await.map_err(|e| {
        tracing::error!(error = %e, "database unavailable");
        ApiError::unavailable("the database is unavailable")
    })
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "{what}");
    ApiError::unavailable(format!("{what} failed; try again"))
}

async fn identify(state: &ToolState, call: &CallRef) -> Result<CallIdentity, ApiError> {
    if call.conversation_id.trim().is_empty() {
        return Err(ApiError::bad_request(
            "invalid_json",
            "conversation_id: must not be empty",
        ));
    }
    let number = |n: &Option<String>| n.as_deref().and_then(|n| E164::from_carrier(n).ok());
    let (called, caller) = (number(&call.called_number), number(&call.caller_id));
    store::identify(
        pool(state).await?,
        &call.conversation_id,
        called.as_ref(),
        caller.as_ref(),
    )
    .await
    .map_err(|e| internal("looking up the call", e))?
    .ok_or_else(|| ApiError::not_found("this call does not belong to any business here"))
}

/// `qualification_next`: one step of the state machine, stored before it is answered.
async fn qualification_next(
    state: &ToolState,
    call: &CallIdentity,
    conversation_id: &str,
    answer: Option<&str>,
) -> Result<Value, ApiError> {
    let pool = pool(state).await?;
    let specs = post_call_store::questions(pool, call.business_id)
        .await
        .map_err(|e| internal("loading the questions", e))?;
    let questions: Vec<_> = specs.iter().map(|s| s.to_question()).collect();
    let keywords = post_call_store::urgency_keywords(pool, call.business_id)
        .await
        .map_err(|e| internal("loading the urgency keywords", e))?;
    let mut outcome = None;
    for _ in 0..SESSION_ATTEMPTS {
        let mut session = state
            .sessions
            .load(conversation_id, call.business_id)
            .await
            .map_err(|e| internal("reading the call session", e))?;
        let step = qualification::step(
            &mut session.progress,
            &questions,
            answer,
            &keywords,
            &call.default_region,
        );
        if state
            .sessions
            .save(conversation_id, call.business_id, &session)
            .await
            .map_err(|e| internal("saving the call session", e))?
        {
            outcome = Some((step, session.progress));
            break;
        }
    }
    let (step, progress) = outcome.ok_or_else(|| {
        ApiError::conflict("busy", "this call's answers are being recorded; try again")
    })?;
    if step.recorded || step.escalate.is_some() {
        let live = LiveLead {
            answers: &progress.answers,
            priority: progress.priority,
            reasons: &progress.urgency_reasons,
        };
        store::record_live_lead(pool, call, conversation_id, &specs, &live)
            .await
            .map_err(|e| internal("recording the lead", e))?;
    }
    Ok(qualification_reply(
        &step.reply,
        step.escalate.as_deref(),
        &progress,
    ))
}

fn qualification_reply(reply: &Reply, escalate: Option<&str>, progress: &Progress) -> Value {
    let mut body = serde_json::to_value(reply).unwrap_or_else(|_| json!({}));
    if let Some(map) = body.as_object_mut() {
        map.insert("escalate".into(), json!(escalate.is_some()));
        if let Some(why) = escalate {
            map.insert("escalation_reason".into(), json!(why));
            map.insert(
                "instruction".into(),
                json!(
                    "This sounds urgent: call escalate_to_team now with this reason, then continue."
                ),
            );
        }
        map.insert("answered".into(), json!(progress.answers.len()));
    }
    body
}

#[derive(Serialize)]
struct SpokenProject {
    name: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    due: Option<String>,
    open_tasks: Vec<SpokenTask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    more_open_tasks: Option<i64>,
}

#[derive(Serialize)]
struct SpokenTask {
    name: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    due: Option<String>,
}

fn spoken_status(status: ProjectStatus) -> &'static str {
    match status {
        ProjectStatus::Todo => "not started",
        ProjectStatus::InProgress => "in progress",
        ProjectStatus::Done => "done",
    }
}

fn spoken_date(d: chrono::NaiveDate) -> String {
    d.format("%B %-d, %Y").to_string()
}

/// `get_project_status`: only for a caller whose number is a client's within this business.
async fn project_status(state: &ToolState, call: &CallIdentity) -> Result<Value, ApiError> {
    let (Some(client_id), Some(client_name)) = (call.client_id, call.client_name.as_deref()) else {
        return Ok(json!({
            "known_client": false,
            "say": "I'm sorry, I can only share project details with clients calling from a number we have on file. \
        I can take a message and have the team get back to you.",
        }));
    };
    let rows = store::client_projects(pool(state).await?, call.business_id, client_id)
        .await
        .map_err(|e| internal("loading the projects", e))?;
    let projects: Vec<SpokenProject> = rows
        .iter()
        .map(|p| SpokenProject {
            name: p.name.clone(),
            status: p.status.parse().map(spoken_status).unwrap_or("in progress"),
            due: p.due_date.map(spoken_date),
            open_tasks: p
                .open_tasks
                .0
                .iter()
                .map(|t| SpokenTask {
                    name: t.name.clone(),
                    status: spoken_status(t.status),
                    due: t.due_date.map(spoken_date),
                })
                .collect(),
            more_open_tasks: Some(p.open_task_count - p.open_tasks.0.len() as i64)
                .filter(|n| *n > 0),
        })
        .collect();
    let first_name = client_name.split_whitespace().next().unwrap_or(client_name);
    let say = match projects.first() {
        None => format!(
            "{first_name}, I don't see any projects on file for you right now. I can ask the team to follow up."
        ),
        Some(p) => {
            let mut s = format!("{first_name}, {}", describe_project(p));
            if projects.len() > 1 {
                s.push_str(&format!(
                    " You have {} other project{} too.",
                    projects.len() - 1,
                    if projects.len() == 2 { "" } else { "s" }
                ));
            }
            s
        }
    };
    Ok(json!({"known_client": true, "say": say, "projects": projects}))
}

fn describe_project(p: &SpokenProject) -> String {
    let mut s = format!("{} is {}", p.name, p.status);
    if let Some(due) = &p.due {
        s.push_str(&format!(", due {due}"));
    }
    s.push('.');
    if let Some(t) = p.open_tasks.first() {
        s.push_str(&format!(" Next up: {} ({})", t.name, t.status));
        if let Some(due) = &t.due {
            s.push_str(&format!(", due {due}"));
        }
        s.push('.');
    }
    s
}

/// `escalate_to_team`: the lead becomes urgent, the team is told now, and the agent learns whether
/// a person can take a transfer.
async fn escalate(
    state: &ToolState,
    call: &CallIdentity,
    body: &EscalationBody,
) -> Result<Value, ApiError> {
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_field",
            "reason: must say why the matter is urgent",
        ));
    }
    let reason: String = reason.chars().take(500).collect();
    let conversation_id = body.call.conversation_id.as_str();
    let pool = pool(state).await?;
    let specs = post_call_store::questions(pool, call.business_id)
        .await
        .map_err(|e| internal("loading the questions", e))?;
    let reasons = [format!("escalated during the call: {reason}")];
    // The lead already holds every answer recorded live: nothing to add from the session.
    let lead = store::record_live_lead(
        pool,
        call,
        conversation_id,
        &specs,
        &LiveLead {
            answers: &Default::default(),
            priority: Priority::Urgent,
            reasons: &reasons,
        },
    )
    .await
    .map_err(|e| internal("recording the lead", e))?;

    let transfer_available = call.transfer_available((state.now)());
    let caller_name = body.caller_name.as_deref().or(lead.contact_name.as_deref());
    let urgent = notify::Urgent {
        call,
        caller_name,
        reason: &reason,
        transfer_available,
        call_url: call_url(&state.notifier, conversation_id),
    };
    let notified = send_once(
        &state.notifier,
        &format!("urgent:{conversation_id}"),
        (!call.notification_emails.is_empty()).then(|| notify::urgent_email(&urgent)),
        call.notification_phone
            .as_deref()
            .map(|to| (to, notify::urgent_sms(&urgent))),
        call.business_phone.as_deref(),
    )
    .await;
    let (say, next_step) = if transfer_available {
        (
            "I've flagged this as urgent for the team. I'll connect you with someone now.",
            "transfer",
        )
    } else {
        (
            "I've flagged this as urgent and alerted the team. No one can take the call live right now, \
so let me take a message and make sure they call you back as soon as possible.",
            "take_message",
        )
    };
    Ok(json!({
        "escalated": true,
        "team_notified": notified,
        "transfer_available": transfer_available,
        "next_step": next_step,
        "say": say,
    }))
}

/// `take_message`: kept once per call and text, and emailed to the team.
async fn take_message(
    state: &ToolState,
    call: &CallIdentity,
    body: &MessageBody,
) -> Result<Value, ApiError> {
    let message = body.message.trim();
    if message.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_field",
            "message: must not be empty",
        ));
    }
    let clip = |s: &Option<String>, n: usize| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(n).collect::<String>())
    };
    let message: String = message.chars().take(4_000).collect();
    let caller_name = clip(&body.caller_name, 200);
    let callback_raw = clip(&body.callback_number, 100);
    let preferred_time = clip(&body.preferred_time, 200);
    let callback = callback_raw
        .as_deref()
        .and_then(|n| E164::parse(n, &call.default_region).ok())
        .map(String::from)
        .or_else(|| call.person_phone.clone());
    let conversation_id = body.call.conversation_id.as_str();
    let id = store::record_message(
        pool(state).await?,
        call,
        &NewMessage {
            conversation_id,
            caller_name: caller_name.as_deref(),
            callback_phone: callback.as_deref(),
            callback_raw: callback_raw.as_deref(),
            message: &message,
            preferred_time: preferred_time.as_deref(),
        },
    )
    .await
    .map_err(|e| internal("recording the message", e))?;
    let notice = notify::Message {
        call,
        caller_name: caller_name.as_deref(),
        callback: callback.as_deref(),
        message: &message,
        preferred_time: preferred_time.as_deref(),
        call_url: call_url(&state.notifier, conversation_id),
    };
    let notified = send_once(
        &state.notifier,
        &format!("message:{id}"),
        (!call.notification_emails.is_empty()).then(|| notify::message_email(&notice)),
        None,
        None,
    )
    .await;
    let now = (state.now)();
    let (status, tz) = call.hours_at(now);
    let when = if status.open {
        "shortly".to_owned()
    } else {
        match status.next_open {
            Some(t) => format!(
                "when the office opens {}",
                describe_instant(t, now.with_timezone(&tz))
            ),
            None => "as soon as they can".to_owned(),
        }
    };
    Ok(json!({
        "recorded": true,
        "team_notified": notified,
        "say": format!("I've passed your message to the team; they'll get back to you {when}."),
    }))
}

/// `check_business_hours`: computed here so the language model never reasons about the clock.
fn business_hours(state: &ToolState, call: &CallIdentity) -> Value {
    let now = (state.now)();
    let (status, tz) = call.hours_at(now);
    let local = now.with_timezone(&tz);
    let next_opening = status.next_open.map(|t| describe_instant(t, local));
    let closes_at = status.closes_at.map(|t| describe_instant(t, local));
    let say = match (status.open, &closes_at, &next_opening, &status.holiday) {
        (true, Some(c), _, _) => format!("We're open now, until {c}."),
        (true, None, _, _) => "We're open now.".to_owned(),
        (false, _, Some(n), Some(h)) => format!("We're closed today for {h}. We open again {n}."),
        (false, _, Some(n), None) => format!("We're closed right now. We open again {n}."),
        (false, _, None, _) => "We're closed right now.".to_owned(),
    };
    json!({
        "open": status.open,
        "local_time": local.format("%A %-I:%M %p").to_string(),
        "closes_at": closes_at,
        "next_opening": next_opening,
        "holiday": status.holiday,
        "transfer_available": status.open && call.transfer_numbers > 0,
        "say": say,
    })
}

fn call_url(n: &Notifier, conversation_id: &str) -> String {
    format!(
        "{}/calls?conversation={conversation_id}",
        n.dashboard_url.trim_end_matches('/')
    )
}

/// Sends the email and the text under one idempotency key, within `NOTIFY_DEADLINE`. Failure is
/// logged, not returned: the caller on the line matters more, and a later tool call (or the
/// post-call email) tries again. Returns whether the team was told now or before.
async fn send_once(
    n: &Notifier,
    key: &str,
    email: Option<Email>,
    sms: Option<(&str, String)>,
    sms_from: Option<&str>,
) -> bool {
    if email.is_none() && sms.is_none() {
        return false;
    }
    let work = || async {
        let email_sent = async {
            match &email {
                Some(e) => n.sendgrid.send(e).await.map(Some),
                None => Ok(None),
            }
        };
        let sms_sent = async {
            match (&n.twilio, &sms, sms_from) {
                (Some(twilio), Some((to, text)), Some(from)) => {
                    twilio.send_sms(from, to, text).await.map(|m| Some(m.sid))
                }
                (None, Some(_), _) => {
                    tracing::warn!("no TWILIO_ACCOUNT_SID: urgent notice by email only");
                    Ok(None)
                }
                _ => Ok(None),
            }
        };
        let (email_sent, sms_sent) = tokio::join!(email_sent, sms_sent);
        match (email_sent, sms_sent) {
            (Ok(e), Ok(s)) => Ok(((), Some(format!("email={e:?} sms={s:?}")))),
            // One of them went out: record it so a retry does not repeat it.
            (Ok(_), Err(e)) | (Err(e), Ok(_)) if email.is_some() && sms.is_some() => {
                tracing::error!(error = %e, key, "one of the two notices failed");
                Ok(((), Some("partial".into())))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    };
    match tokio::time::timeout(NOTIFY_DEADLINE, n.idempotency.run_once(key, work)).await {
        Ok(Ok(Once::Ran(()) | Once::AlreadyCompleted | Once::InProgress)) => true,
        Ok(Err(OnceError::Store(e))) => {
            tracing::error!(error = %e, key, "notification not sent");
            false
        }
        Ok(Err(OnceError::Work(e))) => {
            tracing::error!(error = %e, key, "notification not sent");
            false
        }
        Err(_) => {
            tracing::error!(key, "notification timed out");
            false
        }
    }
}
