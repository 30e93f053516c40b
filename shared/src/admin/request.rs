//! Reading an admin request: path ids, the JSON body (unknown fields and wrong types name the
//! field), query filters, and opaque keyset cursors with bounded page sizes.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use lambda_http::{Request, RequestExt};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::text;
use crate::error::ApiError;
use crate::store::{Keyed, Keyset};

pub const DEFAULT_PAGE_SIZE: i64 = 25;
pub const MAX_PAGE_SIZE: i64 = 100;

pub use crate::web::path_id;

/// A field-level validation failure, named.
pub fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_field", format!("{field}: {message}"))
}

/// Query-string filters. Every parameter must be taken by the handler; `finish` refuses any left
/// over, so a misspelt filter is a 400 and not silently ignored.
pub struct Query {
    params: BTreeMap<String, String>,
}

impl Query {
    pub fn of(req: &Request) -> Result<Self, ApiError> {
        let mut params = BTreeMap::new();
        for (k, v) in req.query_string_parameters().iter() {
            if let Some(c) = text::forbidden_in(k).or_else(|| text::forbidden_in(v)) {
                return Err(invalid(
                    k,
                    format!(
                        "must not contain control characters (found U+{:04X})",
                        c as u32
                    ),
                ));
            }
            if params.insert(k.to_owned(), v.to_owned()).is_some() {
                return Err(invalid(k, "given more than once"));
            }
        }
        Ok(Self { params })
    }

    pub fn text(&mut self, name: &str) -> Option<String> {
        self.params.remove(name).filter(|v| !v.is_empty())
    }

    pub fn parsed<T: std::str::FromStr>(&mut self, name: &str) -> Result<Option<T>, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        self.text(name)
            .map(|v| v.parse::<T>().map_err(|e| invalid(name, e)))
            .transpose()
    }

    /// An instant given as RFC 3339 or as a date (its start, UTC).
    pub fn instant(&mut self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        let Some(v) = self.text(name) else {
            return Ok(None);
        };
        let t = match DateTime::parse_from_rfc3339(&v) {
            Ok(t) => t.with_timezone(&Utc),
            Err(_) => NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
                .map_err(|_| invalid(name, "expected an RFC 3339 time or a YYYY-MM-DD date"))?,
        };
        if !storable(&t) {
            return Err(invalid(name, "must be a date in the years 1 to 9999"));
        }
        Ok(Some(t))
    }

    pub fn page(&mut self) -> Result<PageRequest, ApiError> {
        let limit = self.parsed::<i64>("limit")?.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(invalid(
                "limit",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        let after = self
            .text("cursor")
            .map(|c| Cursor::decode(&c))
            .transpose()?;
        Ok(PageRequest { limit, after })
    }

    pub fn finish(self) -> Result<(), ApiError> {
        match self.params.keys().next() {
            None => Ok(()),
            Some(k) => Err(invalid(k, "is not a known query parameter")),
        }
    }
}

/// A position in a list ordered by (created_at DESC, id DESC), or by (rank DESC, created_at DESC,
/// id DESC) for a list ranked first (leads by priority). Opaque to clients. It names the list and
/// order it is a position in: another's would be a position in the wrong order, and its next
/// page would skip or repeat rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "t")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: Uuid,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i16>,
    #[serde(rename = "l")]
    pub list: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(s: &str) -> Result<Self, ApiError> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()
            .and_then(|b| serde_json::from_slice::<Self>(&b).ok())
            .filter(|c| storable(&c.created_at))
            .ok_or_else(|| invalid("cursor", "is not a cursor this API returned"))
    }
}

/// Whether a time from a request can be compared with rows: theirs are in the years 1 to 9999,
/// and chrono reads times PostgreSQL cannot hold (before 4713 BC, from `%Y`'s signed years),
/// which would reach the database as an error, a 500.
fn storable(t: &DateTime<Utc>) -> bool {
    (1..=9999).contains(&t.year())
}

#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// What to fetch: the rows after the cursor (without one, from a bound past every row), one
    /// more than the page, to know whether another page follows.
    pub fn keyset(&self) -> Keyset {
        Keyset {
            before: match &self.after {
                Some(c) => (c.created_at, c.id),
                None => (DateTime::<Utc>::MAX_UTC, Uuid::max()),
            },
            rank_before: self.after.as_ref().and_then(|c| c.rank),
            limit: self.limit + 1,
        }
    }

    /// Refuses a cursor of another list, or of another order of this one (`list`, e.g.
    /// `leads:priority`).
    pub fn check_list(&self, list: &str) -> Result<(), ApiError> {
        match &self.after {
            Some(c) if c.list != list => Err(invalid(
                "cursor",
                "comes from another list or order: start again without it",
            )),
            _ => Ok(()),
        }
    }

    /// Cuts the fetched rows to the page and makes the next cursor from its last row, a position
    /// in `list` (as `check_list` reads it).
    pub fn finish<T: Keyed>(&self, mut rows: Vec<T>, list: &str) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| {
                let (created_at, id) = r.key();
                Cursor {
                    created_at,
                    id,
                    rank: r.rank(),
                    list: list.to_owned(),
                }
                .encode()
            })
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Body;
    use std::collections::HashMap;

    fn with_query(pairs: &[(&str, &str)]) -> Request {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Request::new(Body::Empty).with_query_string_parameters(map)
    }

    #[test]
    fn a_date_outside_the_years_rows_have_is_refused_naming_its_field() {
        let mut q = Query::of(&with_query(&[("created_from", "2026-11-30")])).unwrap();
        assert!(q.instant("created_from").unwrap().is_some());
        for date in ["-5000-01-01", "0000-01-01"] {
            let mut q = Query::of(&with_query(&[("created_from", date)])).unwrap();
            let err = q.instant("created_from").unwrap_err();
            assert_eq!(err.status(), 400, "{date}");
            assert!(err.message().starts_with("created_from:"), "{date}");
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            created_at: Utc::now(),
            id: Uuid::new_v4(),
            rank: None,
            list: "clients".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        let err = Cursor::decode("bm90IGEgY3Vyc29y").unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().starts_with("cursor:"));
        // Well formed, but at a time no row has and PostgreSQL cannot compare with.
        for time in ["-5000-01-01T00:00:00Z", "+20000-01-01T00:00:00Z"] {
            let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!(r#"{{"t":"{time}","i":"{}"}}"#, Uuid::new_v4()));
            let err = Cursor::decode(&forged).unwrap_err();
            assert!(err.message().starts_with("cursor:"), "{time}");
        }
    }

    #[test]
    fn page_sizes_are_bounded_and_unknown_filters_refused() {
        let mut q = Query::of(&with_query(&[("limit", "500")])).unwrap();
        assert!(q.page().unwrap_err().message().starts_with("limit:"));
        let mut q = Query::of(&with_query(&[("limit", "ten")])).unwrap();
        assert!(q.page().unwrap_err().message().starts_with("limit:"));
        let mut q = Query::of(&with_query(&[("statuss", "new")])).unwrap();
        assert_eq!(q.page().unwrap().limit, DEFAULT_PAGE_SIZE);
        assert_eq!(
            q.finish().unwrap_err().message(),
            "statuss: is not a known query parameter"
        );
    }

    #[test]
    fn pages_cut_one_extra_row_into_a_cursor() {
        let page = PageRequest {
            limit: 2,
            after: None,
        };
        let now = Utc::now();
        let rows: Vec<(DateTime<Utc>, Uuid)> = (0..3).map(|_| (now, Uuid::new_v4())).collect();
        let p = page.finish(rows.clone(), "calls");
        assert_eq!(p.items.len(), 2);
        let next = Cursor::decode(p.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!((next.id, next.list.as_str()), (rows[1].1, "calls"));
        let last = page.finish(rows[..2].to_vec(), "calls");
        assert!(last.next_cursor.is_none());
        // The next page of the same list follows it; another list refuses it by name.
        let following = PageRequest {
            limit: 2,
            after: Some(next),
        };
        assert!(following.check_list("calls").is_ok());
        let err = following.check_list("clients").unwrap_err();
        assert!(err.message().starts_with("cursor:"), "{}", err.message());
        assert!(
            page.check_list("clients").is_ok(),
            "a first page has no cursor"
        );
    }
}
