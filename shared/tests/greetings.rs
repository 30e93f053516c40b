//! Goldens of the first thing a caller hears, for every situation (open, after hours, a holiday,
//! closed with no opening ahead) and every caller (new, a known client, a known client the
//! business does not greet before verification, outbound), with the built-in templates and with
//! the business's own. The golden is `fixtures/greetings.golden`; after an intended change,
//! regenerate it with `UPDATE_GOLDEN=1 cargo test -p shared --test greetings` and read the diff.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use shared::domain::BusinessHours;
use shared::domain::agent::AgentSettings;
use shared::domain::catalog::CallerAccess;
use shared::personalization::{BusinessConfig, CallContext, KnownClient, personalize};
use shared::phone::E164;

const GOLDEN: &str = "tests/fixtures/greetings.golden";

fn business(agent: AgentSettings, hours: serde_json::Value) -> Arc<BusinessConfig> {
    Arc::new(BusinessConfig {
        business_name: "Aurora Branding".into(),
        timezone: "America/Los_Angeles".parse().unwrap(),
        hours: BusinessHours::from_stored(hours),
        transfer_numbers: 1,
        agent,
        questions: vec![],
    })
}

fn weekdays() -> serde_json::Value {
    let day = json!([{"open": "09:00", "close": "17:00"}]);
    json!({
        "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day},
        "holidays": [{"date": "2026-11-26", "name": "Thanksgiving"}]
    })
}

fn own_templates(access: CallerAccess) -> AgentSettings {
    AgentSettings {
        welcome_message: "Aurora Branding, this is Ava. What can I do for you?".into(),
        client_welcome_message: "Welcome back, {{caller_name}}! Ava here.".into(),
        after_hours_message: "You've reached Aurora after hours; we're back {{next_opening}}."
            .into(),
        client_after_hours_message:
            "Hi {{caller_name}}, Ava here. We're closed, back {{next_opening}}.".into(),
        holiday_message: "Happy {{holiday_name}} from Aurora! We're closed today.".into(),
        client_holiday_message: "Happy {{holiday_name}}, {{caller_name}}! We're closed today."
            .into(),
        unverified_caller_access: access,
        ..AgentSettings::default()
    }
}

/// A business that wrote only its new callers' greetings (the templates before per-situation
/// ones existed).
fn new_caller_templates_only(access: CallerAccess) -> AgentSettings {
    AgentSettings {
        welcome_message: "Aurora Branding, this is Ava. What can I do for you?".into(),
        after_hours_message: "You've reached Aurora after hours; we're back {{next_opening}}."
            .into(),
        unverified_caller_access: access,
        ..AgentSettings::default()
    }
}

fn builtin(access: CallerAccess) -> AgentSettings {
    AgentSettings {
        unverified_caller_access: access,
        ..AgentSettings::default()
    }
}

fn dana() -> KnownClient {
    KnownClient {
        name: "Dana Reyes".into(),
        company: Some("Reyes Design".into()),
        greeting: String::new(),
        projects: vec![],
    }
}

#[test]
fn greetings_for_every_situation_and_caller_match_the_golden() {
    let situations: [(&str, DateTime<Utc>, serde_json::Value); 4] = [
        // Tuesday 2026-11-24 10:00 in Los Angeles.
        (
            "open",
            Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap(),
            weekdays(),
        ),
        // Tuesday 19:00.
        (
            "after hours",
            Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap(),
            weekdays(),
        ),
        // Thanksgiving 10:00.
        (
            "holiday",
            Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap(),
            weekdays(),
        ),
        // No opening hours at all: closed with nothing to promise.
        (
            "never open",
            Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap(),
            json!({"weekly": {}}),
        ),
    ];
    let caller = E164::parse("+14155552671", "US").unwrap();
    let mut out = String::new();
    for (templates, agent_for) in [
        ("built-in", builtin as fn(CallerAccess) -> AgentSettings),
        ("own", own_templates),
        ("new callers' only", new_caller_templates_only),
    ] {
        for (situation, now, hours) in &situations {
            let callers: [(&str, Option<KnownClient>, CallerAccess, bool); 5] = [
                ("new caller", None, CallerAccess::Name, false),
                ("known client", Some(dana()), CallerAccess::Name, false),
                (
                    "unverified client, anonymous",
                    Some(dana()),
                    CallerAccess::Anonymous,
                    false,
                ),
                ("outbound, new", None, CallerAccess::Name, true),
                ("outbound, client", Some(dana()), CallerAccess::Name, true),
            ];
            for (who, client, access, outbound) in callers {
                let ctx = CallContext {
                    business: business(agent_for(access), hours.clone()),
                    client,
                    outbound,
                };
                let first = personalize(&ctx, Some(&caller), *now).first_message;
                out.push_str(&format!("[{templates} | {situation} | {who}]\n{first}\n\n"));
            }
        }
    }
    let path = format!("{}/{GOLDEN}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &out).unwrap();
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}; create it with UPDATE_GOLDEN=1"));
    assert_eq!(
        out, golden,
        "greetings changed; if intended, UPDATE_GOLDEN=1 and review the diff"
    );
    // The rule the goldens show: a known client is greeted by name in every situation.
    for block in out.split("\n\n").filter(|b| b.contains("| known client]")) {
        assert!(block.contains("Dana"), "{block}");
    }
}
