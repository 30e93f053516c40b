//! Integrations in Postgres: the encrypted token pair and its single-flight refresh, the sync
//! lease and outcome, webhook registrations, and the bulk upserts of normalised projects and tasks.

pub mod deliveries;
pub mod overview;
mod upserts;

pub use upserts::{
    mark_task_deleted, mark_unseen_deleted, relink_clients_by_rule, upsert_projects, upsert_tasks,
};

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

use super::crypto::TokenCipher;
use super::oauth::{GrantError, TokenGrant};
use super::{
    Connection, PmError, PmProviders, Provider, Tenant, WebhookLedger, WebhookRow, reconsent_words,
};

/// A token is refreshed when it has less than this left, so no request starts with a token that
/// expires on the way.
const REFRESH_MARGIN: chrono::Duration = chrono::Duration::seconds(120);

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IntegrationRow {
    pub id: Uuid,
    pub business_id: Uuid,
    pub provider: String,
    pub status: String,
    pub external_tenant_id: String,
    pub external_tenant_name: Option<String>,
    pub site_url: Option<String>,
    pub access_token: Vec<u8>,
    pub refresh_token: Option<Vec<u8>>,
    pub token_key_id: String,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub sync_watermark: Option<DateTime<Utc>>,
    pub last_full_sync_at: Option<DateTime<Utc>>,
}

impl IntegrationRow {
    pub fn provider(&self) -> Result<Provider, PmError> {
        Provider::parse(&self.provider)
            .ok_or_else(|| PmError::Other(format!("unknown provider {}", self.provider)))
    }

    pub fn tenant(&self) -> Tenant {
        Tenant {
            external_id: self.external_tenant_id.clone(),
            name: self.external_tenant_name.clone(),
            site_url: self.site_url.clone(),
        }
    }

    fn expiring(&self, now: DateTime<Utc>) -> bool {
        self.token_expires_at
            .is_some_and(|at| at - now < REFRESH_MARGIN)
    }
}

/// What a sealed value is bound to (see `crypto`).
fn token_context(business_id: Uuid, provider: &str, which: &str) -> String {
    format!("{business_id}:{provider}:{which}")
}

pub fn webhook_secret_context(row: Uuid) -> String {
    format!("webhook:{row}")
}

pub async fn load(pool: &PgPool, id: Uuid) -> Result<Option<IntegrationRow>, PmError> {
    Ok(sqlx::query_as!(
        IntegrationRow,
        "SELECT id, business_id, provider, status, external_tenant_id, external_tenant_name, site_url,
                access_token, refresh_token, token_key_id, token_expires_at, sync_watermark,
                last_full_sync_at
         FROM integrations WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await?)
}

/// Stores a new connection (or a re-consent) with its tokens sealed and the user who made it;
/// returns the integration id.
/// A reconnect to another tenant keeps the row: the next full sync marks the old tenant's
/// projects deleted.
pub async fn save_connection(
    pool: &PgPool,
    cipher: &TokenCipher,
    business_id: Uuid,
    provider: Provider,
    tenant: &Tenant,
    grant: &TokenGrant,
    connected_by: Uuid,
) -> Result<Uuid, PmError> {
    let p = provider.as_str();
    let access = cipher.seal(
        &grant.access_token,
        &token_context(business_id, p, "access"),
    );
    let refresh = grant
        .refresh_token
        .as_ref()
        .map(|r| cipher.seal(r, &token_context(business_id, p, "refresh")));
    Ok(sqlx::query_scalar!(
        r#"
        INSERT INTO integrations (business_id, provider, status, external_tenant_id,
                                  external_tenant_name, site_url, access_token, refresh_token,
                                  token_key_id, token_expires_at, scopes, connected_by)
        VALUES ($1, $2, 'connected', $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (business_id, provider) DO UPDATE SET
            status = 'connected', external_tenant_id = EXCLUDED.external_tenant_id,
            external_tenant_name = EXCLUDED.external_tenant_name, site_url = EXCLUDED.site_url,
            access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
            token_key_id = EXCLUDED.token_key_id, token_expires_at = EXCLUDED.token_expires_at,
            scopes = EXCLUDED.scopes, last_error = NULL,
            -- another tenant: its history is not this one's watermark
            sync_watermark = CASE WHEN integrations.external_tenant_id = EXCLUDED.external_tenant_id
                                  THEN integrations.sync_watermark END,
            connected_at = now(), connected_by = EXCLUDED.connected_by, updated_at = now()
        RETURNING id
        "#,
        business_id,
        p,
        &tenant.external_id,
        tenant.name.as_deref(),
        tenant.site_url.as_deref(),
        access,
        refresh,
        cipher.current_key_id(),
        grant.expires_at,
        &grant.scopes,
        connected_by,
    )
    .fetch_one(pool)
    .await?)
}

/// Turns a stored integration into a usable connection, refreshing its token first when needed.
#[derive(Clone)]
pub struct Tokens {
    pub pool: PgPool,
    pub cipher: TokenCipher,
    pub providers: PmProviders,
}

impl Tokens {
    pub async fn connection(
        &self,
        row: &IntegrationRow,
        force_refresh: bool,
    ) -> Result<Connection, PmError> {
        let provider = self
            .providers
            .get(row.provider()?)
            .ok_or_else(|| PmError::Other(format!("{} is not configured here", row.provider)))?;
        let access_token = self.access_token(row, force_refresh).await?;
        Ok(Connection {
            integration_id: row.id,
            business_id: row.business_id,
            tenant: row.tenant(),
            access_token,
            http: provider.http().with_own_breaker(),
        })
    }

    /// The stored refresh token, opened (revocation on disconnect).
    pub fn refresh_token(&self, row: &IntegrationRow) -> Result<Option<SecretString>, PmError> {
        row.refresh_token
            .as_deref()
            .map(|sealed| self.open(row, "refresh", sealed))
            .transpose()
    }

    fn open(
        &self,
        row: &IntegrationRow,
        which: &str,
        sealed: &[u8],
    ) -> Result<SecretString, PmError> {
        self.cipher
            .open(
                &row.token_key_id,
                sealed,
                &token_context(row.business_id, &row.provider, which),
            )
            .map_err(|e| PmError::Other(e.to_string()))
    }

    /// The access token, refreshed single-flight when it is about to expire (or `force`, after a
    /// 401): the row is locked, re-read (another worker may have refreshed meanwhile), refreshed,
    /// and the rotated pair committed before the new token is used. `invalid_grant` is checked
    /// against storage once more before the integration is marked as needing re-consent.
    pub async fn access_token(
        &self,
        row: &IntegrationRow,
        force: bool,
    ) -> Result<SecretString, PmError> {
        let now = Utc::now();
        if !force && !row.expiring(now) {
            return self.open(row, "access", &row.access_token);
        }
        let provider = row.provider()?;
        let app = self
            .providers
            .get(provider)
            .ok_or_else(|| PmError::Other(format!("{provider} is not configured here")))?;
        let mut tx = self.pool.begin().await?;
        let locked = sqlx::query_as!(
            IntegrationRow,
            "SELECT id, business_id, provider, status, external_tenant_id, external_tenant_name, site_url,
                access_token, refresh_token, token_key_id, token_expires_at, sync_watermark,
                last_full_sync_at
             FROM integrations WHERE id = $1 FOR UPDATE",
            row.id
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| PmError::Other("the integration was removed".into()))?;
        if locked.access_token != row.access_token && !locked.expiring(Utc::now()) {
            // Someone refreshed while we waited for the lock: theirs is good.
            tx.commit().await?;
            return self.open(&locked, "access", &locked.access_token);
        }
        let Some(sealed_refresh) = locked.refresh_token.clone() else {
            tx.commit().await?;
            self.needs_reconsent(row.id, provider, "the grant has no refresh token")
                .await?;
            return Err(PmError::Unauthorized {
                provider,
                detail: "token expired and no refresh token".into(),
            });
        };
        let refresh = self.open(&locked, "refresh", &sealed_refresh)?;
        match app.oauth().refresh(app.http(), &refresh).await {
            Ok(grant) => {
                let p = provider.as_str();
                let access = self.cipher.seal(
                    &grant.access_token,
                    &token_context(row.business_id, p, "access"),
                );
                // Asana does not rotate: the old refresh token stays (re-sealed under the
                // current key).
                let new_refresh = grant.refresh_token.as_ref().unwrap_or(&refresh);
                let sealed = self
                    .cipher
                    .seal(new_refresh, &token_context(row.business_id, p, "refresh"));
                sqlx::query!(
                    "UPDATE integrations SET access_token = $2, refresh_token = $3, token_key_id = $4,
                            token_expires_at = $5, updated_at = now() WHERE id = $1",
                    row.id,
                    access,
                    sealed,
                    self.cipher.current_key_id(),
                    grant.expires_at,
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(integration_id = %row.id, provider = p, "token refreshed");
                Ok(grant.access_token)
            }
            Err(GrantError::InvalidGrant(reason)) => {
                tx.rollback().await?;
                // A rotation stored by someone outside this lock (a reconnect) beats ours.
                if let Some(current) = load(&self.pool, row.id).await?
                    && current.refresh_token != locked.refresh_token
                {
                    return self.open(&current, "access", &current.access_token);
                }
                self.needs_reconsent(row.id, provider, &format!("refresh refused: {reason}"))
                    .await?;
                Err(PmError::Unauthorized {
                    provider,
                    detail: format!("refresh refused: {reason}"),
                })
            }
            Err(GrantError::Failed(reason)) => {
                tx.rollback().await?;
                Err(PmError::Other(format!(
                    "{provider} token refresh failed: {reason}"
                )))
            }
        }
    }

    /// Marks the integration as waiting for the business to connect it again. `last_error` says
    /// so in fixed words, like every sync failure (`PmError::for_owner`); `why` (a token
    /// endpoint's reason, the provider's own text) goes to the log only.
    async fn needs_reconsent(
        &self,
        id: Uuid,
        provider: Provider,
        why: &str,
    ) -> Result<(), PmError> {
        tracing::warn!(integration_id = %id, provider = provider.name(), reason = why, "waiting for re-consent");
        sqlx::query!(
            "UPDATE integrations SET status = 'needs_reconsent', last_error = $2,
                    sync_lease_until = NULL, updated_at = now() WHERE id = $1",
            id,
            reconsent_words(provider),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

// -------------------------------------------------------------------------------- sync state

/// Every integration a scheduled resync covers (all but those waiting for re-consent).
pub async fn syncable_integrations(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("SELECT id FROM integrations WHERE status <> 'needs_reconsent' ORDER BY id")
        .fetch_all(pool)
        .await
}

/// An integration's status, when it still exists.
pub async fn status(pool: &PgPool, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT status FROM integrations WHERE id = $1", id)
        .fetch_optional(pool)
        .await
}

/// Takes the integration's sync lease: one sync per integration at a time. None when another
/// sync holds it, or the integration is gone or waits for re-consent.
pub async fn take_lease(
    pool: &PgPool,
    id: Uuid,
    ttl: Duration,
) -> Result<Option<IntegrationRow>, PmError> {
    Ok(sqlx::query_as!(
        IntegrationRow,
        "UPDATE integrations SET sync_lease_until = now() + make_interval(secs => $2),
                status = 'syncing', updated_at = now()
         WHERE id = $1 AND status <> 'needs_reconsent'
           AND (sync_lease_until IS NULL OR sync_lease_until < now())
         RETURNING id, business_id, provider, status, external_tenant_id, external_tenant_name, site_url,
                access_token, refresh_token, token_key_id, token_expires_at, sync_watermark,
                last_full_sync_at",
        id,
        ttl.as_secs_f64()
    )
    .fetch_optional(pool)
    .await?)
}

pub async fn finish_sync(
    pool: &PgPool,
    id: Uuid,
    started_at: DateTime<Utc>,
    full: bool,
    warning: Option<&str>,
) -> Result<(), PmError> {
    sqlx::query!(
        "UPDATE integrations SET status = 'connected', last_synced_at = now(), sync_watermark = $2,
                last_full_sync_at = CASE WHEN $3 THEN $2 ELSE last_full_sync_at END,
                sync_lease_until = NULL, last_error = $4, updated_at = now()
         WHERE id = $1",
        id,
        started_at,
        full,
        warning,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn fail_sync(pool: &PgPool, id: Uuid, error: &PmError) -> Result<(), PmError> {
    // A refused grant waits for the business to connect again, and says so in the words
    // `needs_reconsent` writes (a refused refresh inside the sync has written them already).
    let (status, message) = match error {
        PmError::Unauthorized { provider, .. } => ("needs_reconsent", reconsent_words(*provider)),
        _ => ("error", error.for_owner()),
    };
    let message: String = message.chars().take(1000).collect();
    sqlx::query!(
        "UPDATE integrations SET status = $2, last_error = $3, sync_lease_until = NULL,
                updated_at = now() WHERE id = $1",
        id,
        status,
        message,
    )
    .execute(pool)
    .await?;
    Ok(())
}

// ------------------------------------------------------------------------------- webhooks

pub async fn webhooks(pool: &PgPool, integration_id: Uuid) -> Result<Vec<WebhookRow>, PmError> {
    Ok(sqlx::query_as!(
        WebhookRow,
        "SELECT id, resource_id, external_webhook_id, expires_at FROM integration_webhooks
         WHERE integration_id = $1 ORDER BY created_at",
        integration_id
    )
    .fetch_all(pool)
    .await?)
}

/// `WebhookLedger` over `integration_webhooks`.
pub struct StoreLedger<'a> {
    pub pool: &'a PgPool,
    pub cipher: &'a TokenCipher,
    pub integration_id: Uuid,
}

#[async_trait::async_trait]
impl WebhookLedger for StoreLedger<'_> {
    async fn begin(&self, resource_id: &str, handshake_window: Duration) -> Result<Uuid, PmError> {
        let window = (!handshake_window.is_zero()).then(|| handshake_window.as_secs_f64());
        Ok(sqlx::query_scalar!(
            "INSERT INTO integration_webhooks (integration_id, resource_id, handshake_until)
             VALUES ($1, $2, now() + make_interval(secs => $3))
             ON CONFLICT (integration_id, resource_id) DO UPDATE SET
                 external_webhook_id = NULL, secret = NULL, secret_key_id = NULL, expires_at = NULL,
                 handshake_until = EXCLUDED.handshake_until
             RETURNING id",
            self.integration_id,
            resource_id,
            window,
        )
        .fetch_one(self.pool)
        .await?)
    }

    async fn created(
        &self,
        row: Uuid,
        external_webhook_id: &str,
        expires_at: Option<DateTime<Utc>>,
        secret: Option<&str>,
    ) -> Result<(), PmError> {
        let sealed = secret.map(|s| {
            self.cipher.seal(
                &SecretString::from(s.to_owned()),
                &webhook_secret_context(row),
            )
        });
        sqlx::query!(
            "UPDATE integration_webhooks SET external_webhook_id = $2, expires_at = $3,
                    secret = COALESCE($4, secret),
                    secret_key_id = CASE WHEN $4 IS NULL THEN secret_key_id ELSE $5 END,
                    handshake_until = NULL
             WHERE id = $1",
            row,
            external_webhook_id,
            expires_at,
            sealed,
            self.cipher.current_key_id(),
        )
        .execute(self.pool)
        .await?;
        Ok(())
    }

    async fn extended(&self, row: Uuid, expires_at: DateTime<Utc>) -> Result<(), PmError> {
        sqlx::query!(
            "UPDATE integration_webhooks SET expires_at = $2 WHERE id = $1",
            row,
            expires_at,
        )
        .execute(self.pool)
        .await?;
        Ok(())
    }

    async fn forget(&self, row: Uuid) -> Result<(), PmError> {
        sqlx::query!("DELETE FROM integration_webhooks WHERE id = $1", row,)
            .execute(self.pool)
            .await?;
        Ok(())
    }
}
