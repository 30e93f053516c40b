//! `GET/PUT /api/businesses/{id}`: the business's profile, hours, notification targets, and phone
//! and transfer numbers. PUT replaces the document in one transaction.

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use shared::admin::auth::Principal;
use shared::admin::document::{self, Document};
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::invalid;
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::domain::answers::email;
use shared::domain::business_hours::{BusinessHours, Timezone};
use shared::domain::numbers::may_reassign_numbers;
use shared::error::ApiError;
use shared::phone::E164;
use shared::store::business::{self, Business, BusinessUpdate, Editor, TransferNumber};

mod config;

pub use config::{SECRETS, State};

pub const MAX_NOTIFICATION_EMAILS: usize = 10;
pub const MAX_PHONE_NUMBERS: usize = 20;
pub const MAX_TRANSFER_NUMBERS: usize = 10;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessInput {
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// IANA time zone, e.g. `America/Los_Angeles`.
    pub timezone: String,
    /// ISO 3166 region used to read numbers written without a country code.
    #[serde(default = "default_region")]
    pub default_region: String,
    #[serde(default)]
    pub business_hours: BusinessHours,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub notification_emails: Vec<String>,
    #[serde(default)]
    pub notification_phone: Option<String>,
    /// The numbers that ring this business; each belongs to one business only. Only a platform
    /// admin adds or removes numbers (a business's own users get a 403 for that, and may change
    /// labels); left out, the numbers stay as they are.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub phone_numbers: Option<Vec<PhoneNumberInput>>,
    /// Where live calls may be transferred, in order of preference.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub transfer_numbers: Vec<TransferNumberInput>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = DateTime)]
    pub created_at: Option<String>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = DateTime)]
    pub updated_at: Option<String>,
}

fn default_region() -> String {
    "US".into()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneNumberInput {
    pub phone: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub label: Option<String>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only)]
    pub elevenlabs_phone_number_id: Option<String>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only)]
    pub platform_assigned: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferNumberInput {
    pub phone: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub label: String,
    /// When the agent should transfer, in words, e.g. "the caller asks for a person".
    #[schema(min_length = 1, max_length = 500)]
    pub condition: String,
}

/// The business's profile, hours, notification targets and numbers.
pub struct BusinessDocument;

impl Document for BusinessDocument {
    type Input = BusinessInput;
    type Checked = BusinessUpdate;
    type View = Business;

    fn check(input: BusinessInput) -> Result<BusinessUpdate, ApiError> {
        validate(input)
    }

    async fn load(pool: &PgPool, business_id: BusinessId) -> Result<Business, ApiError> {
        business::load(pool, business_id).await
    }

    async fn save(
        pool: &PgPool,
        who: &Principal,
        business_id: BusinessId,
        checked: &BusinessUpdate,
    ) -> Result<(), ApiError> {
        let editor = if may_reassign_numbers(who.role) {
            Editor::PlatformAdmin(who.user_id)
        } else {
            Editor::Tenant
        };
        business::replace(pool, business_id, checked, editor).await
    }
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    document::serve::<BusinessDocument>(state, req).await
}

// The two operations `handle` serves, as the OpenAPI document describes them.

#[utoipa::path(get, path = "/api/businesses/{id}", operation_id = "getBusiness", tag = "business",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = Business), RefusedOrMissing),
    security(("bearer" = [])))]
pub fn get() {}

#[utoipa::path(put, path = "/api/businesses/{id}", operation_id = "replaceBusiness", tag = "business",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = BusinessInput,
    responses((status = 200, body = Business), Invalid, RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "a phone number already belongs to another business")),
    security(("bearer" = [])))]
pub fn put() {}

fn validate(input: BusinessInput) -> Result<BusinessUpdate, ApiError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "must be 1 to 200 characters"));
    }
    let timezone = Timezone::try_from(input.timezone).map_err(|e| invalid("timezone", e))?;
    let region = input.default_region.trim().to_uppercase();
    if !shared::phone::is_region(&region) {
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
    let phone_numbers = input
        .phone_numbers
        .map(|numbers| phone_numbers(&numbers, &phone))
        .transpose()?;
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
    Ok(BusinessUpdate {
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

/// The number list, each in E.164 with its label; `phone` parses one number in the business's
/// region and names the field on refusal.
fn phone_numbers(
    numbers: &[PhoneNumberInput],
    phone: &impl Fn(&str, &str) -> Result<String, ApiError>,
) -> Result<Vec<(String, Option<String>)>, ApiError> {
    if numbers.len() > MAX_PHONE_NUMBERS {
        return Err(invalid(
            "phone_numbers",
            format!("at most {MAX_PHONE_NUMBERS} numbers"),
        ));
    }
    let mut checked: Vec<(String, Option<String>)> = Vec::new();
    for (i, p) in numbers.iter().enumerate() {
        let field = format!("phone_numbers[{i}].phone");
        let e164 = phone(&field, &p.phone)?;
        if checked.iter().any(|n| n.0 == e164) {
            return Err(invalid(&field, format!("{e164} is listed twice")));
        }
        let label = p
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        if label.as_ref().is_some_and(|l| l.chars().count() > 100) {
            return Err(invalid(
                &format!("phone_numbers[{i}].label"),
                "must be at most 100 characters",
            ));
        }
        checked.push((e164, label));
    }
    Ok(checked)
}
