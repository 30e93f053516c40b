//! What each tool does once its call is identified: one qualification step, the caller's
//! projects, an escalation or a message for the team (notified once), the business's hours.

use serde::Serialize;
use serde_json::{Value, json};
use shared::call_tools::store::{self, CallIdentity, LiveLead, NewMessage};
use shared::domain::ConversationId;
use shared::domain::qualification::{self, Progress, Step};
use shared::domain::{Priority, ProjectStatus};
use shared::error::ApiError;
use shared::idempotency::{Once, OnceError};
use shared::personalization::describe_instant;
use shared::phone::E164;
use shared::post_call::store as post_call_store;
use shared::sendgrid::Email;

use crate::notices as notify;
use crate::{EscalationBody, MessageBody, Notifier, SESSION_ATTEMPTS, ToolState, internal, pool};

/// `qualification_next`: one step of the state machine, stored before it is answered.
pub(crate) async fn qualification_next(
    state: &ToolState,
    call: &CallIdentity,
    conversation_id: &ConversationId,
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
            &call.answer_context((state.now)()),
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
    if step.recorded.is_some() || step.escalate.is_some() {
        let live = LiveLead {
            answers: &progress.answers,
            priority: progress.priority,
            reasons: &progress.urgency_reasons,
        };
        store::record_live_lead(pool, call, conversation_id.as_str(), &specs, &live)
            .await
            .map_err(|e| internal("recording the lead", e))?;
    }
    Ok(qualification_reply(&step, &progress))
}

/// The step as the agent reads it: what to say, what was recorded (the normalised value, so the
/// agent never restates the caller's words in its own form), and whether to escalate.
fn qualification_reply(step: &Step, progress: &Progress) -> Value {
    let escalate = step.escalate.as_deref();
    let mut body = serde_json::to_value(&step.reply).unwrap_or_else(|_| json!({}));
    if let Some(map) = body.as_object_mut() {
        if let Some(recorded) = &step.recorded {
            map.insert("recorded".into(), json!(recorded.value));
            map.insert("recorded_valid".into(), json!(recorded.valid));
        }
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
pub(crate) async fn project_status(
    state: &ToolState,
    call: &CallIdentity,
) -> Result<Value, ApiError> {
    let (Some(client_id), Some(client_name)) = (call.client_id, call.client_name.as_deref()) else {
        return Ok(json!({
            "known_client": false,
            "say": "I'm sorry, I can only share project details with clients calling from a number we have on file. \
        I can take a message and have the team get back to you.",
        }));
    };
    // Caller ID alone is not proof, unless the business accepts it (`CallerAccess::Projects`).
    if !call.access().shares_projects_unverified() && !call.verified {
        // `anonymous`: not even that the number is a client's is confirmed before verifying.
        let mut answer = json!({
            "verification_required": true,
            "say": "Before I share project details, I need to confirm it's you. I can send a code to the number or email we have on file. Shall I?",
        });
        if call.access().greets_by_name() {
            answer["known_client"] = json!(true);
        }
        return Ok(answer);
    }
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
pub(crate) async fn escalate(
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
pub(crate) async fn take_message(
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
    let Some(id) = id else {
        tracing::warn!(conversation_id, "message cap reached for this call");
        return Ok(json!({
            "recorded": false,
            "say": "I've already passed several messages from this call to the team; they'll get back to you about all of them.",
        }));
    };
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
pub(crate) fn business_hours(state: &ToolState, call: &CallIdentity) -> Value {
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
    // Not cut off by a timeout: the claim, the sends and the completion are each bounded, and
    // together they fit in NOTIFY_DEADLINE (`config::notice_budget`). A send cut off halfway
    // would leave its claim held, to lapse and be sent again by a later call.
    match n.idempotency.run_once(key, work).await {
        Ok(Once::Ran(()) | Once::AlreadyCompleted | Once::InProgress) => true,
        Err(OnceError::Store(e)) => {
            tracing::error!(error = %e, key, "notification not sent");
            false
        }
        Err(OnceError::Work(e)) => {
            tracing::error!(error = %e, key, "notification not sent");
            false
        }
    }
}
