//! `GET/PUT /api/businesses/{id}`: the business's profile, hours, notification targets, the numbers
//! that ring it and the numbers calls may be transferred to. PUT replaces the whole document.

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::request::invalid;
use super::{AdminState, method_not_allowed, ok};
use crate::domain::answers::email;
use crate::domain::business_hours::{BusinessHours, Timezone};
use crate::error::ApiError;
use crate::phone::E164;
use crate::web::parse_json;

pub const MAX_NOTIFICATION_EMAILS: usize = 10;
pub const MAX_PHONE_NUMBERS: usize = 20;
pub const MAX_TRANSFER_NUMBERS: usize = 10;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessInput {
    pub name: String,
    /// IANA time zone, e.g. `America/Los_Angeles`.
    pub timezone: String,
    /// ISO 3166 region used to read numbers written without a country code.
    #[serde(default = "default_region")]
    pub default_region: String,
    #[serde(default)]
    pub business_hours: BusinessHours,
    #[serde(default)]
    pub notification_emails: Vec<String>,
    #[serde(default)]
    pub notification_phone: Option<String>,
    /// The numbers that ring this business; each belongs to one business only.
    #[serde(default)]
    pub phone_numbers: Vec<PhoneNumberInput>,
    /// Where live calls may be transferred, in order of preference.
    #[serde(default)]
    pub transfer_numbers: Vec<TransferNumberInput>,
}

fn default_region() -> String {
    "US".into()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneNumberInput {
    pub phone: String,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferNumberInput {
    pub phone: String,
    #[serde(default)]
    pub label: String,
    /// When the agent should transfer, in words, e.g. "the caller asks for a person".
    pub condition: String,
}

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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct PhoneNumber {
    /// E.164.
    pub phone: String,
    pub label: Option<String>,
    /// Set once the agent manager has imported the number into ElevenLabs.
    pub elevenlabs_phone_number_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct TransferNumber {
    pub phone: String,
    pub label: String,
    pub condition: String,
}

#[utoipa::path(get, path = "/api/businesses/{id}", tag = "business",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = Business), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get(state: &AdminState, business_id: Uuid) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(StatusCode::OK, &load(pool, business_id).await?)
}

#[utoipa::path(put, path = "/api/businesses/{id}", tag = "business",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = BusinessInput,
    responses((status = 200, body = Business),
        (status = 400, body = crate::admin::openapi::ErrorBody, description = "a field is invalid; the message names it"),
        (status = 401, body = crate::admin::openapi::ErrorBody), (status = 403, body = crate::admin::openapi::ErrorBody),
        (status = 404, body = crate::admin::openapi::ErrorBody),
        (status = 409, body = crate::admin::openapi::ErrorBody, description = "a phone number already belongs to another business")),
    security(("bearer" = [])))]
pub(crate) async fn put(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let input: BusinessInput = parse_json(req)?;
    let valid = validate(input)?;
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE businesses SET name = $2, timezone = $3, default_region = $4, business_hours = $5,
                notification_emails = $6, notification_phone = $7, updated_at = now()
         WHERE id = $1",
    )
    .bind(business_id)
    .bind(&valid.name)
    .bind(&valid.timezone)
    .bind(&valid.default_region)
    .bind(sqlx::types::Json(&valid.business_hours))
    .bind(&valid.notification_emails)
    .bind(&valid.notification_phone)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("no such business"));
    }
    let phones: Vec<&str> = valid
        .phone_numbers
        .iter()
        .map(|p| p.phone.as_str())
        .collect();
    sqlx::query(
        "DELETE FROM business_phone_numbers WHERE business_id = $1 AND NOT (phone_e164 = ANY($2))",
    )
    .bind(business_id)
    .bind(&phones)
    .execute(&mut *tx)
    .await?;
    for number in &valid.phone_numbers {
        // The update only applies to our own row: no row back means another tenant has the number.
        let mine = sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO business_phone_numbers (business_id, phone_e164, label) VALUES ($1, $2, $3)
             ON CONFLICT (phone_e164) DO UPDATE SET label = EXCLUDED.label
                 WHERE business_phone_numbers.business_id = EXCLUDED.business_id
             RETURNING business_id",
        )
        .bind(business_id)
        .bind(&number.phone)
        .bind(&number.label)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| {
            super::conflict_on(
                e,
                "business_phone_numbers_phone_e164_key",
                "phone_number_taken",
                format!("{} already belongs to another business", number.phone),
            )
        })?;
        if mine.is_none() {
            return Err(ApiError::conflict(
                "phone_number_taken",
                format!(
                    "phone_numbers: {} already belongs to another business",
                    number.phone
                ),
            ));
        }
    }
    sqlx::query("DELETE FROM business_transfer_numbers WHERE business_id = $1")
        .bind(business_id)
        .execute(&mut *tx)
        .await?;
    for (position, t) in valid.transfer_numbers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO business_transfer_numbers (business_id, position, phone_e164, label, condition)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(business_id)
        .bind(position as i32)
        .bind(&t.phone)
        .bind(&t.label)
        .bind(&t.condition)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    ok(StatusCode::OK, &load(pool, business_id).await?)
}

pub async fn handle(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => get(state, business_id).await,
        Method::PUT => put(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

struct Valid {
    name: String,
    timezone: String,
    default_region: String,
    business_hours: BusinessHours,
    notification_emails: Vec<String>,
    notification_phone: Option<String>,
    phone_numbers: Vec<PhoneNumber>,
    transfer_numbers: Vec<TransferNumber>,
}

fn validate(input: BusinessInput) -> Result<Valid, ApiError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "must be 1 to 200 characters"));
    }
    let timezone = Timezone::try_from(input.timezone).map_err(|e| invalid("timezone", e))?;
    let region = input.default_region.trim().to_uppercase();
    if !crate::phone::is_region(&region) {
        return Err(invalid(
            "default_region",
            "must be an ISO 3166 two-letter region",
        ));
    }
    input
        .business_hours
        .validate()
        .map_err(|e| invalid("business_hours", e))?;
    if input.notification_emails.len() > MAX_NOTIFICATION_EMAILS {
        return Err(invalid(
            "notification_emails",
            format!("at most {MAX_NOTIFICATION_EMAILS} addresses"),
        ));
    }
    let mut emails = Vec::new();
    for (i, raw) in input.notification_emails.iter().enumerate() {
        let e = email(raw).ok_or_else(|| {
            invalid(
                &format!("notification_emails[{i}]"),
                format!("{raw:?} is not an email address"),
            )
        })?;
        if !emails.contains(&e) {
            emails.push(e);
        }
    }
    let phone = |field: &str, raw: &str| {
        E164::parse(raw, &region)
            .map(|p| p.as_str().to_owned())
            .map_err(|e| invalid(field, e))
    };
    let notification_phone = input
        .notification_phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| phone("notification_phone", p))
        .transpose()?;
    if input.phone_numbers.len() > MAX_PHONE_NUMBERS {
        return Err(invalid(
            "phone_numbers",
            format!("at most {MAX_PHONE_NUMBERS} numbers"),
        ));
    }
    let mut phone_numbers: Vec<PhoneNumber> = Vec::new();
    for (i, p) in input.phone_numbers.iter().enumerate() {
        let field = format!("phone_numbers[{i}].phone");
        let e164 = phone(&field, &p.phone)?;
        if phone_numbers.iter().any(|n| n.phone == e164) {
            return Err(invalid(&field, format!("{e164} is listed twice")));
        }
        phone_numbers.push(PhoneNumber {
            phone: e164,
            label: p
                .label
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
            elevenlabs_phone_number_id: None,
        });
    }
    if input.transfer_numbers.len() > MAX_TRANSFER_NUMBERS {
        return Err(invalid(
            "transfer_numbers",
            format!("at most {MAX_TRANSFER_NUMBERS} numbers"),
        ));
    }
    let mut transfer_numbers: Vec<TransferNumber> = Vec::new();
    for (i, t) in input.transfer_numbers.iter().enumerate() {
        let field = format!("transfer_numbers[{i}]");
        let e164 = phone(&format!("{field}.phone"), &t.phone)?;
        if transfer_numbers.iter().any(|n| n.phone == e164) {
            return Err(invalid(
                &format!("{field}.phone"),
                format!("{e164} is listed twice"),
            ));
        }
        let condition = t.condition.trim().to_owned();
        if condition.is_empty() || condition.chars().count() > 500 {
            return Err(invalid(
                &format!("{field}.condition"),
                "must be 1 to 500 characters",
            ));
        }
        if t.label.chars().count() > 100 {
            return Err(invalid(
                &format!("{field}.label"),
                "must be at most 100 characters",
            ));
        }
        transfer_numbers.push(TransferNumber {
            phone: e164,
            label: t.label.trim().to_owned(),
            condition,
        });
    }
    Ok(Valid {
        name,
        timezone: timezone.to_string(),
        default_region: region,
        business_hours: input.business_hours,
        notification_emails: emails,
        notification_phone,
        phone_numbers,
        transfer_numbers,
    })
}

/// The business as the API shows it.
pub async fn load(pool: &PgPool, business_id: Uuid) -> Result<Business, ApiError> {
    type Row = (
        Uuid,
        String,
        String,
        String,
        sqlx::types::Json<BusinessHours>,
        Vec<String>,
        Option<String>,
        DateTime<Utc>,
        DateTime<Utc>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, name, timezone, default_region, business_hours, notification_emails,
                notification_phone, created_at, updated_at
         FROM businesses WHERE id = $1",
    )
    .bind(business_id)
    .fetch_optional(pool)
    .await?;
    let Some((
        id,
        name,
        timezone,
        default_region,
        hours,
        emails,
        notification_phone,
        created_at,
        updated_at,
    )) = row
    else {
        return Err(ApiError::not_found("no such business"));
    };
    let phone_numbers = sqlx::query_as::<_, PhoneNumber>(
        "SELECT phone_e164 AS phone, label, elevenlabs_phone_number_id
         FROM business_phone_numbers WHERE business_id = $1 ORDER BY created_at, phone_e164",
    )
    .bind(business_id)
    .fetch_all(pool)
    .await?;
    let transfer_numbers = sqlx::query_as::<_, TransferNumber>(
        "SELECT phone_e164 AS phone, label, condition
         FROM business_transfer_numbers WHERE business_id = $1 ORDER BY position",
    )
    .bind(business_id)
    .fetch_all(pool)
    .await?;
    Ok(Business {
        id,
        name,
        timezone,
        default_region,
        business_hours: hours.0,
        notification_emails: emails,
        notification_phone,
        phone_numbers,
        transfer_numbers,
        created_at,
        updated_at,
    })
}
