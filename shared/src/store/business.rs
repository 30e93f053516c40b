//! A business's profile, hours, notification targets, and phone and transfer numbers: what the
//! admin API shows and replaces, and what the agent manager builds the agent from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::BusinessId;
use crate::domain::business_hours::BusinessHours;
use crate::domain::numbers::NumberChanges;
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
    /// Assigned by a platform admin or the operator CLI: only such numbers are connected to the
    /// business's agent by the agent sync.
    pub platform_assigned: bool,
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
    /// (E.164, label); `None` keeps the numbers and their labels as they are.
    pub phone_numbers: Option<Vec<(String, Option<String>)>>,
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
        r#"SELECT phone_e164 AS phone, label, elevenlabs_phone_number_id,
                  assigned_via <> 'unconfirmed' AS "platform_assigned!"
           FROM business_phone_numbers WHERE business_id = $1 ORDER BY created_at, phone_e164"#,
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

/// Who is replacing the document: it decides whether the number list may change.
#[derive(Debug, Clone, Copy)]
pub enum Editor {
    /// The business's own user: numbers stay as they are (labels may change).
    Tenant,
    /// A platform admin (this user): numbers may be added and removed.
    PlatformAdmin(Uuid),
}

/// Replaces the document in one transaction. A tenant adding or removing a number is a 403 that
/// says who can; a number another business holds is a 409 that names it; either way nothing
/// changes.
pub async fn replace(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    update: &BusinessUpdate,
    editor: Editor,
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
    if let Some(numbers) = &update.phone_numbers {
        replace_numbers(&mut tx, business_id, numbers, editor).await?;
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

async fn replace_numbers(
    tx: &mut sqlx::PgConnection,
    business_id: BusinessId,
    numbers: &[(String, Option<String>)],
    editor: Editor,
) -> Result<(), ApiError> {
    // The business row is locked by the update before this: concurrent replacements queue.
    let current = sqlx::query_scalar!(
        "SELECT phone_e164 FROM business_phone_numbers WHERE business_id = $1",
        business_id.get()
    )
    .fetch_all(&mut *tx)
    .await?;
    let wanted: Vec<String> = numbers.iter().map(|n| n.0.clone()).collect();
    let changes = NumberChanges::between(&current, &wanted);
    let assigner = match editor {
        Editor::PlatformAdmin(user) => Some(user),
        Editor::Tenant => None,
    };
    if assigner.is_none() {
        if let Some(added) = changes.added.first() {
            let i = wanted.iter().position(|w| w == added).unwrap_or_default();
            return Err(ApiError::forbidden(format!(
                "phone_numbers[{i}].phone: {added} is not one of this business's numbers; \
                 {ONLY_PLATFORM}"
            )));
        }
        if let Some(removed) = changes.removed.first() {
            return Err(ApiError::forbidden(format!(
                "phone_numbers: {removed} is missing; {ONLY_PLATFORM} (send the numbers as GET \
                 returns them, or leave phone_numbers out to keep them)"
            )));
        }
    }
    sqlx::query!(
        "DELETE FROM business_phone_numbers WHERE business_id = $1 AND NOT (phone_e164 = ANY($2))",
        business_id.get(),
        &wanted,
    )
    .execute(&mut *tx)
    .await?;
    for (phone, label) in numbers {
        if current.contains(phone) {
            // A platform admin's PUT also confirms a number recorded before assignments were.
            sqlx::query!(
                "UPDATE business_phone_numbers SET label = $3,
                        assigned_via = CASE WHEN $4::uuid IS NOT NULL AND assigned_via = 'unconfirmed'
                                            THEN 'platform_admin' ELSE assigned_via END,
                        assigned_by = CASE WHEN $4::uuid IS NOT NULL AND assigned_via = 'unconfirmed'
                                           THEN $4 ELSE assigned_by END,
                        assigned_at = CASE WHEN $4::uuid IS NOT NULL AND assigned_via = 'unconfirmed'
                                           THEN now() ELSE assigned_at END
                 WHERE business_id = $1 AND phone_e164 = $2",
                business_id.get(),
                phone,
                label.as_deref(),
                assigner,
            )
            .execute(&mut *tx)
            .await?;
            continue;
        }
        sqlx::query!(
            "INSERT INTO business_phone_numbers
                 (business_id, phone_e164, label, assigned_via, assigned_by, assigned_at)
             VALUES ($1, $2, $3, 'platform_admin', $4, now())",
            business_id.get(),
            phone,
            label.as_deref(),
            assigner,
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            super::Taken::PhoneNumber.or_error(
                e,
                format!("phone_numbers: {phone} already belongs to another business"),
            )
        })?;
    }
    Ok(())
}

/// What the 403 for a tenant changing its numbers says.
const ONLY_PLATFORM: &str = "numbers are added to and removed from a business only by a platform \
    admin (this route with a platform-admin token, or `studioconnect-operator business \
    add-number` / `remove-number`)";

/// A new business as the operator creates it, with its first owner.
pub struct NewBusinessRow<'a> {
    pub name: &'a str,
    pub timezone: &'a str,
    pub default_region: &'a str,
    /// E.164.
    pub phone_numbers: &'a [String],
    pub owner_email: &'a str,
    pub owner: NewOwner<'a>,
}

impl NewOwner<'_> {
    /// Who assigned the numbers (`business_phone_numbers.assigned_via`, `assigned_by`).
    fn assignment(&self) -> (&'static str, Option<Uuid>) {
        match self {
            NewOwner::Password(_) => ("operator", None),
            NewOwner::Invited { invited_by, .. } => ("platform_admin", Some(*invited_by)),
        }
    }
}

/// How the first owner signs in: a password set now (the operator CLI), or an invitation they
/// accept (the admin API).
pub enum NewOwner<'a> {
    Password(&'a str),
    Invited {
        digest: &'a str,
        expires_at: chrono::DateTime<chrono::Utc>,
        invited_by: Uuid,
    },
}

/// Creates the business, its agent configuration row, its numbers and its owner in one
/// transaction; returns (business id, owner's user id). A taken number or email is the unique
/// violation of `business_phone_numbers_phone_e164_key` or `users_email_key`, and nothing stays.
pub async fn create_with_owner(
    pool: &sqlx::PgPool,
    b: &NewBusinessRow<'_>,
) -> Result<(BusinessId, Uuid), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let created = insert_with_owner(&mut tx, b).await?;
    tx.commit().await?;
    Ok(created)
}

/// `create_with_owner` inside the caller's transaction (which may record more with it).
pub async fn insert_with_owner(
    tx: &mut sqlx::PgConnection,
    b: &NewBusinessRow<'_>,
) -> Result<(BusinessId, Uuid), sqlx::Error> {
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
    let (assigned_via, assigned_by) = b.owner.assignment();
    for phone in b.phone_numbers {
        sqlx::query!(
            "INSERT INTO business_phone_numbers (business_id, phone_e164, assigned_via, assigned_by, assigned_at)
             VALUES ($1, $2, $3, $4, now())",
            business_id.get(),
            phone,
            assigned_via,
            assigned_by,
        )
        .execute(&mut *tx)
        .await?;
    }
    let role = crate::domain::catalog::Role::BusinessOwner;
    let owner = match b.owner {
        NewOwner::Password(hash) => {
            super::users::insert(tx, b.owner_email, hash, role, Some(business_id)).await?
        }
        NewOwner::Invited {
            digest,
            expires_at,
            invited_by,
        } => {
            super::users::invite(
                tx,
                business_id,
                b.owner_email,
                role,
                digest,
                expires_at,
                invited_by,
            )
            .await?
        }
    };
    Ok((business_id, owner))
}

/// The operator CLI's assignment of a number to a business (also confirms a number recorded before
/// assignments were tracked). `false` when another business holds the number.
pub async fn assign_number(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    phone: &str,
    label: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let mine = sqlx::query_scalar!(
        "INSERT INTO business_phone_numbers (business_id, phone_e164, label, assigned_via, assigned_at)
         VALUES ($1, $2, $3, 'operator', now())
         ON CONFLICT (phone_e164) DO UPDATE
             SET label = COALESCE(EXCLUDED.label, business_phone_numbers.label),
                 assigned_via = 'operator', assigned_by = NULL, assigned_at = now()
             WHERE business_phone_numbers.business_id = EXCLUDED.business_id
         RETURNING business_id",
        business_id.get(),
        phone,
        label,
    )
    .fetch_optional(pool)
    .await?;
    Ok(mine.is_some())
}

/// Takes a number away from a business; `false` when the business did not hold it.
pub async fn release_number(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
    phone: &str,
) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query!(
        "DELETE FROM business_phone_numbers WHERE business_id = $1 AND phone_e164 = $2",
        business_id.get(),
        phone,
    )
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected() > 0)
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
