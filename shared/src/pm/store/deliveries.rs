//! The queries of the PM webhook receivers: which integration a delivery is for, and the secrets
//! of Asana's registrations. Compile-checked against the schema (`.sqlx/`).

use sqlx::PgPool;
use uuid::Uuid;

/// The Jira integrations that registered one of `webhook_ids` on the site the delivery names
/// (by cloud id or by the site's origin).
pub async fn jira_integrations(
    pool: &PgPool,
    webhook_ids: &[String],
    cloud_id: Option<&str>,
    site_url: Option<&str>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT i.id AS "id!" FROM integration_webhooks w JOIN integrations i ON i.id = w.integration_id
         WHERE i.provider = 'jira' AND w.external_webhook_id = ANY($1)
           AND (i.external_tenant_id = $2 OR i.site_url = $3)"#,
        webhook_ids,
        cloud_id,
        site_url,
    )
    .fetch_all(pool)
    .await
}

/// Stores the sealed handshake secret of an Asana registration, only while its creation is in
/// flight (its window is open); false for any other registration.
pub async fn accept_asana_handshake(
    pool: &PgPool,
    registration: Uuid,
    integration_id: Uuid,
    sealed_secret: &[u8],
    key_id: &str,
) -> Result<bool, sqlx::Error> {
    let accepted = sqlx::query_scalar!(
        "UPDATE integration_webhooks SET secret = $3, secret_key_id = $4
         WHERE id = $1 AND integration_id = $2 AND handshake_until > now()
         RETURNING id",
        registration,
        integration_id,
        sealed_secret,
        key_id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(accepted.is_some())
}

/// The sealed secret of an Asana registration and the id of the key that sealed it, when it has one.
pub async fn asana_webhook_secret(
    pool: &PgPool,
    registration: Uuid,
    integration_id: Uuid,
) -> Result<Option<(Vec<u8>, String)>, sqlx::Error> {
    let stored = sqlx::query!(
        "SELECT secret, secret_key_id FROM integration_webhooks WHERE id = $1 AND integration_id = $2",
        registration,
        integration_id,
    )
    .fetch_optional(pool)
    .await?;
    Ok(stored.and_then(|row| Some((row.secret?, row.secret_key_id?))))
}

/// The monday account of a monday integration.
pub async fn monday_account(
    pool: &PgPool,
    integration_id: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT external_tenant_id FROM integrations WHERE id = $1 AND provider = 'monday'",
        integration_id,
    )
    .fetch_optional(pool)
    .await
}
