//! A business's qualification questions, in order. A replacement is one transaction: a call never
//! sees half of an edit.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::BusinessId;
use crate::domain::answers::ChoiceSynonyms;
use crate::domain::catalog::{ExpectedFormat, LeadField};
use crate::error::ApiError;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    /// How the agent asks it.
    #[schema(min_length = 1, max_length = 500)]
    pub question: String,
    /// Stable key of the answer (`^[a-z][a-z0-9_]{0,63}$`); also the ElevenLabs data-collection id.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub field_key: String,
    #[schema(example = "email")]
    pub expected_format: ExpectedFormat,
    /// The allowed answers when expected_format is `choice` (at least two).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub choices: Vec<String>,
    /// Per choice, other words callers use for it, matched inside their answer
    /// (`{"Website": ["site", "online shop"]}`); only for choice questions.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, Vec<String>>)]
    pub choice_synonyms: ChoiceSynonyms,
    #[serde(default = "yes")]
    pub required: bool,
    /// Lead column the answer fills: contact_name, email, phone, company or notes.
    #[serde(default)]
    #[schema(example = "email")]
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
    #[schema(max_items = 30)]
    pub questions: Vec<QuestionInput>,
}

/// The questions in order; 404 when there is no such business.
pub async fn load(pool: &sqlx::PgPool, business_id: BusinessId) -> Result<QuestionList, ApiError> {
    super::require_business(pool, business_id).await?;
    let rows = sqlx::query!(
        r#"SELECT question, field_key, expected_format, choices, required, maps_to_lead_field,
                  essential_for_emergency,
                  choice_synonyms AS "choice_synonyms: sqlx::types::Json<ChoiceSynonyms>"
           FROM qualification_questions WHERE business_id = $1 ORDER BY position"#,
        business_id.get()
    )
    .fetch_all(pool)
    .await?;
    let questions = rows
        .into_iter()
        .map(|r| {
            Ok(QuestionInput {
                question: r.question,
                field_key: r.field_key,
                expected_format: r.expected_format.parse().map_err(super::corrupt)?,
                choices: r.choices,
                choice_synonyms: r.choice_synonyms.0,
                required: r.required,
                maps_to_lead_field: r
                    .maps_to_lead_field
                    .map(|f| f.parse())
                    .transpose()
                    .map_err(super::corrupt)?,
                essential_for_emergency: r.essential_for_emergency,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(QuestionList { questions })
}

/// Replaces the list with these checked questions, in this order.
pub async fn replace(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    questions: &[QuestionInput],
) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    super::lock_business(&mut tx, business_id).await?;
    sqlx::query!(
        "DELETE FROM qualification_questions WHERE business_id = $1",
        business_id.get()
    )
    .execute(&mut *tx)
    .await?;
    for (position, q) in questions.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO qualification_questions (business_id, position, question, field_key,
                 expected_format, choices, required, maps_to_lead_field, essential_for_emergency,
                 choice_synonyms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            business_id.get(),
            position as i32,
            q.question,
            q.field_key,
            q.expected_format.as_str(),
            &q.choices,
            q.required,
            q.maps_to_lead_field.map(LeadField::as_str),
            q.essential_for_emergency,
            sqlx::types::Json(&q.choice_synonyms) as _,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
