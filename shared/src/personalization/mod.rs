//! What an ElevenLabs call starts with: greeting, system prompt, voice, language and dynamic
//! variables, composed from what we know about the business and the caller. Pure domain code: the
//! lookup happens elsewhere, the wire format is `crate::elevenlabs::initiation`.

pub mod greeting;
pub mod template;
pub mod variables;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::{BusinessHours, ExpectedFormat, ProjectStatus, VoiceSettings};
use crate::phone::E164;
use greeting::Situation;
pub use variables::{DYNAMIC_VARIABLES, DynamicVariables, VarValue};

/// Everything the hot path knows for one call: the business's configuration (shared: kept per
/// container between calls, see `crate::store::call_context`), the caller and the direction.
#[derive(Debug, Clone)]
pub struct CallContext {
    pub business: std::sync::Arc<BusinessConfig>,
    pub client: Option<KnownClient>,
    pub outbound: bool,
}

/// What a business's calls start from, whoever calls.
#[derive(Debug, Clone)]
pub struct BusinessConfig {
    pub business_name: String,
    pub timezone: Tz,
    pub hours: BusinessHours,
    pub transfer_numbers: usize,
    pub agent: AgentSettings,
    pub questions: Vec<Question>,
}

pub use crate::domain::agent::AgentSettings;

#[derive(Debug, Clone)]
pub struct KnownClient {
    pub name: String,
    pub company: Option<String>,
    /// The client's own greeting while open (`clients.welcome_message`); empty: the business's.
    pub greeting: String,
    pub projects: Vec<ProjectLine>,
}

/// Also the row shape of the call-context query's project list (JSON).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ProjectLine {
    pub name: String,
    pub status: ProjectStatus,
    pub provider_status: String,
    pub due_date: Option<NaiveDate>,
}

/// Also the row shape of the call-context query's question list (JSON).
pub use crate::domain::qualification::Question;

#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    pub voice_id: Option<String>,
    pub settings: VoiceSettings,
}

/// The composed start of a call. `None` fields are not overridden (the agent's own settings apply).
#[derive(Debug, Clone)]
pub struct Personalization {
    pub first_message: String,
    pub prompt: String,
    pub language: Option<String>,
    pub voice: Option<Voice>,
    pub variables: DynamicVariables,
}

pub const DEFAULT_FIRST_MESSAGE: &str = "Thank you for calling. How can I help you today?";
pub const DEFAULT_PROMPT: &str = "You are a friendly, professional phone receptionist. Greet the caller, find out \
what they need, and take a message with their name, the best number to call them back on, and a short \
description of what they are calling about. Do not promise prices, dates or call-back times; say the team \
will follow up. Keep your answers short: this is a phone call.";

/// The safe answer when the business is unknown or anything failed: every variable has its default.
pub fn platform_default(caller: Option<&E164>) -> Personalization {
    let mut variables = DynamicVariables::defaults();
    if let Some(phone) = caller {
        variables.set("caller_phone", phone.as_str());
    }
    Personalization {
        first_message: DEFAULT_FIRST_MESSAGE.into(),
        prompt: DEFAULT_PROMPT.into(),
        language: None,
        voice: None,
        variables,
    }
}

/// The voice of a call: the business's custom voice wins over the one for this kind of caller. A
/// blank custom voice is no override: it must not hide the caller-specific voice.
pub fn chosen_voice(custom: Option<&str>, for_caller: Option<&str>) -> Option<String> {
    let nonblank = |id: &&str| !id.trim().is_empty();
    custom
        .filter(nonblank)
        .or(for_caller.filter(nonblank))
        .map(str::to_owned)
}

/// Composes the call's start. The clock is computed here so the language model never reasons about it.
pub fn personalize(
    ctx: &CallContext,
    person: Option<&E164>,
    now: DateTime<Utc>,
) -> Personalization {
    let business = &*ctx.business;
    let hours = business.hours.status_at(now, business.timezone);
    let local_now = now.with_timezone(&business.timezone);
    let mut v = DynamicVariables::defaults();
    v.set("business_name", template::sanitize(&business.business_name));
    v.set("business_timezone", business.timezone.name());
    v.set("local_time", local_now.format("%A %-I:%M %p").to_string());
    v.set("office_status", if hours.open { "open" } else { "closed" });
    v.set("is_open", hours.open);
    if let Some(next) = hours.next_open {
        v.set("next_opening", describe_instant(next, local_now));
    }
    if let Some(closes) = hours.closes_at {
        v.set("closes_at", describe_instant(closes, local_now));
    }
    if let Some(name) = &hours.holiday {
        v.set("holiday_name", template::sanitize(name));
    }
    let transfer_available = hours.open && business.transfer_numbers > 0;
    v.set("transfer_available", transfer_available);
    v.set(
        "call_direction",
        if ctx.outbound { "outbound" } else { "inbound" },
    );
    if let Some(phone) = person {
        v.set("caller_phone", phone.as_str());
    }
    // Known clients are not qualified: the agent asks them nothing.
    let questions_to_ask = if ctx.client.is_some() {
        0
    } else {
        business.questions.len()
    };
    v.set("qualification_question_count", questions_to_ask as i64);

    let agent = &business.agent;
    let persona = if agent.persona_prompt.trim().is_empty() {
        DEFAULT_PROMPT
    } else {
        agent.persona_prompt.as_str()
    };
    // The persona is rendered last, once every variable has its value; this is everything after it.
    let mut prompt = String::with_capacity(1024);
    let role = if ctx.outbound {
        format!(
            "You are calling {} on behalf of {}",
            v.text("caller_phone"),
            v.text("business_name")
        )
    } else {
        format!("You answer the phone for {}", v.text("business_name"))
    };
    prompt.push_str(&format!(
        "\n\n## The call\n{role}. It is {} ({}) where the business is.",
        v.text("local_time"),
        business.timezone.name()
    ));
    if hours.open {
        prompt.push_str(&format!(
            " The office is open now and closes {}.",
            v.text("closes_at")
        ));
        if transfer_available {
            prompt.push_str(" A team member can take a live transfer if the caller needs a person or the matter is urgent.");
        }
    } else {
        let reason = match hours.holiday {
            Some(_) => format!(" today ({})", v.text("holiday_name")),
            None => String::new(),
        };
        prompt.push_str(&format!(
            " The office is closed{reason}; it next opens {}. Do not offer a transfer: take a message with the caller's name, \
the best number to call back, what it is about and a good time to call, and say the team will call back when the office opens.",
            v.text("next_opening")
        ));
    }

    let voice_for_caller;
    let known_client;
    let access = agent.unverified_caller_access.on_call(ctx.outbound);
    match &ctx.client {
        Some(_) if !access.greets_by_name() => {
            prompt.push_str(
                "\n\n## The caller\nThe calling number may belong to an existing client, but caller ID can be spoofed: \
do not use a name, say whether they are a client, or mention anything of an account until the verify_caller tool says the caller is verified. \
Offer general help; if they ask about their work, verify them first (the tool sends a code to their number or email on file, \
or checks their PIN), then use get_project_status.",
            );
            voice_for_caller = agent.new_caller_voice_id.clone();
            known_client = false;
        }
        Some(client) => {
            v.set("caller_type", "known_client");
            v.set("is_known_client", true);
            v.set("caller_name", template::sanitize(&client.name));
            v.set(
                "caller_first_name",
                template::sanitize(greeting::first_name(&client.name)),
            );
            let company = client.company.as_deref().filter(|c| !c.trim().is_empty());
            if let Some(company) = company {
                v.set("client_company", template::sanitize(company));
            }
            let shared_now = access.shares_projects_unverified();
            let active: Vec<String> = client
                .projects
                .iter()
                .filter(|p| shared_now && p.status != ProjectStatus::Done)
                .map(project_phrase)
                .collect();
            if shared_now {
                v.set("active_project_count", active.len() as i64);
            }
            if !active.is_empty() {
                v.set("active_projects", active.join("; "));
            }
            prompt.push_str(&format!(
                "\n\n## The caller\nYou are speaking with {}, an existing client",
                v.text("caller_name")
            ));
            if company.is_some() {
                prompt.push_str(&format!(" from {}", v.text("client_company")));
            }
            prompt.push_str(". Greet them by name.");
            if !shared_now {
                prompt.push_str(
                    " Caller ID can be spoofed: before you share anything about their projects or account, verify them \
with the verify_caller tool (it sends a code to their number or email on file, or checks their PIN); once it says they are \
verified, use get_project_status for their projects.",
                );
            } else if active.is_empty() {
                prompt.push_str(" They have no active projects on file.");
            } else {
                prompt.push_str(" Their active projects:");
                for phrase in &active {
                    prompt.push_str("\n- ");
                    prompt.push_str(phrase);
                }
                prompt.push_str("\nShare only these projects' status, and only with this caller.");
            }
            if shared_now {
                prompt.push_str(
                    " For the latest status and open tasks, use the get_project_status tool.",
                );
            }
            voice_for_caller = agent.existing_client_voice_id.clone();
            known_client = true;
        }
        None => {
            if !business.questions.is_empty() {
                prompt.push_str("\n\n## New caller\nThis caller is not a known client. Once you know why they are calling, go through the questions with the qualification_next tool: call it with no answer to get the first one, then with each answer the caller gives, and say what it returns. If the tool fails, ask these questions yourself, one at a time, in this order, and confirm each answer back briefly:");
                for (i, q) in business.questions.iter().enumerate() {
                    prompt.push_str(&format!(
                        "\n{}. {} ({}{})",
                        i + 1,
                        template::sanitize(&q.question),
                        format_hint(q),
                        if q.required {
                            ""
                        } else {
                            "; optional, skip if they prefer"
                        }
                    ));
                }
                if !hours.open {
                    prompt.push_str("\nAfter hours, ask them together with taking the message.");
                }
            }
            voice_for_caller = agent.new_caller_voice_id.clone();
            known_client = false;
        }
    }
    let faq = agent.faq.trim();
    if !faq.is_empty() {
        prompt.push_str("\n\n## Frequently asked questions\n");
        prompt.push_str(faq);
    }
    prompt.push_str("\n\nFor any other question about the business (its services, prices, policies, directions, turnaround times), call the search_knowledge_base tool with the question and answer only from what it returns; if it finds nothing, say you don't have that information and offer to take a message. Never guess.");
    prompt.push_str("\n\nIf the matter is urgent, call the escalate_to_team tool: it alerts the team and says whether to transfer the call or take a message. Record messages with the take_message tool. Never reveal information about other clients. Keep answers short: this is a phone call.");

    let situation = match (hours.open, &hours.holiday) {
        (true, _) => Situation::Open,
        (false, Some(_)) => Situation::Holiday,
        (false, None) => Situation::AfterHours,
    };
    // We placed this call: the business's "thanks for calling" greetings do not fit.
    let greeting_template = match (ctx.outbound, known_client) {
        (true, true) => "Hi {{caller_first_name}}, this is {{business_name}} calling.".into(),
        (true, false) => "Hello, this is {{business_name}} calling.".into(),
        (false, true) => match ctx.client.as_ref().map(|c| c.greeting.trim()) {
            Some(own) if situation == Situation::Open && !own.is_empty() => own.to_owned().into(),
            _ => greeting::template(situation, true, hours.next_open.is_some(), agent),
        },
        (false, false) => greeting::template(situation, false, hours.next_open.is_some(), agent),
    };
    let lookup = |name: &str| v.get(name).map(VarValue::to_text);
    let first_message = template::render(&greeting_template, lookup);
    let prompt = format!("{}{prompt}", template::render(persona.trim(), lookup));
    let voice_id = chosen_voice(agent.voice_id.as_deref(), voice_for_caller.as_deref());
    let voice = Some(Voice {
        voice_id,
        settings: agent.voice,
    });
    let language = Some(agent.language.clone()).filter(|l| !l.trim().is_empty());
    Personalization {
        first_message,
        prompt,
        language,
        voice,
        variables: v,
    }
}

fn project_phrase(p: &ProjectLine) -> String {
    let status = match p.status {
        ProjectStatus::Todo => "not started yet",
        ProjectStatus::InProgress => "in progress",
        ProjectStatus::Done => "done",
    };
    let label = template::sanitize(&p.provider_status);
    let mut s = format!("{}: {status}", template::sanitize(&p.name));
    if !label.is_empty() && !label.eq_ignore_ascii_case(status) {
        s.push_str(&format!(" ({label})"));
    }
    if let Some(due) = p.due_date {
        s.push_str(&format!(", due {}", due.format("%B %-d, %Y")));
    }
    s
}

fn format_hint(q: &Question) -> String {
    match q.format {
        ExpectedFormat::Text => "a short answer".into(),
        ExpectedFormat::Email => "an email address; spell it back to confirm".into(),
        ExpectedFormat::Phone => "a phone number with area code; read it back".into(),
        ExpectedFormat::Number => "a number".into(),
        ExpectedFormat::Date => "a date; confirm the day and month".into(),
        ExpectedFormat::YesNo => "yes or no".into(),
        ExpectedFormat::Choice => {
            let choices: Vec<String> = q.choices.iter().map(|c| template::sanitize(c)).collect();
            format!("one of: {}", choices.join(", "))
        }
    }
}

/// "today at 1:00 PM", "tomorrow at 9:00 AM", "Monday at 9:00 AM", or a date further out.
pub fn describe_instant(t: DateTime<Tz>, now: DateTime<Tz>) -> String {
    let days = (t.date_naive() - now.date_naive()).num_days();
    let time = t.format("%-I:%M %p");
    match days {
        0 => format!("today at {time}"),
        1 => format!("tomorrow at {time}"),
        2..=6 => format!("{} at {time}", t.format("%A")),
        _ => format!("{} at {time}", t.format("%A, %B %-d")),
    }
}
