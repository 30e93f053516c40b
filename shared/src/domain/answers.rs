//! Validating a caller's answer against its question's expected format. One place for the rule:
//! the post-call pipeline and the live qualification tool both use it. A failed check never drops
//! the answer: callers keep what was said, flagged with the reason.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ExpectedFormat;
use crate::phone::E164;

/// An answer as stored on a lead (`leads.answers[field_key]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// What the caller said (or what ElevenLabs extracted), as received.
    pub raw: String,
    /// The normalised form (E.164, ISO date, lower-case email, "yes"/"no", the matching choice)
    /// when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// `live` (recorded during the call by the qualification tool) or `data_collection` (ElevenLabs'
    /// post-call analysis).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Valid(String),
    Invalid(String),
}

/// Checks `raw` against `format`. `region` is the business's default region for phone numbers
/// given without a country code.
/// An email address, trimmed and lower-cased, if it is one (RFC 5322 by `email_address`, and a
/// domain with a dot: `sam@localhost` reaches nobody we could notify). Every address the platform
/// stores goes through here.
pub fn email(raw: &str) -> Option<String> {
    match raw
        .trim()
        .to_lowercase()
        .parse::<email_address::EmailAddress>()
    {
        Ok(e) if e.domain().contains('.') => Some(e.to_string()),
        _ => None,
    }
}

pub fn check(format: ExpectedFormat, raw: &str, choices: &[String], region: &str) -> Checked {
    let text = raw.trim();
    if text.is_empty() {
        return Checked::Invalid("no answer was given".into());
    }
    match format {
        ExpectedFormat::Text => Checked::Valid(text.to_owned()),
        // A transcribed address may carry spaces ("sam @ example.com").
        ExpectedFormat::Email => match email(&text.replace(' ', "")) {
            Some(e) => Checked::Valid(e),
            None => Checked::Invalid(format!("{text:?} is not an email address")),
        },
        ExpectedFormat::Phone => match E164::parse(text, region) {
            Ok(p) => Checked::Valid(p.as_str().to_owned()),
            Err(_) => Checked::Invalid(format!("{text:?} is not a phone number")),
        },
        ExpectedFormat::Number => {
            let cleaned: String = text
                .chars()
                .filter(|c| !matches!(c, ',' | '$' | ' '))
                .collect();
            match cleaned.parse::<f64>() {
                Ok(n) if n.is_finite() => Checked::Valid(trim_number(n)),
                _ => Checked::Invalid(format!("{text:?} is not a number")),
            }
        }
        ExpectedFormat::Date => match parse_date(text) {
            Some(d) => Checked::Valid(d.format("%Y-%m-%d").to_string()),
            None => Checked::Invalid(format!("{text:?} is not a date")),
        },
        ExpectedFormat::YesNo => {
            let lower = text.to_lowercase();
            let word = lower.trim_end_matches(['.', '!']);
            match word {
                "yes" | "y" | "yeah" | "yep" | "sure" | "correct" | "true" | "absolutely" => {
                    Checked::Valid("yes".into())
                }
                "no" | "n" | "nope" | "nah" | "false" | "not really" => Checked::Valid("no".into()),
                _ => Checked::Invalid(format!("{text:?} is not a yes or no")),
            }
        }
        ExpectedFormat::Choice => {
            let lower = text.to_lowercase();
            match choices.iter().find(|c| c.to_lowercase() == lower) {
                Some(c) => Checked::Valid(c.clone()),
                None => Checked::Invalid(format!("{text:?} is not one of: {}", choices.join(", "))),
            }
        }
    }
}

/// ISO (`2026-12-01`), US (`12/01/2026`) or long (`December 1, 2026`, `1 December 2026`) dates.
fn parse_date(text: &str) -> Option<NaiveDate> {
    const FORMATS: &[&str] = &[
        "%Y-%m-%d",
        "%m/%d/%Y",
        "%B %d, %Y",
        "%B %d %Y",
        "%d %B %Y",
        "%b %d, %Y",
        "%b %d %Y",
    ];
    let text = text.trim_end_matches('.');
    FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

fn trim_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The answer as text, whatever JSON type ElevenLabs' data collection produced.
pub fn raw_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Bool(true) => Some("yes".into()),
        serde_json::Value::Bool(false) => Some("no".into()),
        other => Some(other.to_string()),
    }
}

impl Answer {
    pub fn checked(
        format: ExpectedFormat,
        raw: &str,
        choices: &[String],
        region: &str,
        source: &str,
    ) -> Self {
        let (value, valid, problem) = match check(format, raw, choices, region) {
            Checked::Valid(v) => (Some(v), true, None),
            Checked::Invalid(why) => (None, false, Some(why)),
        };
        Self {
            raw: raw.trim().to_owned(),
            value,
            valid,
            problem,
            source: source.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(format: ExpectedFormat, raw: &str) -> String {
        match check(format, raw, &["Website".into(), "Branding".into()], "US") {
            Checked::Valid(v) => v,
            Checked::Invalid(why) => panic!("{raw:?} refused: {why}"),
        }
    }

    fn refused(format: ExpectedFormat, raw: &str) -> bool {
        matches!(
            check(format, raw, &["Website".into(), "Branding".into()], "US"),
            Checked::Invalid(_)
        )
    }

    #[test]
    fn normalises_valid_answers() {
        assert_eq!(
            ok(ExpectedFormat::Email, "Dana@Example.COM "),
            "dana@example.com"
        );
        assert_eq!(
            ok(ExpectedFormat::Email, "dana @ example.com"),
            "dana@example.com"
        );
        assert_eq!(ok(ExpectedFormat::Phone, "(415) 555-2671"), "+14155552671");
        assert_eq!(ok(ExpectedFormat::Number, "$12,500"), "12500");
        assert_eq!(ok(ExpectedFormat::Number, "2.5"), "2.5");
        assert_eq!(ok(ExpectedFormat::Date, "12/01/2026"), "2026-12-01");
        assert_eq!(ok(ExpectedFormat::Date, "December 1, 2026"), "2026-12-01");
        assert_eq!(ok(ExpectedFormat::YesNo, "Yeah."), "yes");
        assert_eq!(ok(ExpectedFormat::YesNo, "nope"), "no");
        assert_eq!(ok(ExpectedFormat::Choice, "branding"), "Branding");
        assert_eq!(ok(ExpectedFormat::Text, "  a logo  "), "a logo");
    }

    #[test]
    fn refuses_invalid_answers() {
        assert!(refused(ExpectedFormat::Email, "dana at example"));
        assert!(refused(ExpectedFormat::Email, "dana@localhost"));
        assert!(refused(ExpectedFormat::Phone, "call me maybe"));
        assert!(refused(ExpectedFormat::Number, "a few"));
        assert!(refused(ExpectedFormat::Number, "NaN"));
        assert!(refused(ExpectedFormat::Date, "next week"));
        assert!(refused(ExpectedFormat::YesNo, "perhaps"));
        assert!(refused(ExpectedFormat::Choice, "Photography"));
        assert!(refused(ExpectedFormat::Text, "   "));
    }

    #[test]
    fn an_invalid_answer_is_kept_and_flagged() {
        let a = Answer::checked(
            ExpectedFormat::Email,
            "dana at example",
            &[],
            "US",
            "data_collection",
        );
        assert_eq!(a.raw, "dana at example");
        assert!(!a.valid);
        assert!(a.value.is_none());
        assert!(a.problem.unwrap().contains("not an email"));
    }
}
