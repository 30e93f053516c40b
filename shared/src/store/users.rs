//! The admin API's users: what login reads.

use uuid::Uuid;

use crate::domain::BusinessId;
use crate::domain::catalog::Role;
use crate::error::ApiError;

/// A user found by email, with the password hash to check. The role is read only once the
/// password matched (`role()`), so a stored role this code cannot read answers no differently
/// from a wrong password until then.
pub struct Credentials {
    pub user_id: Uuid,
    pub password_hash: String,
    role: String,
    pub business_id: Option<BusinessId>,
}

impl Credentials {
    pub fn role(&self) -> Result<Role, ApiError> {
        self.role.parse().map_err(super::corrupt)
    }
}

/// The user with this (already lower-cased) email, if any.
pub async fn by_email(pool: &sqlx::PgPool, email: &str) -> Result<Option<Credentials>, ApiError> {
    let row = sqlx::query!(
        "SELECT id, password_hash, role, business_id FROM users WHERE email = $1",
        email
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Credentials {
        user_id: r.id,
        password_hash: r.password_hash,
        role: r.role,
        business_id: r.business_id.map(BusinessId::new),
    }))
}

/// Whether the user belongs to the business (a lead can only be assigned to its own team).
pub async fn is_member(
    pool: &sqlx::PgPool,
    user_id: Uuid,
    business_id: BusinessId,
) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND business_id = $2) AS "member!""#,
        user_id,
        business_id.get()
    )
    .fetch_one(pool)
    .await?)
}

/// Adds a user (email lower-cased and checked, password already hashed); a taken email is the
/// unique violation of `users_email_key`.
pub async fn insert(
    conn: &mut sqlx::PgConnection,
    email: &str,
    password_hash: &str,
    role: Role,
    business_id: Option<BusinessId>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO users (email, password_hash, role, business_id) VALUES ($1, $2, $3, $4) RETURNING id",
        email,
        password_hash,
        role.as_str(),
        business_id.map(BusinessId::get)
    )
    .fetch_one(conn)
    .await
}
