//! A business's known clients and the numbers they call from. Within a business a number names
//! one client.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Keyed, Keyset};
use crate::domain::BusinessId;
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub notes: String,
    /// The client's own greeting while open; empty uses the business's.
    pub welcome_message: String,
    /// E.164.
    pub phone_numbers: Vec<String>,
    /// Whether the client set a PIN to verify with on calls (the PIN itself is never shown).
    pub has_pin: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Keyed for Client {
    fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }
}

/// What a write does to the client's PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinChange {
    Keep,
    Clear,
    /// Its argon2 hash.
    Set(String),
}

impl PinChange {
    fn new_hash(&self) -> Option<&str> {
        match self {
            PinChange::Set(hash) => Some(hash),
            _ => None,
        }
    }
}

/// A checked client document (email normalised, numbers in E.164 without repeats).
pub struct ClientUpdate {
    pub name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub notes: String,
    pub welcome_message: String,
    pub phone_numbers: Vec<String>,
    pub pin: PinChange,
}

/// One page of the list, newest first.
pub struct ClientFilter {
    /// Part of the name or company (LIKE wildcards taken literally), or three or more digits of
    /// a phone number.
    pub search: Option<String>,
    pub page: Keyset,
}

pub async fn list(
    pool: &PgPool,
    business_id: BusinessId,
    f: &ClientFilter,
) -> Result<Vec<Client>, ApiError> {
    let search = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let digits: Option<String> = search
        .map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| d.len() >= 3);
    let pattern = search.map(super::contains_pattern);
    Ok(sqlx::query_as!(
        Client,
        r#"SELECT c.id, c.name, c.company, c.email, c.notes, c.welcome_message,
                  COALESCE((SELECT array_agg(p.phone_e164 ORDER BY p.phone_e164) FROM client_phone_numbers p
                            WHERE p.client_id = c.id), '{}') AS "phone_numbers!",
                  c.pin_hash IS NOT NULL AS "has_pin!", c.created_at, c.updated_at
           FROM clients c
           WHERE c.business_id = $1 AND (c.created_at, c.id) < ($2, $3)
             AND ($5::text IS NULL OR c.name ILIKE $5 OR c.company ILIKE $5
                  OR ($6::text IS NOT NULL AND EXISTS (SELECT 1 FROM client_phone_numbers p
                      WHERE p.client_id = c.id AND p.phone_e164 LIKE '%' || $6 || '%')))
           ORDER BY c.created_at DESC, c.id DESC LIMIT $4"#,
        business_id.get(),
        f.page.before.0,
        f.page.before.1,
        f.page.limit,
        pattern,
        digits,
    )
    .fetch_all(pool)
    .await?)
}

/// The client; 404 when the business has no such client.
pub async fn load(
    pool: &PgPool,
    business_id: BusinessId,
    client_id: Uuid,
) -> Result<Client, ApiError> {
    sqlx::query_as!(
        Client,
        r#"SELECT c.id, c.name, c.company, c.email, c.notes, c.welcome_message,
                  COALESCE((SELECT array_agg(p.phone_e164 ORDER BY p.phone_e164) FROM client_phone_numbers p
                            WHERE p.client_id = c.id), '{}') AS "phone_numbers!",
                  c.pin_hash IS NOT NULL AS "has_pin!", c.created_at, c.updated_at
           FROM clients c
           WHERE c.business_id = $1 AND c.id = $2"#,
        business_id.get(),
        client_id,
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such client"))
}

/// The business's default region, for reading numbers given without a country code.
pub async fn region_of(pool: &PgPool, business_id: BusinessId) -> Result<String, ApiError> {
    sqlx::query_scalar!(
        "SELECT default_region FROM businesses WHERE id = $1",
        business_id.get()
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such business"))
}

/// Creates the client and returns its id; a number another client has is a 409.
pub async fn create(
    pool: &PgPool,
    business_id: BusinessId,
    c: &ClientUpdate,
) -> Result<Uuid, ApiError> {
    let mut tx = pool.begin().await?;
    let client_id = sqlx::query_scalar!(
        "INSERT INTO clients (business_id, name, company, email, notes, pin_hash, welcome_message)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        business_id.get(),
        c.name,
        c.company,
        c.email,
        c.notes,
        c.pin.new_hash(),
        c.welcome_message,
    )
    .fetch_one(&mut *tx)
    .await?;
    replace_phones(&mut tx, business_id, client_id, &c.phone_numbers).await?;
    tx.commit().await?;
    Ok(client_id)
}

/// Replaces the client's document; 404 when the business has no such client.
pub async fn update(
    pool: &PgPool,
    business_id: BusinessId,
    client_id: Uuid,
    c: &ClientUpdate,
) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    let updated = sqlx::query!(
        "UPDATE clients SET name = $3, company = $4, email = $5, notes = $6,
                pin_hash = CASE WHEN $7 THEN $8 ELSE pin_hash END, welcome_message = $9,
                updated_at = now()
         WHERE id = $2 AND business_id = $1",
        business_id.get(),
        client_id,
        c.name,
        c.company,
        c.email,
        c.notes,
        !matches!(c.pin, PinChange::Keep),
        c.pin.new_hash(),
        c.welcome_message,
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("no such client"));
    }
    replace_phones(&mut tx, business_id, client_id, &c.phone_numbers).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the client (their calls and leads stay, unlinked); 404 when there is none.
pub async fn delete(
    pool: &PgPool,
    business_id: BusinessId,
    client_id: Uuid,
) -> Result<(), ApiError> {
    let deleted = sqlx::query!(
        "DELETE FROM clients WHERE id = $2 AND business_id = $1",
        business_id.get(),
        client_id
    )
    .execute(pool)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(ApiError::not_found("no such client"));
    }
    Ok(())
}

/// Whether the business has this client.
pub async fn exists(
    conn: &mut sqlx::PgConnection,
    business_id: BusinessId,
    client_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM clients WHERE id = $1 AND business_id = $2",
        client_id,
        business_id.get()
    )
    .fetch_optional(conn)
    .await?
    .is_some())
}

async fn replace_phones(
    tx: &mut Transaction<'_, Postgres>,
    business_id: BusinessId,
    client_id: Uuid,
    phones: &[String],
) -> Result<(), ApiError> {
    sqlx::query!(
        "DELETE FROM client_phone_numbers WHERE client_id = $1 AND business_id = $2",
        client_id,
        business_id.get()
    )
    .execute(&mut **tx)
    .await?;
    for phone in phones {
        sqlx::query!(
            "INSERT INTO client_phone_numbers (client_id, business_id, phone_e164) VALUES ($1, $2, $3)",
            client_id,
            business_id.get(),
            phone
        )
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            super::conflict_on(
                e,
                "client_phone_numbers_pkey",
                "phone_number_taken",
                format!("phone_numbers: {phone} already belongs to another client of this business"),
            )
        })?;
    }
    Ok(())
}
