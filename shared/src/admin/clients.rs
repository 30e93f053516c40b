//! The client document as the admin API takes it, checked: shared by the create route
//! (`admin-clients`) and the replace route (`admin-client`).

use serde::Deserialize;
use utoipa::ToSchema;

use super::agent_config::{MAX_MESSAGE_CHARS, check_template};
use super::auth::hash_password;
use super::request::invalid;
use crate::domain::answers::email;
use crate::error::ApiError;
use crate::phone::E164;
use crate::store::clients::{ClientUpdate, PinChange};

pub const MAX_CLIENT_PHONES: usize = 10;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = Uuid)]
    pub id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub company: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub notes: String,
    /// This client's own greeting while the office is open, e.g. "Hi {{caller_first_name}}, your
    /// site launch is on track"; empty uses the business's known-client greeting.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub welcome_message: String,
    /// The numbers the client calls from; within a business a number names one client.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub phone_numbers: Vec<String>,
    /// A PIN of 4 to 8 digits the client can verify with on calls (stored hashed, never shown);
    /// `""` removes it, leaving it out keeps it.
    #[serde(default)]
    #[schema(pattern = "^([0-9]{4,8})?$")]
    pub pin: Option<String>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only)]
    pub has_pin: Option<bool>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = DateTime)]
    pub created_at: Option<String>,
    /// Read-only: shown by GET, ignored on write (a form may send back what it loaded).
    #[serde(default)]
    #[schema(read_only, format = DateTime)]
    pub updated_at: Option<String>,
}

impl ClientInput {
    /// The checked document; numbers without a country code are read in the business's `region`.
    pub fn validate(self, region: &str) -> Result<ClientUpdate, ApiError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("name", "must be 1 to 200 characters"));
        }
        let company = self
            .company
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if company.as_ref().is_some_and(|c| c.chars().count() > 200) {
            return Err(invalid("company", "must be at most 200 characters"));
        }
        let email = match self
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            None => None,
            Some(raw) => Some(
                email(raw)
                    .ok_or_else(|| invalid("email", format!("{raw:?} is not an email address")))?,
            ),
        };
        if self.notes.chars().count() > 5_000 {
            return Err(invalid("notes", "must be at most 5000 characters"));
        }
        check_template("welcome_message", &self.welcome_message, MAX_MESSAGE_CHARS)?;
        if self.phone_numbers.len() > MAX_CLIENT_PHONES {
            return Err(invalid(
                "phone_numbers",
                format!("at most {MAX_CLIENT_PHONES} numbers"),
            ));
        }
        let mut phones: Vec<String> = Vec::new();
        for (i, raw) in self.phone_numbers.iter().enumerate() {
            let p = E164::parse(raw, region)
                .map_err(|e| invalid(&format!("phone_numbers[{i}]"), e))?
                .as_str()
                .to_owned();
            if !phones.contains(&p) {
                phones.push(p);
            }
        }
        let pin = match self.pin.as_deref().map(str::trim) {
            None => PinChange::Keep,
            Some("") => PinChange::Clear,
            Some(p) if (4..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()) => {
                PinChange::Set(hash_password(p).map_err(ApiError::internal)?)
            }
            Some(_) => return Err(invalid("pin", "must be 4 to 8 digits")),
        };
        Ok(ClientUpdate {
            name,
            company,
            email,
            notes: self.notes,
            welcome_message: self.welcome_message.trim().to_owned(),
            phone_numbers: phones,
            pin,
        })
    }
}
