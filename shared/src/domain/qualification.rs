//! Live qualification of a new caller: a state machine over the business's ordered questions.
//! Each step takes the caller's answer to the question asked last (none on the first step), checks
//! it against the question's expected format, and says what to do next: ask again with the reason,
//! ask the next question, or close. Plain data in, plain data out, so the state survives in any
//! store between steps (a Lambda cold start mid-call loses nothing).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::answers::{Answer, Checked, check};
use super::urgency::{self, Urgency, UrgencyKeyword};
use super::{ExpectedFormat, Priority};

/// A question is asked at most this many times in all (the first ask and two re-asks); after that
/// the answer is kept as given, flagged invalid, and the call moves on rather than looping.
pub const MAX_ASKS: u32 = 3;
/// With this many questions or more, each ask says where the caller is ("3 of 5").
pub const PROGRESS_FROM: usize = 4;
/// Where answers recorded by this state machine come from (`Answer.source`).
pub const LIVE_SOURCE: &str = "live";

/// A qualification question as configured by the business, in its order.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Question {
    pub question: String,
    pub field_key: String,
    pub format: ExpectedFormat,
    pub choices: Vec<String>,
    pub required: bool,
}

/// What one call has answered so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The question awaiting an answer (by field key, so an edit of the list mid-call is harmless).
    pub current: Option<String>,
    /// How many times the current question has been asked.
    pub asks: u32,
    pub answers: BTreeMap<String, Answer>,
    /// Optional questions the caller declined.
    pub skipped: BTreeSet<String>,
    pub priority: Priority,
    pub urgency_reasons: Vec<String>,
    /// An urgent matter was reported to the agent already (it is reported once).
    pub escalation_reported: bool,
    pub completed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reply {
    /// Ask this question (`reason` set when it is a re-ask).
    Ask {
        /// Configuration, not something to say: never in the tool's answer.
        #[serde(skip_serializing)]
        field_key: String,
        question: String,
        /// "3 of 5", when there are many questions.
        #[serde(skip_serializing_if = "Option::is_none")]
        progress: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The sentence for the agent to say.
        say: String,
    },
    Complete {
        say: String,
    },
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub reply: Reply,
    /// Set when this answer revealed an urgent matter (first time only): the agent should escalate.
    pub escalate: Option<String>,
    /// An answer was recorded in this step (the lead should be updated).
    pub recorded: bool,
}

/// Words with which a caller declines an optional question.
const DECLINES: &[&str] = &[
    "skip",
    "pass",
    "no thanks",
    "rather not say",
    "i'd rather not say",
    "i'd rather not",
    "prefer not to say",
    "i prefer not to say",
    "no comment",
    "not sure",
    "i don't know",
    "don't know",
];

/// Advances `progress` by one answer. `region` reads phone numbers without a country code.
pub fn step(
    progress: &mut Progress,
    questions: &[Question],
    answer: Option<&str>,
    keywords: &[UrgencyKeyword],
    region: &str,
) -> Step {
    let mut recorded = false;
    let mut reason = None;
    let answer = answer.map(str::trim).filter(|a| !a.is_empty());
    let mut urgency = Urgency {
        priority: progress.priority,
        reasons: progress.urgency_reasons.clone(),
    };
    let mut urgent_now = None;
    if let Some(text) = answer {
        for (priority, why) in urgency::scan(keywords, [text]) {
            if priority == Priority::Urgent && urgent_now.is_none() {
                urgent_now = Some(why.clone());
            }
            urgency.raise(priority, why);
        }
    }
    progress.priority = urgency.priority;
    progress.urgency_reasons = urgency.reasons;

    let current = progress
        .current
        .as_deref()
        .and_then(|key| questions.iter().find(|q| q.field_key == key));
    if let (Some(q), Some(text)) = (current, answer) {
        let declined = !q.required && DECLINES.contains(&normalise_words(text).as_str());
        if declined {
            progress.skipped.insert(q.field_key.clone());
            progress.current = None;
        } else {
            match check(q.format, text, &q.choices, region) {
                Checked::Valid(_) => {
                    record(progress, q, text, region);
                    recorded = true;
                }
                Checked::Invalid(why) if progress.asks < MAX_ASKS => reason = Some(why),
                Checked::Invalid(_) => {
                    // Out of attempts: keep what was said, flagged, and go on.
                    record(progress, q, text, region);
                    recorded = true;
                }
            }
        }
    }

    let escalate = match urgent_now {
        Some(why) if !progress.escalation_reported => {
            progress.escalation_reported = true;
            Some(why)
        }
        _ => None,
    };

    if let (Some(q), Some(why)) = (current.filter(|_| reason.is_some()), reason) {
        progress.asks += 1;
        let hint = format_request(q);
        return Step {
            reply: Reply::Ask {
                field_key: q.field_key.clone(),
                question: q.question.clone(),
                progress: position(questions, q),
                say: format!(
                    "Sorry, I didn't quite get that: {why}. {hint} {}",
                    q.question
                ),
                reason: Some(why),
            },
            escalate,
            recorded,
        };
    }

    let next = questions.iter().find(|q| {
        !progress.answers.contains_key(&q.field_key) && !progress.skipped.contains(&q.field_key)
    });
    match next {
        Some(q) => {
            let first = progress.answers.is_empty() && progress.skipped.is_empty();
            // Asked again without an answer (the agent repeating itself) is not a new attempt.
            if progress.current.as_deref() != Some(q.field_key.as_str()) {
                progress.current = Some(q.field_key.clone());
                progress.asks = 1;
            }
            progress.completed = false;
            let lead_in = match (first, position(questions, q)) {
                (true, _) => String::new(),
                (false, Some(p)) => format!("Thanks. Question {p}: "),
                (false, None) => "Thanks. Next: ".into(),
            };
            Step {
                reply: Reply::Ask {
                    field_key: q.field_key.clone(),
                    question: q.question.clone(),
                    progress: position(questions, q),
                    reason: None,
                    say: format!("{lead_in}{}", q.question),
                },
                escalate,
                recorded,
            }
        }
        None => {
            progress.current = None;
            progress.asks = 0;
            progress.completed = true;
            Step {
                reply: Reply::Complete {
                    say: if questions.is_empty() {
                        "There are no questions to go through. Ask how the team can help.".into()
                    } else {
                        "Thank you, that's everything I need. The team will follow up with you shortly.".into()
                    },
                },
                escalate,
                recorded,
            }
        }
    }
}

fn record(progress: &mut Progress, q: &Question, text: &str, region: &str) {
    progress.answers.insert(
        q.field_key.clone(),
        Answer::checked(q.format, text, &q.choices, region, LIVE_SOURCE),
    );
    progress.current = None;
    progress.asks = 0;
}

/// "3 of 5", when the list is long enough for it to help.
fn position(questions: &[Question], q: &Question) -> Option<String> {
    if questions.len() < PROGRESS_FROM {
        return None;
    }
    let index = questions.iter().position(|x| x.field_key == q.field_key)?;
    Some(format!("{} of {}", index + 1, questions.len()))
}

/// How to ask again for the expected form of answer.
fn format_request(q: &Question) -> String {
    match q.format {
        ExpectedFormat::Text => "Could you tell me in a few words?".into(),
        ExpectedFormat::Email => "Could you spell the email address, letter by letter?".into(),
        ExpectedFormat::Phone => "Could you give me the number with its area code?".into(),
        ExpectedFormat::Number => "Could you give me that as a number?".into(),
        ExpectedFormat::Date => "Could you give me the day, month and year?".into(),
        ExpectedFormat::YesNo => "Is that a yes or a no?".into(),
        ExpectedFormat::Choice => format!("The options are: {}.", q.choices.join(", ")),
    }
}

fn normalise_words(text: &str) -> String {
    text.to_lowercase()
        .replace('’', "'")
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(key: &str, format: ExpectedFormat, required: bool) -> Question {
        Question {
            question: format!("What is your {key}?"),
            field_key: key.into(),
            format,
            choices: if format == ExpectedFormat::Choice {
                vec!["Website".into(), "Branding".into()]
            } else {
                vec![]
            },
            required,
        }
    }

    fn all_formats() -> Vec<Question> {
        vec![
            q("name", ExpectedFormat::Text, true),
            q("email", ExpectedFormat::Email, true),
            q("phone", ExpectedFormat::Phone, true),
            q("budget", ExpectedFormat::Number, false),
            q("start", ExpectedFormat::Date, true),
            q("existing_site", ExpectedFormat::YesNo, true),
            q("service", ExpectedFormat::Choice, true),
        ]
    }

    fn go(p: &mut Progress, qs: &[Question], answer: Option<&str>) -> Step {
        step(p, qs, answer, &[], "US")
    }

    fn asked(s: &Step) -> (&str, Option<&str>) {
        match &s.reply {
            Reply::Ask {
                field_key, reason, ..
            } => (field_key.as_str(), reason.as_deref()),
            Reply::Complete { .. } => panic!("completed early: {s:?}"),
        }
    }

    #[test]
    fn walks_every_format_to_completion_with_normalised_answers() {
        let qs = all_formats();
        let mut p = Progress::default();
        let first = go(&mut p, &qs, None);
        assert_eq!(asked(&first), ("name", None));
        assert!(matches!(&first.reply, Reply::Ask { say, progress, .. }
            if say == "What is your name?" && progress.as_deref() == Some("1 of 7")));
        for (answer, next) in [
            ("Dana Reyes", "email"),
            ("Dana @ Example.com", "phone"),
            ("(415) 555-2671", "budget"),
            ("$12,500", "start"),
            ("December 1, 2026", "existing_site"),
            ("Yeah.", "service"),
        ] {
            let s = go(&mut p, &qs, Some(answer));
            assert!(s.recorded);
            assert_eq!(asked(&s), (next, None), "after {answer:?}");
        }
        let done = go(&mut p, &qs, Some("branding"));
        assert!(matches!(done.reply, Reply::Complete { .. }));
        assert!(p.completed);
        let values: Vec<(&str, &str)> = p
            .answers
            .iter()
            .map(|(k, a)| (k.as_str(), a.value.as_deref().unwrap()))
            .collect();
        assert_eq!(
            values,
            vec![
                ("budget", "12500"),
                ("email", "dana@example.com"),
                ("existing_site", "yes"),
                ("name", "Dana Reyes"),
                ("phone", "+14155552671"),
                ("service", "Branding"),
                ("start", "2026-12-01"),
            ]
        );
        assert!(p.answers.values().all(|a| a.valid && a.source == "live"));
    }

    #[test]
    fn every_format_refuses_a_wrong_answer_with_the_reason() {
        for (question, bad) in [
            (q("email", ExpectedFormat::Email, true), "dana at example"),
            (q("phone", ExpectedFormat::Phone, true), "call me maybe"),
            (q("budget", ExpectedFormat::Number, true), "a few"),
            (q("start", ExpectedFormat::Date, true), "next week"),
            (q("site", ExpectedFormat::YesNo, true), "perhaps"),
            (q("service", ExpectedFormat::Choice, true), "Photography"),
        ] {
            let qs = vec![question.clone()];
            let mut p = Progress::default();
            go(&mut p, &qs, None);
            let s = go(&mut p, &qs, Some(bad));
            let (key, reason) = asked(&s);
            assert_eq!(key, question.field_key);
            assert!(reason.unwrap().contains(bad), "{reason:?}");
            assert!(!s.recorded);
            assert!(p.answers.is_empty());
        }
    }

    #[test]
    fn re_asks_are_limited_and_the_last_answer_is_kept_flagged() {
        let qs = vec![
            q("email", ExpectedFormat::Email, true),
            q("name", ExpectedFormat::Text, true),
        ];
        let mut p = Progress::default();
        go(&mut p, &qs, None);
        assert_eq!(asked(&go(&mut p, &qs, Some("nope"))).0, "email");
        assert_eq!(asked(&go(&mut p, &qs, Some("still no"))).0, "email");
        assert_eq!(p.asks, MAX_ASKS);
        let moved_on = go(&mut p, &qs, Some("dana at example"));
        assert_eq!(asked(&moved_on), ("name", None));
        let kept = &p.answers["email"];
        assert!(!kept.valid && kept.raw == "dana at example" && kept.problem.is_some());
    }

    #[test]
    fn optional_questions_can_be_declined_but_required_ones_cannot() {
        let qs = vec![
            q("budget", ExpectedFormat::Number, false),
            q("email", ExpectedFormat::Email, true),
        ];
        let mut p = Progress::default();
        go(&mut p, &qs, None);
        let s = go(&mut p, &qs, Some("I'd rather not say."));
        assert_eq!(asked(&s), ("email", None));
        assert!(p.skipped.contains("budget"));
        let s = go(&mut p, &qs, Some("skip"));
        assert_eq!(asked(&s).0, "email");
        assert!(asked(&s).1.is_some(), "a required question is asked again");
    }

    #[test]
    fn urgency_is_detected_at_any_step_and_reported_once() {
        let qs = vec![
            q("name", ExpectedFormat::Text, true),
            q("need", ExpectedFormat::Text, true),
            q("email", ExpectedFormat::Email, true),
        ];
        let keywords = [
            UrgencyKeyword {
                phrase: "site is down".into(),
                severity: Priority::Urgent,
            },
            UrgencyKeyword {
                phrase: "deadline".into(),
                severity: Priority::High,
            },
        ];
        let mut p = Progress::default();
        step(&mut p, &qs, None, &keywords, "US");
        let s = step(&mut p, &qs, Some("Dana, tight deadline"), &keywords, "US");
        assert_eq!(s.escalate, None, "high is not urgent");
        assert_eq!(p.priority, Priority::High);
        let s = step(&mut p, &qs, Some("Our site is down!"), &keywords, "US");
        assert_eq!(
            s.escalate.as_deref(),
            Some("caller mentioned \"site is down\"")
        );
        assert_eq!(p.priority, Priority::Urgent);
        // An invalid answer is scanned too, and a repeat is not reported again.
        let s = step(
            &mut p,
            &qs,
            Some("the site is down, no email"),
            &keywords,
            "US",
        );
        assert_eq!(s.escalate, None);
        assert_eq!(asked(&s).0, "email");
        assert_eq!(p.urgency_reasons.len(), 2);
    }

    #[test]
    fn resumes_from_serialised_state() {
        let qs = all_formats();
        let mut p = Progress::default();
        go(&mut p, &qs, None);
        go(&mut p, &qs, Some("Dana"));
        // A new process picks up the stored state.
        let stored = serde_json::to_string(&p).unwrap();
        let mut resumed: Progress = serde_json::from_str(&stored).unwrap();
        assert_eq!(resumed, p);
        let s = go(&mut resumed, &qs, Some("dana@example.com"));
        assert_eq!(asked(&s), ("phone", None));
        assert!(
            matches!(&s.reply, Reply::Ask { say, .. } if say.starts_with("Thanks. Question 3 of 7"))
        );
    }

    #[test]
    fn no_questions_completes_at_once_and_answers_after_completion_change_nothing() {
        let mut p = Progress::default();
        assert!(matches!(
            go(&mut p, &[], None).reply,
            Reply::Complete { .. }
        ));
        let qs = vec![q("name", ExpectedFormat::Text, true)];
        let mut p = Progress::default();
        go(&mut p, &qs, None);
        go(&mut p, &qs, Some("Dana"));
        let again = go(&mut p, &qs, Some("something else"));
        assert!(matches!(again.reply, Reply::Complete { .. }));
        assert_eq!(p.answers["name"].raw, "Dana");
    }
}
