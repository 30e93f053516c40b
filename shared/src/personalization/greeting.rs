//! The first thing a caller hears, per situation: open, after hours or a holiday closure, for a
//! new caller or a known client. A known client is greeted by name in every situation; the
//! business may write its own template for each (`agent_configs.*_message`), and an empty one
//! falls back as `template` says.

use std::borrow::Cow;

use crate::domain::agent::AgentSettings;

/// When the call starts, as far as the greeting is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Situation {
    Open,
    AfterHours,
    /// Closed today for a named holiday.
    Holiday,
}

/// The built-in templates. Closed greetings say when the office opens again only when it will
/// (hours with no opening at all leave `next_opening` unknown).
const NEW_OPEN: &str = "Thank you for calling {{business_name}}. How can I help you today?";
const CLIENT_OPEN: &str =
    "Hi {{caller_first_name}}, thanks for calling {{business_name}}. How can I help you today?";
const NEW_CLOSED: &str = "Thank you for calling {{business_name}}. We're closed right now and open again {{next_opening}}, but I can take a message for the team. How can I help?";
const CLIENT_CLOSED: &str = "Hi {{caller_first_name}}, thanks for calling {{business_name}}. We're closed right now and open again {{next_opening}}, but I can take a message for the team. How can I help?";
const NEW_HOLIDAY: &str = "Thank you for calling {{business_name}}. We're closed today for {{holiday_name}} and open again {{next_opening}}, but I can take a message for the team. How can I help?";
const CLIENT_HOLIDAY: &str = "Hi {{caller_first_name}}, thanks for calling {{business_name}}. We're closed today for {{holiday_name}} and open again {{next_opening}}, but I can take a message for the team. How can I help?";
const NEW_CLOSED_NO_OPENING: &str = "Thank you for calling {{business_name}}. We're closed right now, but I can take a message for the team. How can I help?";
const CLIENT_CLOSED_NO_OPENING: &str = "Hi {{caller_first_name}}, thanks for calling {{business_name}}. We're closed right now, but I can take a message for the team. How can I help?";

/// The greeting template for this situation and caller: the business's own for it, else (on a
/// holiday) its after-hours one for the same kind of caller; for a known client when closed, the
/// business's new-caller words for the situation after a greeting by name (so what a business
/// wrote for after hours still reaches its clients); else ours.
pub fn template(
    situation: Situation,
    known_client: bool,
    reopens: bool,
    agent: &AgentSettings,
) -> Cow<'_, str> {
    let own: &[&String] = match (situation, known_client) {
        (Situation::Open, false) => &[&agent.welcome_message],
        (Situation::Open, true) => &[&agent.client_welcome_message],
        (Situation::AfterHours, false) => &[&agent.after_hours_message],
        (Situation::AfterHours, true) => &[&agent.client_after_hours_message],
        (Situation::Holiday, false) => &[&agent.holiday_message, &agent.after_hours_message],
        (Situation::Holiday, true) => &[
            &agent.client_holiday_message,
            &agent.client_after_hours_message,
        ],
    };
    // The business's own template, unless it promises an opening there is none of ("we're back
    // {{next_opening}}" with no hours ahead would say "back unknown").
    let fits = |t: &&&String| !t.trim().is_empty() && (reopens || !t.contains("{{next_opening}}"));
    if let Some(t) = own.iter().find(fits) {
        return Cow::Borrowed(t.as_str());
    }
    // Only in English: our "Hi" before a business's own words in another language would jar.
    let english = agent.language.is_empty() || agent.language.starts_with("en");
    if known_client && situation != Situation::Open && english {
        let theirs: &[&String] = match situation {
            Situation::Holiday => &[&agent.holiday_message, &agent.after_hours_message],
            _ => &[&agent.after_hours_message],
        };
        if let Some(t) = theirs.iter().find(fits) {
            return Cow::Owned(format!("Hi {{{{caller_first_name}}}}. {}", t.trim()));
        }
    }
    Cow::Borrowed(match (situation, known_client, reopens) {
        (Situation::Open, false, _) => NEW_OPEN,
        (Situation::Open, true, _) => CLIENT_OPEN,
        (_, false, false) => NEW_CLOSED_NO_OPENING,
        (_, true, false) => CLIENT_CLOSED_NO_OPENING,
        (Situation::AfterHours, false, true) => NEW_CLOSED,
        (Situation::AfterHours, true, true) => CLIENT_CLOSED,
        (Situation::Holiday, false, true) => NEW_HOLIDAY,
        (Situation::Holiday, true, true) => CLIENT_HOLIDAY,
    })
}

/// The name a receptionist greets a client by: the first word of their name, or the whole name
/// when it starts with a title ("Dr. Lee" stays "Dr. Lee").
pub fn first_name(full: &str) -> &str {
    let full = full.trim();
    let first = full.split_whitespace().next().unwrap_or(full);
    let title = first.ends_with('.')
        || ["mr", "mrs", "ms", "miss", "dr", "prof"].contains(&first.to_lowercase().as_str());
    if title { full } else { first }
}

#[cfg(test)]
mod tests {
    use super::first_name;

    #[test]
    fn first_names() {
        assert_eq!(first_name("Dana Reyes"), "Dana");
        assert_eq!(first_name("  Dana  "), "Dana");
        assert_eq!(first_name("Dr. Lee"), "Dr. Lee");
        assert_eq!(first_name("Mrs Patel"), "Mrs Patel");
        assert_eq!(first_name(""), "");
    }
}
