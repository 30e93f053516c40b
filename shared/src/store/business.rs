//! A business's profile, hours, notification targets, and phone and transfer numbers: what the
//! admin API shows and replaces, and what the agent manager builds the agent from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::BusinessId;
use crate::domain::business_hours::BusinessHours;
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Business {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
    pub default_region: String,
    pub business_hours: BusinessHours,
    pub notification_emails: Vec<String>,
    pub notification_phone: Option<String>,
    pub phone_numbers: Vec<PhoneNumber>,
    pub transfer_numbers: Vec<TransferNumber>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PhoneNumber {
    /// E.164.
    pub phone: String,
    pub label: Option<String>,
    /// Set once the agent manager has imported the number into ElevenLabs.
    pub elevenlabs_phone_number_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TransferNumber {
    pub phone: String,
    pub label: String,
    pub condition: String,
}

/// A checked replacement of the business document (numbers in E.164, emails normalised).
pub struct BusinessUpdate {
    pub name: String,
    pub timezone: String,
    pub default_region: String,
    pub business_hours: BusinessHours,
    pub notification_emails: Vec<String>,
    pub notification_phone: Option<String>,
    /// (E.164, label).
    pub phone_numbers: Vec<(String, Option<String>)>,
    pub transfer_numbers: Vec<TransferNumber>,
}

/// The business as the API shows it; 404 when there is none.
pub async fn load(pool: &sqlx::PgPool, business_id: BusinessId) -> Result<Business, ApiError> {
    let row = sqlx::query!(
        r#"SELECT id, name, timezone, default_region,
                  business_hours AS "business_hours: Json<BusinessHours>",
                  notification_emails, notification_phone, created_at, updated_at
           FROM businesses WHERE id = $1"#,
        business_id.get()
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such business"))?;
    let phone_numbers = sqlx::query_as!(
        PhoneNumber,
        "SELECT phone_e164 AS phone, label, elevenlabs_phone_number_id
         FROM business_phone_numbers WHERE business_id = $1 ORDER BY created_at, phone_e164",
        business_id.get()
    )
    .fetch_all(pool)
    .await?;
    let transfer_numbers = sqlx::query_as!(
        TransferNumber,
        "SELECT phone_e164 AS phone, label, condition
         FROM business_transfer_numbers WHERE business_id = $1 ORDER BY position",
        business_id.get()
    )
    .fetch_all(pool)
    .await?;
    Ok(Business {
        id: row.id,
        name: row.name,
        timezone: row.timezone,
        default_region: row.default_region,
        business_hours: row.business_hours.0,
        notification_emails: row.notification_emails,
        notification_phone: row.notification_phone,
        phone_numbers,
        transfer_numbers,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Replaces the document in one transaction. A phone number another business holds is a 409 that
/// names it, and nothing changes.
pub async fn replace(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    update: &BusinessUpdate,
) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    let updated = sqlx::query!(
        "UPDATE businesses SET name = $2, timezone = $3, default_region = $4, business_hours = $5,
                notification_emails = $6, notification_phone = $7, updated_at = now()
         WHERE id = $1",
        business_id.get(),
        update.name,
        update.timezone,
        update.default_region,
        Json(&update.business_hours) as _,
        &update.notification_emails,
        update.notification_phone,
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("no such business"));
    }
    let phones: Vec<String> = update.phone_numbers.iter().map(|p| p.0.clone()).collect();
    sqlx::query!(
        "DELETE FROM business_phone_numbers WHERE business_id = $1 AND NOT (phone_e164 = ANY($2))",
        business_id.get(),
        &phones,
    )
    .execute(&mut *tx)
    .await?;
    for (phone, label) in &update.phone_numbers {
        let taken = || {
            ApiError::conflict(
                "phone_number_taken",
                format!("phone_numbers: {phone} already belongs to another business"),
            )
        };
        // The update only applies to our own row: no row back means another tenant has the number.
        let mine = sqlx::query_scalar!(
            "INSERT INTO business_phone_numbers (business_id, phone_e164, label) VALUES ($1, $2, $3)
             ON CONFLICT (phone_e164) DO UPDATE SET label = EXCLUDED.label
                 WHERE business_phone_numbers.business_id = EXCLUDED.business_id
             RETURNING business_id",
            business_id.get(),
            phone,
            label.as_deref(),
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db)
                if db.constraint() == Some("business_phone_numbers_phone_e164_key") =>
            {
                taken()
            }
            _ => e.into(),
        })?;
        if mine.is_none() {
            return Err(taken());
        }
    }
    sqlx::query!(
        "DELETE FROM business_transfer_numbers WHERE business_id = $1",
        business_id.get()
    )
    .execute(&mut *tx)
    .await?;
    for (position, t) in update.transfer_numbers.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO business_transfer_numbers (business_id, position, phone_e164, label, condition)
             VALUES ($1, $2, $3, $4, $5)",
            business_id.get(),
            position as i32,
            t.phone,
            t.label,
            t.condition,
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A new business as the operator creates it, with its first owner.
pub struct NewBusinessRow<'a> {
    pub name: &'a str,
    pub timezone: &'a str,
    pub default_region: &'a str,
    /// E.164.
    pub phone_numbers: &'a [String],
    pub owner_email: &'a str,
    pub owner_password_hash: &'a str,
}

/// Creates the business, its agent configuration row, its numbers and its owner in one
/// transaction; returns (business id, owner's user id). A taken number or email is the unique
/// violation of `business_phone_numbers_phone_e164_key` or `users_email_key`, and nothing stays.
pub async fn create_with_owner(
    pool: &sqlx::PgPool,
    b: &NewBusinessRow<'_>,
) -> Result<(BusinessId, Uuid), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let business_id = BusinessId::new(sqlx::query_scalar!(
        "INSERT INTO businesses (name, timezone, default_region) VALUES ($1, $2, $3) RETURNING id",
        b.name,
        b.timezone,
        b.default_region
    )
    .fetch_one(&mut *tx)
    .await?);
    sqlx::query!(
        "INSERT INTO agent_configs (business_id) VALUES ($1)",
        business_id.get()
    )
    .execute(&mut *tx)
    .await?;
    for phone in b.phone_numbers {
        sqlx::query!(
            "INSERT INTO business_phone_numbers (business_id, phone_e164) VALUES ($1, $2)",
            business_id.get(),
            phone
        )
        .execute(&mut *tx)
        .await?;
    }
    let owner = super::users::insert(
        &mut tx,
        b.owner_email,
        b.owner_password_hash,
        crate::domain::catalog::Role::BusinessOwner,
        Some(business_id),
    )
    .await?;
    tx.commit().await?;
    Ok((business_id, owner))
}

/// Whether the business exists.
pub async fn exists(pool: &sqlx::PgPool, business_id: BusinessId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM businesses WHERE id = $1) AS "exists!""#,
        business_id.get()
    )
    .fetch_one(pool)
    .await
}
