//! `verify_caller`: proves the caller is the client their caller ID names, before anything of
//! their account is told (`domain::caller_verification`). Without an answer it sends a 6-digit
//! code, by text from the business's number to the client's own number (the one on file that
//! the call came from) or, without Twilio, by email to the client's address; with `code` or `pin`
//! it checks the answer. Codes are bound to the call and stored only as digests in the call's
//! session; a call gets two codes and three wrong answers, and a client five of each in any 24
//! hours across calls (each step recorded in `caller_verification_events`, the audit). That the
//! caller is verified is read from there too, with the call's identity, so `get_project_status`
//! needs no session read.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use shared::admin::auth::verify_password;
use shared::call_tools::store::CallIdentity;
use shared::domain::ConversationId;
use shared::domain::caller_verification::{CODE_TTL_SECS, Checked, MAX_ATTEMPTS};
use shared::error::ApiError;
use shared::sendgrid::Email;
use shared::store::caller_verification::{self as client_steps, Step};

use crate::{SESSION_ATTEMPTS, ToolState, VerifyBody, internal};

/// The longest code or PIN read out.
const MAX_DIGITS: usize = 12;

/// Where a code went, as the agent may say it.
enum Channel {
    Text { to: String, from: String },
    Email(String),
}

pub(crate) async fn verify_caller(
    state: &ToolState,
    call: &CallIdentity,
    conversation_id: &ConversationId,
    body: &VerifyBody,
) -> Result<Value, ApiError> {
    let (Some(client_id), Some(client_name)) = (call.client_id, call.client_name.as_deref()) else {
        return Ok(json!({
            "verified": false,
            "say": "I can only verify existing clients calling from a number we have on file. I can take a message for the team.",
        }));
    };
    let first = client_name.split_whitespace().next().unwrap_or(client_name);
    let code = digits("code", body.code.as_deref())?;
    let pin = digits("pin", body.pin.as_deref())?;
    if pin.is_some() && call.client_pin_hash.is_none() {
        return Ok(json!({
            "verified": false,
            "say": "There's no PIN on file for you; I can send you a code instead.",
        }));
    }
    let pin_matched = match (&pin, &call.client_pin_hash) {
        (Some(pin), Some(hash)) => {
            let (pin, hash) = (pin.clone(), hash.clone());
            tokio::task::spawn_blocking(move || verify_password(&pin, Some(&hash)))
                .await
                .map_err(ApiError::internal)?
        }
        _ => false,
    };
    // The client's steps across calls, one request at a time, until this one's are recorded.
    let mut tx = state.db.pool().await?.begin().await?;
    client_steps::lock(&mut tx, client_id).await?;
    // Read once the lock is held, so steps are stamped in the order they were taken.
    let at = (state.now)();
    let now = at.timestamp();
    let client = client_steps::record(&mut tx, client_id, at).await?;
    for _ in 0..SESSION_ATTEMPTS {
        let mut session = state
            .sessions
            .load(conversation_id, call.business_id)
            .await
            .map_err(|e| internal("reading the call session", e))?;
        let v = &mut session.verification;
        let before = v.clone();
        let mut to_send = None;
        let mut steps = Vec::new();
        let mut answer = if v.verified || call.verified {
            verified(first)
        } else if client.locked() {
            steps.push(Step::Refused);
            locked_for_today()
        } else if pin.is_some() {
            checked(v.check_pin(pin_matched), first)
        } else if let Some(code) = &code {
            checked(
                v.check_code(&code_digest(conversation_id, code), now),
                first,
            )
        } else if v.locked() {
            checked(Checked::Locked, first)
        } else if !v.may_send_code() {
            json!({"verified": false, "code_sent": false,
                   "say": "I've already sent you codes on this call; please read me the last one."})
        } else if !client.may_send_code() {
            steps.push(Step::Refused);
            json!({"verified": false, "code_sent": false,
                   "say": "I've sent you as many codes as I can today, so I can't share account details on this call. I can take a message for the team."})
        } else {
            let Some(channel) = channel(state, call) else {
                tx.rollback().await?;
                return Ok(json!({"verified": false, "code_sent": false,
                    "say": "I can't send you a code right now, so I can't share account details on this call. I can take a message for the team."}));
            };
            let code = format!("{:06}", rand::random_range(0..1_000_000u32));
            v.code_sent(code_digest(conversation_id, &code), now);
            let say = match &channel {
                Channel::Text { to, .. } => format!(
                    "I've texted a 6-digit code to your number ending in {}. Please read it to me.",
                    last_digits(to)
                ),
                Channel::Email(_) => {
                    "I've emailed a 6-digit code to the address we have on file. Please read it to me."
                        .to_owned()
                }
            };
            to_send = Some((channel, code));
            steps.push(Step::CodeSent);
            json!({"verified": false, "code_sent": true, "say": say})
        };
        if v.failed_attempts > before.failed_attempts {
            steps.push(Step::Failed);
            if client.locks_on_next_failure() {
                // The client's last wrong answer for the window: no more tries on any call.
                steps.push(Step::Locked);
                v.failed_attempts = v.failed_attempts.max(MAX_ATTEMPTS);
                v.code_digest = None;
                answer = locked_for_today();
            }
        }
        // Recorded until it is: the record is what `get_project_status` reads.
        if v.verified && !call.verified {
            steps.push(Step::Verified);
        }
        if !state
            .sessions
            .save(conversation_id, call.business_id, &session)
            .await
            .map_err(|e| internal("saving the call session", e))?
        {
            continue;
        }
        if !steps.is_empty() {
            client_steps::add(
                &mut tx,
                call.business_id,
                client_id,
                conversation_id.as_str(),
                &steps,
                at,
            )
            .await?;
        }
        tx.commit().await?;
        if steps.contains(&Step::Locked) {
            tracing::warn!(%client_id, "caller verification locked for the client: too many wrong answers");
        }
        // Sent once the code is stored: a code the caller hears about always works.
        if let Some((channel, code)) = to_send
            && let Err(e) = deliver(state, call, &channel, &code).await
        {
            tracing::error!(error = %e, "verification code not sent");
            return Ok(json!({"verified": false, "code_sent": false,
                "say": "I couldn't send the code just now. Shall I try again?"}));
        }
        return Ok(answer);
    }
    tx.rollback().await?;
    Err(ApiError::unavailable(
        "the call session is busy; try the tool again",
    ))
}

/// The client gave too many wrong answers in the window, on this call or others.
fn locked_for_today() -> Value {
    json!({"verified": false, "attempts_left": 0,
        "say": "I'm sorry, I can't verify you today, so I can't share account details. I can take a message for the team."})
}

fn verified(first: &str) -> Value {
    json!({"verified": true, "say": format!("Thanks, {first}, you're verified.")})
}

fn checked(outcome: Checked, first: &str) -> Value {
    match outcome {
        Checked::Verified => verified(first),
        Checked::Wrong { attempts_left } => {
            json!({"verified": false, "attempts_left": attempts_left,
            "say": "That doesn't match. Please try again."})
        }
        Checked::Locked => json!({"verified": false, "attempts_left": 0,
            "say": "I'm sorry, I can't verify you on this call, so I can't share account details. I can take a message for the team."}),
        Checked::NoCode => json!({"verified": false,
            "say": "I haven't sent you a code yet. Shall I send one?"}),
        Checked::Expired => json!({"verified": false,
            "say": "That code has expired. Shall I send a new one?"}),
    }
}

/// Only digits count: speech-to-text spacing and dashes are dropped. A 400 names a field that is
/// not a code.
fn digits(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let d: String = raw.chars().filter(char::is_ascii_digit).collect();
    if d.is_empty() || d.len() > MAX_DIGITS || raw.chars().count() > 4 * MAX_DIGITS {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("{field}: must be the digits the caller read out (at most {MAX_DIGITS})"),
        ));
    }
    Ok(Some(d))
}

/// A code's digest, bound to its call: the same digits on another call are another digest.
fn code_digest(conversation_id: &ConversationId, code: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{conversation_id}:{code}").as_bytes(),
    ))
}

fn channel(state: &ToolState, call: &CallIdentity) -> Option<Channel> {
    if state.notifier.twilio.is_some()
        && let (Some(to), Some(from)) = (&call.person_phone, &call.business_phone)
    {
        return Some(Channel::Text {
            to: to.clone(),
            from: from.clone(),
        });
    }
    call.client_email.clone().map(Channel::Email)
}

async fn deliver(
    state: &ToolState,
    call: &CallIdentity,
    channel: &Channel,
    code: &str,
) -> Result<(), shared::http_client::HttpError> {
    let minutes = CODE_TTL_SECS / 60;
    let text = format!(
        "{code} is your {} verification code. It works for {minutes} minutes. If you didn't ask for it, ignore this message.",
        call.business_name
    );
    match channel {
        Channel::Text { to, from } => {
            if let Some(twilio) = &state.notifier.twilio {
                twilio.send_sms(from, to, &text).await?;
            }
        }
        Channel::Email(to) => {
            state
                .notifier
                .sendgrid
                .send(&Email {
                    to: vec![to.clone()],
                    subject: format!("Your {} verification code", call.business_name),
                    html: format!("<p>{}</p>", shared::post_call::notify::escape(&text)),
                    text,
                })
                .await?;
        }
    }
    Ok(())
}

fn last_digits(phone: &str) -> String {
    let d: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    d[d.len().saturating_sub(2)..].iter().collect()
}
