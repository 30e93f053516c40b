//! `GET/PUT /api/businesses/{id}/qualification-questions`: the ordered questions a new caller is
//! asked. PUT replaces the whole list in one transaction: a call never sees half of an edit.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::request::invalid;
use super::{AdminState, method_not_allowed, ok};
use crate::domain::catalog::{ExpectedFormat, LeadField};
use crate::error::ApiError;
use crate::web::parse_json;

pub const MAX_QUESTIONS: usize = 30;
pub const MAX_CHOICES: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// How the agent asks it.
    pub question: String,
    /// Stable key of the answer (`^[a-z][a-z0-9_]{0,63}$`); also the ElevenLabs data-collection id.
    pub field_key: String,
    #[schema(value_type = String, example = "email")]
    pub expected_format: ExpectedFormat,
    /// The allowed answers when expected_format is `choice` (at least two).
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default = "yes")]
    pub required: bool,
    /// Lead column the answer fills: contact_name, email, phone, company or notes.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "email")]
    pub maps_to_lead_field: Option<LeadField>,
    /// Asked even when the caller reports an emergency.
    #[serde(default)]
    pub essential_for_emergency: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionList {
    pub questions: Vec<QuestionInput>,
}

#[utoipa::path(get, path = "/api/businesses/{id}/qualification-questions", tag = "questions",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = QuestionList), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get(state: &AdminState, business_id: Uuid) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(StatusCode::OK, &load(pool, business_id).await?)
}

#[utoipa::path(put, path = "/api/businesses/{id}/qualification-questions", tag = "questions",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = QuestionList,
    responses((status = 200, body = QuestionList),
        (status = 400, body = crate::admin::openapi::ErrorBody, description = "a question is invalid; the message names it"),
        (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn put(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let list: QuestionList = parse_json(req)?;
    let questions = validate(list.questions)?;
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    super::lock_business(&mut tx, business_id).await?;
    sqlx::query("DELETE FROM qualification_questions WHERE business_id = $1")
        .bind(business_id)
        .execute(&mut *tx)
        .await?;
    for (position, q) in questions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO qualification_questions (business_id, position, question, field_key,
                 expected_format, choices, required, maps_to_lead_field, essential_for_emergency)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(business_id)
        .bind(position as i32)
        .bind(&q.question)
        .bind(&q.field_key)
        .bind(q.expected_format.as_str())
        .bind(&q.choices)
        .bind(q.required)
        .bind(q.maps_to_lead_field.map(LeadField::as_str))
        .bind(q.essential_for_emergency)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    ok(StatusCode::OK, &load(pool, business_id).await?)
}

pub async fn handle(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => get(state, business_id).await,
        Method::PUT => put(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
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
        out.push(q);
    }
    Ok(out)
}

pub async fn load(pool: &PgPool, business_id: Uuid) -> Result<QuestionList, ApiError> {
    super::require_business(pool, business_id).await?;
    let rows = sqlx::query_as::<
        _,
        (
            String,
            String,
            String,
            Vec<String>,
            bool,
            Option<String>,
            bool,
        ),
    >(
        "SELECT question, field_key, expected_format, choices, required, maps_to_lead_field,
                essential_for_emergency
         FROM qualification_questions WHERE business_id = $1 ORDER BY position",
    )
    .bind(business_id)
    .fetch_all(pool)
    .await?;
    let mut questions = Vec::with_capacity(rows.len());
    for (question, field_key, format, choices, required, maps_to_lead_field, essential) in rows {
        questions.push(QuestionInput {
            question,
            field_key,
            expected_format: format
                .parse()
                .map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?,
            choices,
            required,
            maps_to_lead_field: maps_to_lead_field
                .map(|f| f.parse())
                .transpose()
                .map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?,
            essential_for_emergency: essential,
        });
    }
    Ok(QuestionList { questions })
}
