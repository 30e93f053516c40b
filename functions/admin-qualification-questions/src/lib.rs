//! `GET/PUT /api/businesses/{id}/qualification-questions`: the ordered questions a new caller is
//! asked. PUT replaces the whole list in one transaction: a call never sees half of an edit.

use lambda_http::{Body, Request, Response};

use shared::admin::auth::Principal;
use shared::admin::document::{self, Document};
use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::admin::request::invalid;
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::domain::answers::ChoiceSynonyms;
use shared::domain::catalog::ExpectedFormat;
use shared::domain::spoken::choice::phrase_key;
use shared::error::ApiError;
use shared::store::questions::{self, QuestionInput, QuestionList};

mod config;

pub use config::{SECRETS, State};

pub const MAX_QUESTIONS: usize = 30;
pub const MAX_CHOICE_CHARS: usize = 100;
pub const MAX_CHOICES: usize = 20;
pub const MAX_SYNONYMS: usize = 10;

/// The ordered question list.
pub struct Questions;

impl Document for Questions {
    type Input = QuestionList;
    type Checked = Vec<QuestionInput>;
    type View = QuestionList;

    fn check(input: QuestionList) -> Result<Vec<QuestionInput>, ApiError> {
        validate(input.questions)
    }

    async fn load(pool: &PgPool, business_id: BusinessId) -> Result<QuestionList, ApiError> {
        questions::load(pool, business_id).await
    }

    async fn save(
        pool: &PgPool,
        _who: &Principal,
        business_id: BusinessId,
        checked: &Vec<QuestionInput>,
    ) -> Result<(), ApiError> {
        questions::replace(pool, business_id, checked).await
    }
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    document::serve::<Questions>(state, req).await
}

// The two operations `handle` serves, as the OpenAPI document describes them.

#[utoipa::path(get, path = "/api/businesses/{id}/qualification-questions", operation_id = "getQualificationQuestions", tag = "questions",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = QuestionList), RefusedOrMissing),
    security(("bearer" = [])))]
pub fn get() {}

#[utoipa::path(put, path = "/api/businesses/{id}/qualification-questions", operation_id = "replaceQualificationQuestions", tag = "questions",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = QuestionList,
    responses((status = 200, body = QuestionList), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn put() {}

/// Each choice's synonyms, trimmed, without empties or repeats; refused when a key is not one of
/// the choices, or a word would name two choices (the answer check would then refuse it always).
fn synonyms(q: &QuestionInput, field: &dyn Fn(&str) -> String) -> Result<ChoiceSynonyms, ApiError> {
    if q.expected_format != ExpectedFormat::Choice {
        return match q.choice_synonyms.is_empty() {
            true => Ok(ChoiceSynonyms::new()),
            false => Err(invalid(
                &field("choice_synonyms"),
                "only choice questions have synonyms",
            )),
        };
    }
    // Compared as the answer check compares words (by stem, English: the route does not know the
    // agent's language), so "Websites" cannot be saved as another choice's synonym for "Website".
    let key = |phrase: &str| phrase_key(phrase, "en");
    let mut names: Vec<String> = q.choices.iter().map(|c| key(c)).collect();
    let mut out = ChoiceSynonyms::new();
    for (choice, words) in &q.choice_synonyms {
        let here = field(&format!("choice_synonyms.{choice}"));
        if !q.choices.contains(choice) {
            return Err(invalid(
                &here,
                format!("{choice:?} is not one of the choices"),
            ));
        }
        if words.len() > MAX_SYNONYMS {
            return Err(invalid(
                &here,
                format!("at most {MAX_SYNONYMS} synonyms per choice"),
            ));
        }
        let mut kept: Vec<String> = Vec::new();
        for word in words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
            if word.chars().count() > MAX_CHOICE_CHARS {
                return Err(invalid(
                    &here,
                    format!("at most {MAX_CHOICE_CHARS} characters each"),
                ));
            }
            let this = key(word);
            // A repeat under the same choice is dropped; one naming another choice is refused.
            if kept.iter().any(|k| key(k) == this) {
                continue;
            }
            if this.is_empty() || names.contains(&this) {
                return Err(invalid(&here, format!("{word:?} already names a choice")));
            }
            names.push(this);
            kept.push(word.to_owned());
        }
        if !kept.is_empty() {
            out.insert(choice.clone(), kept);
        }
    }
    Ok(out)
}

fn validate(questions: Vec<QuestionInput>) -> Result<Vec<QuestionInput>, ApiError> {
    if questions.len() > MAX_QUESTIONS {
        return Err(invalid(
            "questions",
            format!("at most {MAX_QUESTIONS} questions"),
        ));
    }
    let mut out: Vec<QuestionInput> = Vec::with_capacity(questions.len());
    for (i, mut q) in questions.into_iter().enumerate() {
        let field = |name: &str| format!("questions[{i}].{name}");
        q.question = q.question.trim().to_owned();
        if q.question.is_empty() || q.question.chars().count() > 500 {
            return Err(invalid(&field("question"), "must be 1 to 500 characters"));
        }
        let key_ok = q.field_key.len() <= 64
            && q.field_key.starts_with(|c: char| c.is_ascii_lowercase())
            && q.field_key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(invalid(
                &field("field_key"),
                "must be lowercase letters, digits and _, starting with a letter (at most 64)",
            ));
        }
        if out.iter().any(|o| o.field_key == q.field_key) {
            return Err(invalid(
                &field("field_key"),
                format!("{:?} is used twice", q.field_key),
            ));
        }
        q.choices = q
            .choices
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if let Some(long) = q
            .choices
            .iter()
            .position(|c| c.chars().count() > MAX_CHOICE_CHARS)
        {
            return Err(invalid(
                &field(&format!("choices[{long}]")),
                format!("at most {MAX_CHOICE_CHARS} characters"),
            ));
        }
        match q.expected_format {
            ExpectedFormat::Choice if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES => {
                return Err(invalid(
                    &field("choices"),
                    format!("a choice question needs 2 to {MAX_CHOICES} choices"),
                ));
            }
            ExpectedFormat::Choice => {}
            _ if !q.choices.is_empty() => {
                return Err(invalid(
                    &field("choices"),
                    "only choice questions have choices",
                ));
            }
            _ => {}
        }
        q.choice_synonyms = synonyms(&q, &field)?;
        out.push(q);
    }
    Ok(out)
}
