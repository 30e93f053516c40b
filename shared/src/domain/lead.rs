//! A caller's lead, as the rules have it: the qualification questions, how answers from the live
//! call and from the post-call extraction merge (never losing or lowering anything), which lead
//! columns they fill, and which questions remain unanswered. Used by the live tools and the
//! post-call worker alike.

use std::collections::BTreeMap;

use super::ExpectedFormat;
use super::answers::{Answer, ChoiceSynonyms, Expected};
use super::qualification::Question;

/// One of a business's qualification questions, as stored (`qualification_questions`).
#[derive(Debug, Clone)]
pub struct QuestionSpec {
    pub field_key: String,
    pub question: String,
    pub expected_format: ExpectedFormat,
    pub choices: Vec<String>,
    pub choice_synonyms: ChoiceSynonyms,
    pub required: bool,
    pub maps_to_lead_field: Option<String>,
}

impl QuestionSpec {
    pub fn expected(&self) -> Expected<'_> {
        Expected {
            format: self.expected_format,
            choices: &self.choices,
            synonyms: &self.choice_synonyms,
        }
    }

    /// The question as the live qualification asks it.
    pub fn to_question(&self) -> Question {
        Question {
            question: self.question.clone(),
            field_key: self.field_key.clone(),
            format: self.expected_format,
            choices: self.choices.clone(),
            choice_synonyms: self.choice_synonyms.clone(),
            required: self.required,
        }
    }
}

/// A valid answer recorded live during the call wins over the post-call extraction; otherwise the
/// extraction of a `newer` call replaces what was there, while an older call's only fills gaps.
/// A value the caller rejected at its read-back is not brought back by an extraction of that same
/// value (the rejected words are still in the transcript). Answers never disappear.
pub fn merge_answers(
    mut previous: BTreeMap<String, Answer>,
    collected: BTreeMap<String, Answer>,
    newer: bool,
) -> BTreeMap<String, Answer> {
    for (key, answer) in collected {
        let keep_previous = previous.get(&key).is_some_and(|p| {
            let rejected_again = p.problem.as_deref() == Some(super::answers::REJECTED)
                && p.value.is_some()
                && p.value == answer.value;
            !newer || (p.valid && p.source == "live") || rejected_again
        });
        if !keep_previous {
            previous.insert(key, answer);
        }
    }
    previous
}

/// The questions with no valid answer, live or extracted, in the business's order.
pub fn unanswered<'a>(
    questions: &'a [QuestionSpec],
    answers: &BTreeMap<String, Answer>,
) -> Vec<&'a str> {
    questions
        .iter()
        .filter(|q| !answers.get(&q.field_key).is_some_and(|a| a.valid))
        .map(|q| q.question.as_str())
        .collect()
}

/// The lead columns a caller's answers fill.
pub struct LeadColumns {
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
}

impl LeadColumns {
    pub fn from_answers(questions: &[QuestionSpec], answers: &BTreeMap<String, Answer>) -> Self {
        let field = |name: &str| lead_field(questions, answers, name);
        Self {
            contact_name: field("contact_name"),
            email: field("email"),
            phone: field("phone"),
            company: field("company"),
        }
    }
}

impl LeadColumns {
    /// The values the caller rejected at a read-back ("no, that's not right"), per column: an
    /// answer kept but flagged invalid. A column still holding such a value is cleared, so a call
    /// dropped before the new answer leaves no wrong address on the lead.
    pub fn withdrawn(questions: &[QuestionSpec], answers: &BTreeMap<String, Answer>) -> Self {
        let field = |column: &str| {
            questions
                .iter()
                .filter(|q| q.maps_to_lead_field.as_deref() == Some(column))
                .find_map(|q| {
                    answers
                        .get(&q.field_key)
                        .filter(|a| !a.valid)
                        .and_then(|a| a.value.clone())
                })
        };
        Self {
            contact_name: field("contact_name"),
            email: field("email"),
            phone: field("phone"),
            company: field("company"),
        }
    }
}

/// The valid answer to the question mapped onto a lead column.
fn lead_field(
    questions: &[QuestionSpec],
    answers: &BTreeMap<String, Answer>,
    column: &str,
) -> Option<String> {
    // The email and phone columns take only answers validated as such, whatever the mapping says.
    let fits = |q: &QuestionSpec| match column {
        "email" => q.expected_format == ExpectedFormat::Email,
        "phone" => q.expected_format == ExpectedFormat::Phone,
        _ => true,
    };
    questions
        .iter()
        .filter(|q| q.maps_to_lead_field.as_deref() == Some(column) && fits(q))
        .find_map(|q| {
            answers
                .get(&q.field_key)
                .filter(|a| a.valid)
                .and_then(|a| a.value.clone())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(raw: &str, valid: bool, source: &str) -> Answer {
        Answer {
            raw: raw.into(),
            value: valid.then(|| raw.into()),
            range: None,
            valid,
            problem: (!valid).then(|| "bad".into()),
            source: source.into(),
        }
    }

    #[test]
    fn live_valid_answers_win_and_nothing_disappears() {
        let previous = BTreeMap::from([
            ("email".to_string(), answer("a@b.co", true, "live")),
            ("budget".to_string(), answer("lots", false, "live")),
            ("timeline".to_string(), answer("soon", true, "live")),
        ]);
        let collected = BTreeMap::from([
            (
                "email".to_string(),
                answer("x@y.co", true, "data_collection"),
            ),
            (
                "budget".to_string(),
                answer("5000", true, "data_collection"),
            ),
        ]);
        let merged = merge_answers(previous, collected, true);
        assert_eq!(merged["email"].raw, "a@b.co");
        assert_eq!(merged["budget"].raw, "5000");
        assert_eq!(merged["timeline"].raw, "soon");
    }

    #[test]
    fn a_rejected_value_is_not_brought_back_by_the_extraction() {
        let mut rejected = answer("sam@gmail.com", true, "live");
        rejected.valid = false;
        rejected.problem = Some(crate::domain::answers::REJECTED.into());
        let previous = BTreeMap::from([("email".to_string(), rejected)]);
        let same = BTreeMap::from([(
            "email".to_string(),
            answer("sam@gmail.com", true, "data_collection"),
        )]);
        let merged = merge_answers(previous.clone(), same, true);
        assert!(!merged["email"].valid, "still rejected");
        let other = BTreeMap::from([(
            "email".to_string(),
            answer("samm@gmail.com", true, "data_collection"),
        )]);
        let merged = merge_answers(previous, other, true);
        assert_eq!(merged["email"].value.as_deref(), Some("samm@gmail.com"));
    }

    #[test]
    fn an_older_calls_extraction_only_fills_gaps() {
        let previous = BTreeMap::from([(
            "budget".to_string(),
            answer("9000", true, "data_collection"),
        )]);
        let collected = BTreeMap::from([
            (
                "budget".to_string(),
                answer("5000", true, "data_collection"),
            ),
            (
                "email".to_string(),
                answer("x@y.co", true, "data_collection"),
            ),
        ]);
        let merged = merge_answers(previous, collected, false);
        assert_eq!(merged["budget"].raw, "9000");
        assert_eq!(merged["email"].raw, "x@y.co");
    }
}
