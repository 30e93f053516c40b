//! What the agent manager keeps: one sync per business at a time, the business's agent id, the
//! ElevenLabs resources it created (by kind and name, with a fingerprint of what was sent), and
//! each number's ElevenLabs id.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::domain::BusinessId;

/// Takes the session-level lock named `key` on this connection; false when another session
/// holds it. Freed by `unlock`, or when the connection closes (a process that dies frees it).
pub async fn try_lock(conn: &mut PgConnection, key: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_lock(hashtext($1)) AS "locked!""#,
        key
    )
    .fetch_one(conn)
    .await
}

pub async fn unlock(conn: &mut PgConnection, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!("SELECT pg_advisory_unlock(hashtext($1))", key)
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// Records the business's agent and when it was synced.
pub async fn record_agent(
    pool: &PgPool,
    business_id: BusinessId,
    agent_id: &str,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"INSERT INTO agent_configs (business_id, elevenlabs_agent_id, agent_synced_at)
           VALUES ($1, $2, now())
           ON CONFLICT (business_id) DO UPDATE SET elevenlabs_agent_id = EXCLUDED.elevenlabs_agent_id,
               agent_synced_at = EXCLUDED.agent_synced_at
           RETURNING agent_synced_at AS "synced_at!""#,
        business_id.get(),
        agent_id
    )
    .fetch_one(pool)
    .await
}

/// A resource we created: (its ElevenLabs id, the fingerprint of what we sent).
pub async fn resource(
    pool: &PgPool,
    kind: &str,
    name: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT resource_id, fingerprint FROM elevenlabs_resources WHERE kind = $1 AND name = $2",
        kind,
        name
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.resource_id, r.fingerprint)))
}

pub async fn store_resource(
    pool: &PgPool,
    kind: &str,
    name: &str,
    resource_id: &str,
    fingerprint: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO elevenlabs_resources (kind, name, resource_id, fingerprint) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, name) DO UPDATE SET resource_id = EXCLUDED.resource_id,
             fingerprint = EXCLUDED.fingerprint, updated_at = now()",
        kind,
        name,
        resource_id,
        fingerprint
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records the ElevenLabs id of one of the business's numbers.
pub async fn record_phone_number(
    pool: &PgPool,
    business_id: BusinessId,
    phone: &str,
    phone_number_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE business_phone_numbers SET elevenlabs_phone_number_id = $3
         WHERE business_id = $1 AND phone_e164 = $2",
        business_id.get(),
        phone,
        phone_number_id
    )
    .execute(pool)
    .await?;
    Ok(())
}
