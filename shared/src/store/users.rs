//! The admin API's users: what login reads.

use uuid::Uuid;

use crate::domain::catalog::Role;
use crate::error::ApiError;

/// A user found by email, with the password hash to check.
pub struct Credentials {
    pub user_id: Uuid,
    pub password_hash: String,
    pub role: Role,
    pub business_id: Option<Uuid>,
}

/// The user with this (already lower-cased) email, if any.
pub async fn by_email(pool: &sqlx::PgPool, email: &str) -> Result<Option<Credentials>, ApiError> {
    let row = sqlx::query!(
        "SELECT id, password_hash, role, business_id FROM users WHERE email = $1",
        email
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Credentials {
            user_id: r.id,
            password_hash: r.password_hash,
            role: r.role.parse().map_err(super::corrupt)?,
            business_id: r.business_id,
        })
    })
    .transpose()
}

/// Whether the user belongs to the business (a lead can only be assigned to its own team).
pub async fn is_member(
    pool: &sqlx::PgPool,
    user_id: Uuid,
    business_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND business_id = $2) AS "member!""#,
        user_id,
        business_id
    )
    .fetch_one(pool)
    .await?)
}
