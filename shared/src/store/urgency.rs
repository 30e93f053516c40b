//! A business's urgency keywords. A replacement is one transaction.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::BusinessId;
use crate::domain::Priority;
use crate::error::ApiError;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordInput {
    /// A word or phrase, matched whole-word and case-insensitively in what the caller says.
    #[schema(min_length = 1, max_length = 200)]
    pub phrase: String,
    /// `high` or `urgent`.
    #[schema(value_type = String, pattern = "^(high|urgent)$", example = "urgent")]
    pub severity: Priority,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordList {
    #[schema(max_items = 100)]
    pub keywords: Vec<KeywordInput>,
}

/// The keywords by phrase; 404 when there is no such business.
pub async fn load(pool: &sqlx::PgPool, business_id: BusinessId) -> Result<KeywordList, ApiError> {
    super::require_business(pool, business_id).await?;
    let rows = sqlx::query!(
        "SELECT phrase, severity FROM urgency_keywords WHERE business_id = $1 ORDER BY lower(phrase)",
        business_id.get()
    )
    .fetch_all(pool)
    .await?;
    let keywords = rows
        .into_iter()
        .map(|r| {
            Ok(KeywordInput {
                phrase: r.phrase,
                severity: r.severity.parse().map_err(super::corrupt)?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(KeywordList { keywords })
}

/// Replaces the list with these checked keywords.
pub async fn replace(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    keywords: &[KeywordInput],
) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    super::lock_business(&mut tx, business_id).await?;
    sqlx::query!(
        "DELETE FROM urgency_keywords WHERE business_id = $1",
        business_id.get()
    )
    .execute(&mut *tx)
    .await?;
    for (i, k) in keywords.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO urgency_keywords (business_id, phrase, severity) VALUES ($1, $2, $3)",
            business_id.get(),
            k.phrase,
            k.severity.as_str(),
        )
        .execute(&mut *tx)
        .await
        // The check above compares Rust's lower case; the index compares PostgreSQL's, which
        // follows the database's locale and can fold two phrases Rust keeps apart ("ΟΔΟΣ" and
        // "οδοσ" under a UTF-8 libc locale).
        .map_err(
            |e| match e.as_database_error().and_then(|d| d.constraint()) {
                Some("urgency_keywords_phrase_key") => ApiError::bad_request(
                    "invalid_field",
                    format!("keywords[{i}].phrase: {:?} is listed twice", k.phrase),
                ),
                _ => e.into(),
            },
        )?;
    }
    tx.commit().await?;
    Ok(())
}
