//! What the operator CLI (`infra/operator`) does to bootstrap a deployment without SQL: create a
//! business with its first owner, assign and release its numbers, and create users. Validated
//! like the admin API.

use serde::Serialize;
use uuid::Uuid;

use super::auth::{check_new_password, hash_password};
use crate::db::Database;
use crate::domain::BusinessId;
use crate::domain::business_hours::Timezone;
use crate::domain::catalog::Role;
use crate::phone::E164;
use crate::store::{self, business::NewBusinessRow};

#[derive(Debug, Clone)]
pub struct NewBusiness {
    pub name: String,
    pub timezone: String,
    pub region: String,
    pub phone_numbers: Vec<String>,
    pub owner_email: String,
    pub owner_password: String,
}

#[derive(Debug, Serialize)]
pub struct CreatedBusiness {
    pub business_id: BusinessId,
    pub owner_user_id: Uuid,
    pub phone_numbers: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The same rule as the admin API's bodies (`domain::text`): no control character reaches a
/// stored name or label from the command line either.
fn printable(field: &str, value: &str) -> Result<(), OperatorError> {
    match crate::domain::text::forbidden_in(value) {
        Some(c) => Err(OperatorError::Invalid(format!(
            "{field} must not contain control characters (found U+{:04X})",
            c as u32
        ))),
        None => Ok(()),
    }
}

fn email(raw: &str) -> Result<String, OperatorError> {
    crate::domain::answers::email(raw)
        .ok_or_else(|| OperatorError::Invalid(format!("{raw:?} is not an email address")))
}

fn conflict(e: sqlx::Error) -> OperatorError {
    match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("users_email_key") => {
            OperatorError::Conflict("a user with that email already exists".into())
        }
        sqlx::Error::Database(d)
            if d.constraint() == Some("business_phone_numbers_phone_e164_key") =>
        {
            OperatorError::Conflict("a phone number already belongs to another business".into())
        }
        _ => OperatorError::Database(e),
    }
}

/// A business, its agent config row, its numbers and its first owner, in one transaction.
pub async fn create_business(
    db: &Database,
    b: NewBusiness,
) -> Result<CreatedBusiness, OperatorError> {
    let name = b.name.trim().to_owned();
    printable("name", &name)?;
    if name.is_empty() || name.chars().count() > 200 {
        return Err(OperatorError::Invalid(
            "name must be 1 to 200 characters".into(),
        ));
    }
    let tz = Timezone::try_from(b.timezone).map_err(OperatorError::Invalid)?;
    let region = b.region.trim().to_uppercase();
    if !crate::phone::is_region(&region) {
        return Err(OperatorError::Invalid(format!(
            "{region:?} is not an ISO 3166 two-letter region"
        )));
    }
    let mut phones = Vec::new();
    for p in &b.phone_numbers {
        let e = E164::parse(p, &region).map_err(|e| OperatorError::Invalid(e.to_string()))?;
        phones.push(e.as_str().to_owned());
    }
    let owner_email = email(&b.owner_email)?;
    check_new_password(&b.owner_password).map_err(OperatorError::Invalid)?;
    let hash = hash_password(&b.owner_password)?;
    let pool = db
        .pool()
        .await
        .map_err(|e| OperatorError::Other(e.into()))?;
    let timezone = tz.to_string();
    let (business_id, owner_user_id) = store::business::create_with_owner(
        pool,
        &NewBusinessRow {
            name: &name,
            timezone: &timezone,
            default_region: &region,
            phone_numbers: &phones,
            owner_email: &owner_email,
            owner_password_hash: &hash,
        },
    )
    .await
    .map_err(conflict)?;
    Ok(CreatedBusiness {
        business_id,
        owner_user_id,
        phone_numbers: phones,
    })
}

/// A user: a platform admin (no business) or an owner/member of `business_id`.
pub async fn create_user(
    db: &Database,
    email_raw: &str,
    password: &str,
    role: Role,
    business_id: Option<BusinessId>,
) -> Result<Uuid, OperatorError> {
    let email = email(email_raw)?;
    if (role == Role::PlatformAdmin) != business_id.is_none() {
        return Err(OperatorError::Invalid(
            "a platform admin has no business; every other user needs --business".into(),
        ));
    }
    check_new_password(password).map_err(OperatorError::Invalid)?;
    let hash = hash_password(password)?;
    let pool = db
        .pool()
        .await
        .map_err(|e| OperatorError::Other(e.into()))?;
    if let Some(b) = business_id
        && !store::business::exists(pool, b).await?
    {
        return Err(OperatorError::Invalid(format!("no business {b}")));
    }
    store::users::insert(
        &mut *pool.acquire().await?,
        &email,
        &hash,
        role,
        business_id,
    )
    .await
    .map_err(conflict)
}

/// Assigns a number to a business (the operator is a platform admin): the agent sync may then
/// connect it to the business's agent. Returns the number in E.164.
pub async fn add_number(
    db: &Database,
    business_id: BusinessId,
    raw_phone: &str,
    label: Option<&str>,
) -> Result<String, OperatorError> {
    let (pool, phone) = business_number(db, business_id, raw_phone).await?;
    let label = label.map(str::trim).filter(|l| !l.is_empty());
    if let Some(label) = label {
        printable("label", label)?;
        if label.chars().count() > 100 {
            return Err(OperatorError::Invalid(
                "label must be at most 100 characters".into(),
            ));
        }
    }
    if !store::business::assign_number(pool, business_id, phone.as_str(), label).await? {
        return Err(OperatorError::Conflict(format!(
            "{phone} already belongs to another business; remove it there first"
        )));
    }
    Ok(phone.as_str().to_owned())
}

/// Takes a number away from a business.
pub async fn remove_number(
    db: &Database,
    business_id: BusinessId,
    raw_phone: &str,
) -> Result<String, OperatorError> {
    let (pool, phone) = business_number(db, business_id, raw_phone).await?;
    if !store::business::release_number(pool, business_id, phone.as_str()).await? {
        return Err(OperatorError::Invalid(format!(
            "business {business_id} has no number {phone}"
        )));
    }
    Ok(phone.as_str().to_owned())
}

/// The pool, and `raw` read as a number in the business's region.
async fn business_number<'d>(
    db: &'d Database,
    business_id: BusinessId,
    raw: &str,
) -> Result<(&'d sqlx::PgPool, E164), OperatorError> {
    let pool = db
        .pool()
        .await
        .map_err(|e| OperatorError::Other(e.into()))?;
    let region = store::business::load(pool, business_id)
        .await
        .map_err(|_| OperatorError::Invalid(format!("no business {business_id}")))?
        .default_region;
    let phone = E164::parse(raw, &region).map_err(|e| OperatorError::Invalid(e.to_string()))?;
    Ok((pool, phone))
}

/// Sets a user's password (the operator's reset: the user forgot it, or it leaked) and ends every
/// session of theirs.
pub async fn reset_password(
    db: &Database,
    email_raw: &str,
    password: &str,
) -> Result<Uuid, OperatorError> {
    let email = email(email_raw)?;
    check_new_password(password).map_err(OperatorError::Invalid)?;
    let hash = hash_password(password)?;
    let pool = db
        .pool()
        .await
        .map_err(|e| OperatorError::Other(e.into()))?;
    let user_id = store::users::id_by_email(pool, &email)
        .await?
        .ok_or_else(|| OperatorError::Invalid(format!("no user {email}")))?;
    let mut tx = pool.begin().await?;
    store::users::set_password(&mut tx, user_id, &hash).await?;
    store::sessions::revoke_all(&mut tx, user_id).await?;
    store::auth_events::record(
        &mut *tx,
        &store::auth_events::AuthEvent {
            kind: "password_reset",
            user_id: Some(user_id),
            email: Some(&email),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}
