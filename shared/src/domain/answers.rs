//! Validating a caller's answer against its question's expected format. One place for the rule:
//! the post-call pipeline and the live qualification tool both use it. A failed check never drops
//! the answer: callers keep what was said, flagged with the reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ExpectedFormat;
use super::spoken::{self, AnswerContext, Range, Read};
use crate::phone::E164;

/// An answer as stored on a lead (`leads.answers[field_key]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Answer {
    /// What the caller said (or what ElevenLabs extracted), as received.
    pub raw: String,
    /// The normalised form (E.164, ISO date, lower-case email, "yes"/"no", the matching choice)
    /// when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Both ends, when the caller gave a range ("ten to fifteen thousand", "early March"); the
    /// value is then its midpoint (numbers) or first day not yet past (dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// `live` (recorded during the call by the qualification tool) or `data_collection` (ElevenLabs'
    /// post-call analysis).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Valid(Read),
    Invalid(String),
}

/// The problem of a value the caller rejected at its read-back ("no, that's not right"): kept,
/// flagged, and never brought back by the post-call extraction of the same words.
pub const REJECTED: &str = "the caller said it was not right";

/// Per choice, other words callers use for it ("Website": ["site", "online shop"]), configured
/// by the business on the question.
pub type ChoiceSynonyms = BTreeMap<String, Vec<String>>;

/// What a question expects of its answer.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub format: ExpectedFormat,
    pub choices: &'a [String],
    pub synonyms: &'a ChoiceSynonyms,
}

static NO_SYNONYMS: ChoiceSynonyms = ChoiceSynonyms::new();

impl Expected<'static> {
    /// A format with no choices (anything but `choice`).
    pub fn plain(format: ExpectedFormat) -> Self {
        Self {
            format,
            choices: &[],
            synonyms: &NO_SYNONYMS,
        }
    }
}

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

/// Checks `raw` against what the question expects, after reading it as spoken
/// (`super::spoken`): the value is what the caller said, in the form the lead stores.
pub fn check(expected: &Expected<'_>, raw: &str, ctx: &AnswerContext<'_>) -> Checked {
    let text = raw.trim();
    if text.is_empty() {
        return Checked::Invalid("no answer was given".into());
    }
    let valid = |v: String| Checked::Valid(Read::single(v));
    match expected.format {
        ExpectedFormat::Text => valid(text.to_owned()),
        ExpectedFormat::Email => match spoken::email::read(text).and_then(|e| email(&e)) {
            Some(e) => valid(e),
            None => Checked::Invalid(format!("{text:?} is not an email address")),
        },
        ExpectedFormat::Phone => {
            match spoken::phone::read(text).and_then(|p| E164::parse(&p, ctx.region).ok()) {
                Some(p) => valid(p.as_str().to_owned()),
                None => Checked::Invalid(format!("{text:?} is not a phone number")),
            }
        }
        ExpectedFormat::Number => match spoken::number::read(text, ctx.language) {
            Some(n) => Checked::Valid(n),
            None => Checked::Invalid(format!("{text:?} is not a number")),
        },
        ExpectedFormat::Date => match spoken::date::read(text, ctx) {
            Some(d) => Checked::Valid(d),
            None => Checked::Invalid(format!("{text:?} is not a date")),
        },
        ExpectedFormat::YesNo => match spoken::yes_no::read(text) {
            Some(yes) => valid(if yes { "yes" } else { "no" }.into()),
            None => Checked::Invalid(format!("{text:?} is not a yes or no")),
        },
        ExpectedFormat::Choice => {
            match spoken::choice::read(text, expected.choices, expected.synonyms, ctx.language) {
                Some(c) => valid(c.clone()),
                None => Checked::Invalid(format!(
                    "{text:?} is not one of: {}",
                    expected.choices.join(", ")
                )),
            }
        }
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
        expected: &Expected<'_>,
        raw: &str,
        ctx: &AnswerContext<'_>,
        source: &str,
    ) -> Self {
        let (value, range, valid, problem) = match check(expected, raw, ctx) {
            Checked::Valid(read) => (Some(read.value), read.range, true, None),
            Checked::Invalid(why) => (None, None, false, Some(why)),
        };
        Self {
            raw: raw.trim().to_owned(),
            value,
            range,
            valid,
            problem,
            source: source.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    const CHOICES: &[&str] = &["Website", "Branding"];

    fn run(format: ExpectedFormat, raw: &str) -> Checked {
        let choices: Vec<String> = CHOICES.iter().map(|c| c.to_string()).collect();
        let synonyms = ChoiceSynonyms::new();
        let expected = Expected {
            format,
            choices: &choices,
            synonyms: &synonyms,
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        check(&expected, raw, &AnswerContext::new("US", today, "en"))
    }

    fn ok(format: ExpectedFormat, raw: &str) -> String {
        match run(format, raw) {
            Checked::Valid(v) => v.value,
            Checked::Invalid(why) => panic!("{raw:?} refused: {why}"),
        }
    }

    fn refused(format: ExpectedFormat, raw: &str) -> bool {
        matches!(run(format, raw), Checked::Invalid(_))
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
        assert_eq!(
            ok(ExpectedFormat::Email, "sam at rivera studio dot com"),
            "sam@riverastudio.com"
        );
        assert_eq!(ok(ExpectedFormat::Phone, "(415) 555-2671"), "+14155552671");
        assert_eq!(
            ok(
                ExpectedFormat::Phone,
                "four one five, five five five, two six seven one"
            ),
            "+14155552671"
        );
        assert_eq!(ok(ExpectedFormat::Number, "$12,500"), "12500");
        assert_eq!(ok(ExpectedFormat::Number, "2.5"), "2.5");
        assert_eq!(ok(ExpectedFormat::Number, "about eight thousand"), "8000");
        assert_eq!(ok(ExpectedFormat::Date, "12/01/2026"), "2026-12-01");
        assert_eq!(ok(ExpectedFormat::Date, "December 1, 2026"), "2026-12-01");
        assert_eq!(ok(ExpectedFormat::Date, "next Monday"), "2026-12-07");
        assert_eq!(ok(ExpectedFormat::YesNo, "Yeah."), "yes");
        assert_eq!(ok(ExpectedFormat::YesNo, "nope"), "no");
        assert_eq!(ok(ExpectedFormat::YesNo, "yeah, that works"), "yes");
        assert_eq!(ok(ExpectedFormat::Choice, "branding"), "Branding");
        assert_eq!(ok(ExpectedFormat::Choice, "the website one"), "Website");
        assert_eq!(ok(ExpectedFormat::Text, "  a logo  "), "a logo");
    }

    #[test]
    fn refuses_invalid_answers() {
        assert!(refused(ExpectedFormat::Email, "dana at example"));
        assert!(refused(ExpectedFormat::Email, "dana@localhost"));
        assert!(refused(ExpectedFormat::Phone, "call me maybe"));
        assert!(refused(ExpectedFormat::Number, "a few"));
        assert!(refused(ExpectedFormat::Number, "NaN"));
        assert!(refused(ExpectedFormat::Date, "whenever suits"));
        assert!(refused(ExpectedFormat::YesNo, "perhaps"));
        assert!(refused(ExpectedFormat::Choice, "Photography"));
        assert!(refused(ExpectedFormat::Choice, "website and branding"));
        assert!(refused(ExpectedFormat::Text, "   "));
    }

    #[test]
    fn an_invalid_answer_is_kept_and_flagged() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let a = Answer::checked(
            &Expected::plain(ExpectedFormat::Email),
            "dana at example",
            &AnswerContext::new("US", today, "en"),
            "data_collection",
        );
        assert_eq!(a.raw, "dana at example");
        assert!(!a.valid);
        assert!(a.value.is_none());
        assert!(a.problem.unwrap().contains("not an email"));
    }
}
