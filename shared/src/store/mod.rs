//! Database access shared by several functions, and the admin resources' reads and writes. Each
//! module names the queries it runs; handlers call these and hold no SQL.

pub mod agent_config;
pub mod agents;
pub mod auth_events;
pub mod business;
pub mod businesses;
pub mod call_context;
pub mod caller_verification;
pub mod calls;
pub mod clients;
pub mod leads;
pub mod overview;
pub mod questions;
pub mod sessions;
pub mod urgency;
pub mod users;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::BusinessId;
use crate::error::ApiError;

/// One page of a list ordered newest first by (created_at, id): the rows strictly before `before`,
/// at most `limit` of them.
#[derive(Debug, Clone, Copy)]
pub struct Keyset {
    pub before: (DateTime<Utc>, Uuid),
    /// For a list ranked first: the rank of the row the page follows (none without a cursor, or
    /// with a cursor of an unranked order).
    pub rank_before: Option<i16>,
    pub limit: i64,
}

/// `text` as a LIKE pattern matching it anywhere, its wildcards (`%`, `_`) and `\` escaped:
/// what a search box finds is what was typed, never "anything".
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A row's place in such a list.
pub trait Keyed {
    fn key(&self) -> (DateTime<Utc>, Uuid);
    /// Its rank, in a list that can be ranked first (see `Keyset::rank_before`).
    fn rank(&self) -> Option<i16> {
        None
    }
}

impl Keyed for (DateTime<Utc>, Uuid) {
    fn key(&self) -> (DateTime<Utc>, Uuid) {
        *self
    }
}

/// Locks the business row for a whole-list replacement (two concurrent ones apply one after the
/// other); 404 when there is no such business.
pub async fn lock_business(
    tx: &mut sqlx::PgConnection,
    business_id: BusinessId,
) -> Result<(), ApiError> {
    sqlx::query_scalar!(
        "SELECT id FROM businesses WHERE id = $1 FOR UPDATE",
        business_id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|_| ())
    .ok_or_else(|| ApiError::not_found("no such business"))
}

/// 404 when there is no such business.
pub async fn require_business(
    pool: &sqlx::PgPool,
    business_id: BusinessId,
) -> Result<(), ApiError> {
    if business::exists(pool, business_id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("no such business"))
    }
}

/// A record someone else already holds, found by the unique constraint the database refused a
/// write with: each such constraint is named here once, with the code its 409 carries, for every
/// writer (the admin API and the operator's commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// `users_email_key`: the address has an account already (users are unique across tenants).
    Email,
    /// `business_phone_numbers_phone_e164_key`: the number is another business's.
    PhoneNumber,
}

impl Taken {
    const ALL: [Taken; 2] = [Taken::Email, Taken::PhoneNumber];

    fn constraint(self) -> &'static str {
        match self {
            Taken::Email => "users_email_key",
            Taken::PhoneNumber => "business_phone_numbers_phone_e164_key",
        }
    }

    /// The error code of the 409.
    pub fn code(self) -> &'static str {
        match self {
            Taken::Email => "email_taken",
            Taken::PhoneNumber => "phone_number_taken",
        }
    }

    /// Which of these `e` is, if it is one.
    pub fn of(e: &sqlx::Error) -> Option<Taken> {
        let constraint = e.as_database_error()?.constraint()?;
        Taken::ALL
            .into_iter()
            .find(|t| t.constraint() == constraint)
    }

    /// `e` as this conflict's 409 with `message`; any other error stays what it was.
    pub fn or_error(self, e: sqlx::Error, message: impl Into<String>) -> ApiError {
        if Taken::of(&e) == Some(self) {
            ApiError::conflict(self.code(), message)
        } else {
            e.into()
        }
    }
}

/// Maps a unique violation on `constraint` to a 409 with `code`; anything else stays a DB error.
pub fn conflict_on(
    e: sqlx::Error,
    constraint: &str,
    code: &'static str,
    message: impl Into<String>,
) -> ApiError {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some(constraint) => {
            ApiError::conflict(code, message)
        }
        _ => e.into(),
    }
}

/// A stored value this code no longer reads (a catalog value renamed without a migration): a 500,
/// never a guess.
pub(crate) fn corrupt(e: String) -> ApiError {
    ApiError::internal(anyhow::anyhow!(e))
}

/// A client-supplied text cut to a column's limit in characters (an address, a user agent).
pub(crate) fn clip(text: Option<&str>, chars: usize) -> Option<String> {
    text.map(|t| t.chars().take(chars).collect())
}
