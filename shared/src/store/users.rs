//! The admin API's users: what login reads, what every request checks (`session`), and the
//! business's team as its owners manage it.

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
    pub token_version: i32,
    pub disabled: bool,
}

impl Credentials {
    pub fn role(&self) -> Result<Role, ApiError> {
        self.role.parse().map_err(super::corrupt)
    }
}

/// The user with this (already lower-cased) email, if any.
pub async fn by_email(pool: &sqlx::PgPool, email: &str) -> Result<Option<Credentials>, ApiError> {
    let row = sqlx::query!(
        r#"SELECT id, password_hash, role, business_id, token_version,
                  disabled_at IS NOT NULL AS "disabled!"
           FROM users WHERE email = $1"#,
        email
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Credentials {
        user_id: r.id,
        password_hash: r.password_hash,
        role: r.role,
        business_id: r.business_id.map(BusinessId::new),
        token_version: r.token_version,
        disabled: r.disabled,
    }))
}

/// Whether the user may be the lead's assignee: one of the business's users, not disabled (a
/// disabled user can no longer sign in to work it; one invited and not yet signed in can), or
/// already the lead's assignee (an edit that sends the assignee back unchanged, as the dashboard's
/// form does, keeps working after that user is disabled).
pub async fn may_be_assigned(
    pool: &sqlx::PgPool,
    user_id: Uuid,
    business_id: BusinessId,
    lead_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (
               SELECT 1 FROM users u
               WHERE u.id = $1 AND u.business_id = $2
                 AND (u.disabled_at IS NULL
                      OR EXISTS (SELECT 1 FROM leads l WHERE l.id = $3 AND l.business_id = $2
                                 AND l.assignee_user_id = u.id))) AS "assignable!""#,
        user_id,
        business_id.get(),
        lead_id,
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

/// What every authenticated request checks about its user.
pub struct SessionState {
    pub role: Role,
    pub business_id: Option<BusinessId>,
    pub token_version: i32,
    pub disabled: bool,
}

/// The user's session state; `None` when the user no longer exists.
pub async fn session(pool: &sqlx::PgPool, user_id: Uuid) -> Result<Option<SessionState>, ApiError> {
    let row = sqlx::query!(
        r#"SELECT role, business_id, token_version, disabled_at IS NOT NULL AS "disabled!"
           FROM users WHERE id = $1"#,
        user_id
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionState {
            role: r.role.parse().map_err(super::corrupt)?,
            business_id: r.business_id.map(BusinessId::new),
            token_version: r.token_version,
            disabled: r.disabled,
        })
    })
    .transpose()
}

/// Ends every access token of the user (their version no longer matches); returns the new one.
pub async fn bump_token_version(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE users SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version",
        user_id
    )
    .fetch_one(conn)
    .await
}

/// A user as the business's user list shows it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    #[schema(example = "business_member")]
    pub role: Role,
    /// `active`, `invited` (has not accepted yet) or `disabled`.
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub invite_expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The business's users, oldest first.
pub async fn list_for_business(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
) -> Result<Vec<UserView>, ApiError> {
    let rows = sqlx::query!(
        r#"SELECT id, email, role, created_at, invite_expires_at,
                  CASE WHEN disabled_at IS NOT NULL THEN 'disabled'
                       WHEN invite_digest IS NOT NULL THEN 'invited'
                       ELSE 'active' END AS "status!"
           FROM users WHERE business_id = $1 ORDER BY created_at, id"#,
        business_id.get()
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(UserView {
                id: r.id,
                email: r.email,
                role: r.role.parse().map_err(super::corrupt)?,
                status: r.status,
                created_at: r.created_at,
                invite_expires_at: r.invite_expires_at,
            })
        })
        .collect()
}

/// One user of the business (a user of another business is not found).
pub async fn load_in_business(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    user_id: Uuid,
) -> Result<UserView, ApiError> {
    list_for_business(pool, business_id)
        .await?
        .into_iter()
        .find(|u| u.id == user_id)
        .ok_or_else(|| ApiError::not_found("no such user in this business"))
}

/// Adds an invited user: no password until they accept (`accept_invite`) with the token whose
/// digest is stored here. A taken email is the unique violation of `users_email_key`.
pub async fn invite(
    conn: &mut sqlx::PgConnection,
    business_id: BusinessId,
    email: &str,
    role: Role,
    invite_digest: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
    invited_by: Uuid,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO users (email, password_hash, role, business_id, invite_digest,
                            invite_expires_at, invited_by)
         VALUES ($1, '', $2, $3, $4, $5, $6) RETURNING id",
        email,
        role.as_str(),
        business_id.get(),
        invite_digest,
        expires_at,
        invited_by,
    )
    .fetch_one(conn)
    .await
}

/// Sets the password of the user invited with this token (still valid), clearing the invitation;
/// returns the user's id.
pub async fn accept_invite(
    conn: &mut sqlx::PgConnection,
    invite_digest: &str,
    password_hash: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, invite_digest = NULL, invite_expires_at = NULL
         WHERE invite_digest = $1 AND invite_expires_at > now() AND disabled_at IS NULL
         RETURNING id",
        invite_digest,
        password_hash,
    )
    .fetch_optional(conn)
    .await
}

/// Changes a user's role or whether they are disabled, ending their sessions; the caller has
/// already checked that the business keeps an active owner (`active_owners`).
pub async fn update_access(
    conn: &mut sqlx::PgConnection,
    business_id: BusinessId,
    user_id: Uuid,
    role: Role,
    disabled: bool,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE users SET role = $3, token_version = token_version + 1,
                disabled_at = CASE WHEN $4 THEN COALESCE(disabled_at, now()) END
         WHERE business_id = $1 AND id = $2",
        business_id.get(),
        user_id,
        role.as_str(),
        disabled,
    )
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

/// Removes a user of the business.
pub async fn remove(
    conn: &mut sqlx::PgConnection,
    business_id: BusinessId,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM users WHERE business_id = $1 AND id = $2",
        business_id.get(),
        user_id
    )
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

/// The business's owners who can sign in (not disabled, not merely invited), locked until the
/// transaction ends so two owners cannot demote each other at once.
pub async fn active_owners(
    conn: &mut sqlx::PgConnection,
    business_id: BusinessId,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM users
         WHERE business_id = $1 AND role = 'business_owner' AND disabled_at IS NULL
           AND invite_digest IS NULL
         FOR UPDATE",
        business_id.get()
    )
    .fetch_all(conn)
    .await
}

/// Replaces the user's password (a pending invitation with it) and ends every session of theirs;
/// returns the new token version.
pub async fn set_password(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    password_hash: &str,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, token_version = token_version + 1,
                invite_digest = NULL, invite_expires_at = NULL
         WHERE id = $1 RETURNING token_version",
        user_id,
        password_hash,
    )
    .fetch_one(conn)
    .await
}

/// The user with this email, for the operator's password reset.
pub async fn id_by_email(pool: &sqlx::PgPool, email: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT id FROM users WHERE email = $1", email)
        .fetch_optional(pool)
        .await
}

/// The user's password hash (to check their current password); `None` when the user is gone.
pub async fn password_hash(pool: &sqlx::PgPool, user_id: Uuid) -> Result<Option<String>, ApiError> {
    Ok(
        sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", user_id)
            .fetch_optional(pool)
            .await?,
    )
}
