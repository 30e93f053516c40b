//! Refresh tokens (`refresh_tokens`): stored as SHA-256 digests, rotated on every use, revoked by
//! family (one sign-in) or all at once (a user's every session).

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A new refresh token's row.
pub struct NewRefresh<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub digest: &'a str,
    pub expires_at: DateTime<Utc>,
    pub address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(conn: &mut sqlx::PgConnection, r: &NewRefresh<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO refresh_tokens (id, user_id, family_id, digest, expires_at, address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        r.id,
        r.user_id,
        r.family_id,
        r.digest,
        r.expires_at,
        super::clip(r.address, 64),
        super::clip(r.user_agent, 512),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented {
    /// Live: rotated now (it cannot be used again); the family continues until `expires_at`.
    Rotated {
        user_id: Uuid,
        family_id: Uuid,
        expires_at: DateTime<Utc>,
    },
    /// Already rotated once: someone replayed it (a stolen copy, or the thief got there first).
    Reused { user_id: Uuid, family_id: Uuid },
    /// Unknown, revoked or expired.
    Dead,
}

/// Looks the token up by id and digest and rotates it, in the caller's transaction.
pub async fn present(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    digest: &str,
) -> Result<Presented, sqlx::Error> {
    let Some(row) = sqlx::query!(
        r#"SELECT user_id, family_id, expires_at, rotated_at IS NOT NULL AS "rotated!",
                  revoked_at IS NOT NULL AS "revoked!"
           FROM refresh_tokens WHERE id = $1 AND digest = $2 FOR UPDATE"#,
        id,
        digest
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Presented::Dead);
    };
    if row.revoked || row.expires_at <= Utc::now() {
        return Ok(Presented::Dead);
    }
    if row.rotated {
        return Ok(Presented::Reused {
            user_id: row.user_id,
            family_id: row.family_id,
        });
    }
    sqlx::query!(
        "UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(Presented::Rotated {
        user_id: row.user_id,
        family_id: row.family_id,
        expires_at: row.expires_at,
    })
}

/// The family of a token the user holds (for logout); `None` if it is not theirs.
pub async fn family_of(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
    id: Uuid,
    digest: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT family_id FROM refresh_tokens WHERE id = $1 AND digest = $2 AND user_id = $3",
        id,
        digest,
        user_id
    )
    .fetch_optional(conn)
    .await
}

/// Ends one sign-in: every token of the family.
pub async fn revoke_family(
    conn: &mut sqlx::PgConnection,
    family_id: Uuid,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
        family_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// Ends every sign-in of the user.
pub async fn revoke_all(conn: &mut sqlx::PgConnection, user_id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        user_id
    )
    .execute(conn)
    .await?
    .rows_affected())
}
