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
use crate::store::{
    self, Taken,
    business::{NewBusinessRow, NewOwner},
};

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
    /// A value that is refused, and the field (the API body's, the CLI's option) it came in.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Something another record already holds: a stable code and what conflicts.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn invalid(field: &'static str, message: impl Into<String>) -> OperatorError {
    OperatorError::Invalid {
        field,
        message: message.into(),
    }
}

impl From<OperatorError> for crate::error::ApiError {
    fn from(e: OperatorError) -> Self {
        match e {
            OperatorError::Invalid { field, message } => super::request::invalid(field, message),
            OperatorError::Conflict { code, message } => {
                crate::error::ApiError::conflict(code, message)
            }
            OperatorError::Database(e) => e.into(),
            OperatorError::Other(e) => crate::error::ApiError::internal(e),
        }
    }
}

/// The same rule as the admin API's bodies (`domain::text`): no control character reaches a
/// stored name or label from the command line either.
fn printable(field: &'static str, value: &str) -> Result<(), OperatorError> {
    match crate::domain::text::forbidden_in(value) {
        Some(c) => Err(invalid(
            field,
            format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

fn email(field: &'static str, raw: &str) -> Result<String, OperatorError> {
    if raw.chars().count() > 320 {
        return Err(invalid(field, "at most 320 characters"));
    }
    crate::domain::answers::email(raw)
        .ok_or_else(|| invalid(field, format!("{raw:?} is not an email address")))
}

fn conflict(e: sqlx::Error) -> OperatorError {
    let Some(taken) = Taken::of(&e) else {
        return OperatorError::Database(e);
    };
    let message = match taken {
        Taken::Email => "a user with that email already exists",
        Taken::PhoneNumber => "a phone number already belongs to another business",
    };
    OperatorError::Conflict {
        code: taken.code(),
        message: message.into(),
    }
}

/// A new business as checked, the same for the CLI and `POST /api/businesses`.
#[derive(Debug, Clone)]
pub struct CheckedBusiness {
    pub name: String,
    pub timezone: String,
    pub region: String,
    /// E.164.
    pub phone_numbers: Vec<String>,
    pub owner_email: String,
}

/// Checks a new business: a printable name of 1 to 200 characters, an IANA time zone, an ISO 3166
/// region, numbers read in that region, the owner's email. Errors name the API body's fields.
pub fn check_business(
    name: &str,
    timezone: &str,
    region: &str,
    phone_numbers: &[String],
    owner_email: &str,
) -> Result<CheckedBusiness, OperatorError> {
    let name = name.trim().to_owned();
    printable("name", &name)?;
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "must be 1 to 200 characters"));
    }
    let tz = Timezone::try_from(timezone.trim().to_owned()).map_err(|e| invalid("timezone", e))?;
    let region = region.trim().to_uppercase();
    if !crate::phone::is_region(&region) {
        return Err(invalid(
            "default_region",
            format!("{region:?} is not an ISO 3166 two-letter region"),
        ));
    }
    if phone_numbers.len() > MAX_NEW_BUSINESS_NUMBERS {
        return Err(invalid(
            "phone_numbers",
            format!("at most {MAX_NEW_BUSINESS_NUMBERS} numbers"),
        ));
    }
    let mut phones = Vec::new();
    for p in phone_numbers {
        let e = E164::parse(p, &region).map_err(|e| invalid("phone_numbers", e.to_string()))?;
        if !phones.contains(&e.as_str().to_owned()) {
            phones.push(e.as_str().to_owned());
        }
    }
    Ok(CheckedBusiness {
        name,
        timezone: tz.to_string(),
        region,
        phone_numbers: phones,
        owner_email: email("owner_email", owner_email)?,
    })
}

/// Numbers a new business may start with (more are assigned one by one).
pub const MAX_NEW_BUSINESS_NUMBERS: usize = 10;

/// A business, its agent config row, its numbers and its first owner with a password (the CLI),
/// in one transaction.
pub async fn create_business(
    db: &Database,
    b: NewBusiness,
) -> Result<CreatedBusiness, OperatorError> {
    let checked = check_business(
        &b.name,
        &b.timezone,
        &b.region,
        &b.phone_numbers,
        &b.owner_email,
    )?;
    check_new_password(&b.owner_password).map_err(|e| invalid("password", e))?;
    let hash = hash_password(&b.owner_password)?;
    let pool = db
        .pool()
        .await
        .map_err(|e| OperatorError::Other(e.into()))?;
    let (business_id, owner_user_id) =
        store::business::create_with_owner(pool, &row(&checked, NewOwner::Password(&hash)))
            .await
            .map_err(conflict)?;
    Ok(CreatedBusiness {
        business_id,
        owner_user_id,
        phone_numbers: checked.phone_numbers,
    })
}

/// The same, with the owner invited (`POST /api/businesses`), in the caller's transaction: they
/// set their password through the invitation link; the platform admin who made it is recorded as
/// the inviter.
pub async fn create_business_inviting_owner(
    tx: &mut sqlx::PgConnection,
    checked: &CheckedBusiness,
    invite_digest: &str,
    invite_expires_at: chrono::DateTime<chrono::Utc>,
    invited_by: Uuid,
) -> Result<(BusinessId, Uuid), OperatorError> {
    store::business::insert_with_owner(
        tx,
        &row(
            checked,
            NewOwner::Invited {
                digest: invite_digest,
                expires_at: invite_expires_at,
                invited_by,
            },
        ),
    )
    .await
    .map_err(conflict)
}

fn row<'a>(c: &'a CheckedBusiness, owner: NewOwner<'a>) -> NewBusinessRow<'a> {
    NewBusinessRow {
        name: &c.name,
        timezone: &c.timezone,
        default_region: &c.region,
        phone_numbers: &c.phone_numbers,
        owner_email: &c.owner_email,
        owner,
    }
}

/// A user: a platform admin (no business) or an owner/member of `business_id`.
pub async fn create_user(
    db: &Database,
    email_raw: &str,
    password: &str,
    role: Role,
    business_id: Option<BusinessId>,
) -> Result<Uuid, OperatorError> {
    let email = email("email", email_raw)?;
    if (role == Role::PlatformAdmin) != business_id.is_none() {
        return Err(invalid(
            "business",
            "a platform admin has no business; every other user needs --business",
        ));
    }
    check_new_password(password).map_err(|e| invalid("password", e))?;
    let hash = hash_password(password)?;
    let pool = db
        .pool()
        .await
        .map_err(|e| OperatorError::Other(e.into()))?;
    if let Some(b) = business_id
        && !store::business::exists(pool, b).await?
    {
        return Err(invalid("business", format!("no business {b}")));
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
            return Err(invalid("label", "must be at most 100 characters"));
        }
    }
    if !store::business::assign_number(pool, business_id, phone.as_str(), label).await? {
        return Err(OperatorError::Conflict {
            code: Taken::PhoneNumber.code(),
            message: format!("{phone} already belongs to another business; remove it there first"),
        });
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
        return Err(invalid(
            "phone",
            format!("business {business_id} has no number {phone}"),
        ));
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
        .map_err(|_| invalid("business", format!("no business {business_id}")))?
        .default_region;
    let phone = E164::parse(raw, &region).map_err(|e| invalid("phone", e.to_string()))?;
    Ok((pool, phone))
}

/// Sets a user's password (the operator's reset: the user forgot it, or it leaked) and ends every
/// session of theirs.
pub async fn reset_password(
    db: &Database,
    email_raw: &str,
    password: &str,
) -> Result<Uuid, OperatorError> {
    let email = email("email", email_raw)?;
    check_new_password(password).map_err(|e| invalid("password", e))?;
    let hash = hash_password(password)?;
    let pool = db
        .pool()
        .await
        .map_err(|e| OperatorError::Other(e.into()))?;
    let user_id = store::users::id_by_email(pool, &email)
        .await?
        .ok_or_else(|| invalid("email", format!("no user {email}")))?;
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
