//! Every business, as platform admins list them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Keyed, Keyset};
use crate::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessSummary {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
    /// The numbers that ring it (E.164).
    pub phone_numbers: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl Keyed for BusinessSummary {
    fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }
}

/// A page of businesses, newest first; `search` is part of the name or of a number's digits.
pub async fn list(
    pool: &PgPool,
    search: Option<&str>,
    page: &Keyset,
) -> Result<Vec<BusinessSummary>, ApiError> {
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    let digits: Option<String> = search
        .map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| d.len() >= 3);
    let pattern = search.map(super::contains_pattern);
    Ok(sqlx::query_as!(
        BusinessSummary,
        r#"SELECT b.id, b.name, b.timezone,
                  COALESCE((SELECT array_agg(p.phone_e164 ORDER BY p.phone_e164) FROM business_phone_numbers p
                            WHERE p.business_id = b.id), '{}') AS "phone_numbers!",
                  b.created_at
           FROM businesses b
           WHERE (b.created_at, b.id) < ($1, $2)
             AND ($4::text IS NULL OR b.name ILIKE $4
                  OR ($5::text IS NOT NULL AND EXISTS (SELECT 1 FROM business_phone_numbers p
                      WHERE p.business_id = b.id AND p.phone_e164 LIKE '%' || $5 || '%')))
           ORDER BY b.created_at DESC, b.id DESC LIMIT $3"#,
        page.before.0,
        page.before.1,
        page.limit,
        pattern,
        digits,
    )
    .fetch_all(pool)
    .await?)
}
