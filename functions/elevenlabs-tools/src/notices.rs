//! What the team is told while the call is still going on: an urgent matter (email, and a text
//! message to the business's notification phone) or a message taken for them (email).

use shared::post_call::notify::{caller_label, escape};
use shared::sendgrid::Email;

use shared::call_tools::store::CallIdentity;

/// The caller's label: a known client's name first, else the name they gave.
fn who(call: &CallIdentity, name: Option<&str>) -> String {
    caller_label(
        call.client_name.as_deref().or(name),
        call.person_phone.as_deref(),
    )
}

pub struct Urgent<'a> {
    pub call: &'a CallIdentity,
    pub caller_name: Option<&'a str>,
    pub reason: &'a str,
    pub transfer_available: bool,
    pub call_url: String,
}

pub fn urgent_email(u: &Urgent<'_>) -> Email {
    let who = who(u.call, u.caller_name);
    let next = if u.transfer_available {
        "The agent is offering a live transfer to your team now."
    } else {
        "No one can take a transfer now, so the agent is taking a message; call them back as soon as you can."
    };
    let subject = format!(
        "[URGENT] Caller on the line: {who} - {}",
        u.call.business_name
    );
    let text = format!(
        "An urgent call is in progress.\nCaller: {who}\nWhy: {}\n{next}\n\nCall: {}\n",
        u.reason, u.call_url
    );
    let html = format!(
        "<h2>Urgent call in progress</h2><p><b>Caller:</b> {}<br><b>Why:</b> {}</p><p>{}</p><p><a href=\"{}\">The call</a></p>",
        escape(&who),
        escape(u.reason),
        escape(next),
        escape(&u.call_url)
    );
    Email {
        to: u.call.notification_emails.clone(),
        subject,
        text,
        html,
    }
}

pub fn urgent_sms(u: &Urgent<'_>) -> String {
    format!(
        "URGENT call for {}: {} - {}. {}",
        u.call.business_name,
        who(u.call, u.caller_name),
        u.reason,
        if u.transfer_available {
            "Transfer being offered now."
        } else {
            "Please call back ASAP."
        }
    )
}

pub struct Message<'a> {
    pub call: &'a CallIdentity,
    pub caller_name: Option<&'a str>,
    pub callback: Option<&'a str>,
    pub message: &'a str,
    pub preferred_time: Option<&'a str>,
    pub call_url: String,
}

pub fn message_email(m: &Message<'_>) -> Email {
    let who = who(m.call, m.caller_name);
    let callback = m.callback.unwrap_or("the number they called from");
    let when = m.preferred_time.unwrap_or("any time");
    let subject = format!("Message from {who} - {}", m.call.business_name);
    let text = format!(
        "{who} left a message.\nCall back: {callback} ({when})\n\n{}\n\nCall: {}\n",
        m.message, m.call_url
    );
    let html = format!(
        "<h2>Message from {}</h2><p><b>Call back:</b> {} ({})</p><blockquote>{}</blockquote><p><a href=\"{}\">The call</a></p>",
        escape(&who),
        escape(callback),
        escape(when),
        escape(m.message),
        escape(&m.call_url)
    );
    Email {
        to: m.call.notification_emails.clone(),
        subject,
        text,
        html,
    }
}
