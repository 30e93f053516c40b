//! Live qualification of a new caller: a state machine over the business's ordered questions.
//! Each step takes the caller's answer to the question asked last (none on the first step), checks
//! it against the question's expected format, and says what to do next: ask again with the reason,
//! ask the next question, or close. Plain data in, plain data out, so the state survives in any
//! store between steps (a Lambda cold start mid-call loses nothing).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::answers::{Answer, Checked, ChoiceSynonyms, Expected, check};
use super::read_back::{self, Confirmation};
use super::spoken::AnswerContext;
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
    /// Other words callers use for each choice.
    #[serde(default)]
    pub choice_synonyms: ChoiceSynonyms,
    pub required: bool,
}

impl Question {
    pub fn expected(&self) -> Expected<'_> {
        Expected {
            format: self.format,
            choices: &self.choices,
            synonyms: &self.choice_synonyms,
        }
    }
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
    /// The answer just read back (by field key), awaiting the caller's yes, no or correction.
    #[serde(default)]
    pub confirming: Option<String>,
    /// How many times the current question's answer was read back: a caller who keeps saying
    /// "no" is asked at most `MAX_ASKS` times, then the last value stands.
    #[serde(default)]
    pub read_backs: u32,
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
    /// Read the recorded value back and wait for the caller's yes, no or correction.
    Confirm {
        #[serde(skip_serializing)]
        field_key: String,
        say: String,
    },
    Complete {
        say: String,
    },
}

/// An answer recorded in a step: the normalised value when it checked, else the words as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub field_key: String,
    pub value: String,
    pub valid: bool,
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub reply: Reply,
    /// Set when this answer revealed an urgent matter (first time only): the agent should escalate.
    pub escalate: Option<String>,
    /// The answer recorded in this step, if any (the lead should be updated).
    pub recorded: Option<Recorded>,
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

/// Advances `progress` by one answer. `ctx` reads the answer as spoken (the business's region
/// for phone numbers, today in its time zone for dates, the agent's language for number words).
pub fn step(
    progress: &mut Progress,
    questions: &[Question],
    answer: Option<&str>,
    keywords: &[UrgencyKeyword],
    ctx: &AnswerContext<'_>,
) -> Step {
    let answer = answer.map(str::trim).filter(|a| !a.is_empty());
    let escalate = scan_urgency(progress, answer, keywords);
    let mut recorded = None;
    let mut reason = None;

    let confirming = progress
        .confirming
        .as_deref()
        .and_then(|key| questions.iter().find(|q| q.field_key == key));
    if progress.confirming.is_some() && confirming.is_none() {
        // The question was removed mid-call: nothing left to confirm.
        progress.confirming = None;
    }
    let current = progress
        .current
        .as_deref()
        .and_then(|key| questions.iter().find(|q| q.field_key == key));
    match (confirming, current, answer) {
        (Some(q), _, Some(text)) => {
            let previous = progress.answers.get(&q.field_key).cloned();
            let outcome = previous.as_ref().map_or(Confirmation::Confirmed, |p| {
                read_back::confirmation(&q.expected(), p, text, ctx, LIVE_SOURCE)
            });
            match outcome {
                Confirmation::Confirmed => progress.confirming = None,
                Confirmation::Corrected(answer) => {
                    recorded = Some(noted(q, &answer));
                    progress.answers.insert(q.field_key.clone(), answer);
                    if progress.read_backs < MAX_ASKS {
                        progress.read_backs += 1;
                        progress.asks = 1;
                        let lead_in = "Thanks for the correction.";
                        return read_back_step(progress, q, ctx, escalate, recorded, lead_in);
                    }
                    progress.confirming = None;
                }
                Confirmation::Denied => {
                    // Asked afresh: the next answer replaces the recorded one. Until then the
                    // value the caller rejected is kept but no longer counts (no lead column, no
                    // win over the post-call extraction, listed as unanswered).
                    if let Some(rejected) = progress.answers.get_mut(&q.field_key) {
                        rejected.valid = false;
                        rejected.problem = Some(super::answers::REJECTED.into());
                        recorded = Some(noted(q, rejected));
                    }
                    progress.confirming = None;
                    progress.current = Some(q.field_key.clone());
                    progress.asks = 1;
                    return Step {
                        reply: Reply::Ask {
                            field_key: q.field_key.clone(),
                            question: q.question.clone(),
                            progress: position(questions, q),
                            reason: Some(super::answers::REJECTED.into()),
                            say: format!("Sorry about that. {} {}", format_request(q), q.question),
                        },
                        escalate,
                        recorded,
                    };
                }
                Confirmation::Unclear if progress.asks < MAX_ASKS => {
                    progress.asks += 1;
                    let lead_in = "Sorry, just to check:";
                    return read_back_step(progress, q, ctx, escalate, recorded, lead_in);
                }
                // Asked enough: the value stands as recorded.
                Confirmation::Unclear => progress.confirming = None,
            }
        }
        (None, Some(q), Some(text)) => {
            let declined = !q.required && DECLINES.contains(&normalise_words(text).as_str());
            if declined {
                progress.skipped.insert(q.field_key.clone());
                progress.current = None;
            } else {
                match check(&q.expected(), text, ctx) {
                    Checked::Invalid(why) if progress.asks < MAX_ASKS => reason = Some(why),
                    // Valid, or out of attempts: keep what was said (flagged when invalid), go on.
                    _ => {
                        let answer = Answer::checked(&q.expected(), text, ctx, LIVE_SOURCE);
                        let valid = answer.valid;
                        recorded = Some(noted(q, &answer));
                        progress.answers.insert(q.field_key.clone(), answer);
                        progress.current = None;
                        progress.asks = 0;
                        if valid && read_back::confirms(q.format) && progress.read_backs < MAX_ASKS
                        {
                            progress.confirming = Some(q.field_key.clone());
                            progress.read_backs += 1;
                            progress.asks = 1;
                            return read_back_step(progress, q, ctx, escalate, recorded, "Thanks.");
                        }
                    }
                }
            }
        }
        _ => {}
    }

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
    if let Some(q) = confirming.filter(|_| progress.confirming.is_some()) {
        // Called again without the caller's reply: the read-back still waits.
        return read_back_step(progress, q, ctx, escalate, recorded, "");
    }

    if progress.current.is_none() {
        progress.read_backs = 0;
    }
    // The question awaiting an answer is asked again (its earlier answer may have been rejected);
    // otherwise the first one not yet answered or declined.
    let awaiting = progress
        .current
        .as_deref()
        .and_then(|key| questions.iter().find(|q| q.field_key == key));
    let next = awaiting.or_else(|| {
        questions.iter().find(|q| {
            !progress.answers.contains_key(&q.field_key) && !progress.skipped.contains(&q.field_key)
        })
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
            let date = said_date(questions, recorded.as_ref(), ctx);
            let lead_in = match (first, position(questions, q)) {
                (true, _) => String::new(),
                (false, Some(p)) => format!("Thanks.{date} Question {p}: "),
                (false, None) => format!("Thanks.{date} Next: "),
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

/// Raises the call's priority by the answer's urgency keywords; an urgent matter is reported to
/// the agent once.
fn scan_urgency(
    progress: &mut Progress,
    answer: Option<&str>,
    keywords: &[UrgencyKeyword],
) -> Option<String> {
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
    match urgent_now {
        Some(why) if !progress.escalation_reported => {
            progress.escalation_reported = true;
            Some(why)
        }
        _ => None,
    }
}

fn noted(q: &Question, answer: &Answer) -> Recorded {
    Recorded {
        field_key: q.field_key.clone(),
        value: answer.value.clone().unwrap_or_else(|| answer.raw.clone()),
        valid: answer.valid,
    }
}

/// A date just recorded, said back with the question that follows (" I have Monday, December
/// 7."), so a misread "next Monday" surfaces at once.
fn said_date(
    questions: &[Question],
    recorded: Option<&Recorded>,
    ctx: &AnswerContext<'_>,
) -> String {
    let is_date = |r: &Recorded| {
        questions
            .iter()
            .any(|q| q.field_key == r.field_key && q.format == ExpectedFormat::Date)
    };
    match recorded {
        Some(r) if r.valid && is_date(r) => {
            let day = read_back::spoken(ExpectedFormat::Date, &r.value, ctx.region);
            format!(" I have {day}.")
        }
        _ => String::new(),
    }
}

/// Reads the recorded answer to `q` back for the caller to confirm.
fn read_back_step(
    progress: &Progress,
    q: &Question,
    ctx: &AnswerContext<'_>,
    escalate: Option<String>,
    recorded: Option<Recorded>,
    lead_in: &str,
) -> Step {
    let value = progress
        .answers
        .get(&q.field_key)
        .and_then(|a| a.value.clone())
        .unwrap_or_default();
    let what = match q.format {
        ExpectedFormat::Email => "the email address",
        ExpectedFormat::Phone => "the number",
        _ => "that",
    };
    let said = read_back::spoken(q.format, &value, ctx.region);
    Step {
        reply: Reply::Confirm {
            field_key: q.field_key.clone(),
            say: format!("{lead_in} I have {what} as {said}. Is that right?")
                .trim_start()
                .to_owned(),
        },
        escalate,
        recorded,
    }
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
mod tests;
