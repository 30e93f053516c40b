//! `GET /api/businesses/{id}/calls`: the call log, filtered by status, direction, creation time,
//! caller and lead, in cursor pages.

use lambda_http::{Body, Request, Response};

use shared::admin::listing::{self, Listing};
use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::admin::request::{Page, Query, invalid};
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::domain::catalog::{CallDirection, CallStatus};
use shared::error::ApiError;
use shared::store::Keyset;
use shared::store::calls::{self, CallFilter, CallSummary, CallerSearch};
use uuid::Uuid;

mod config;

pub use config::{SECRETS, State};

/// The business's call log.
pub struct Calls;

impl Listing for Calls {
    type Filter = CallFilter;
    type Row = CallSummary;
    const LIST: &'static str = "calls";

    fn filter(q: &mut Query, page: Keyset) -> Result<CallFilter, ApiError> {
        Ok(CallFilter {
            status: q.parsed::<CallStatus>("status")?,
            direction: q.parsed::<CallDirection>("direction")?,
            created_from: q.instant("created_from")?,
            created_to: q.instant("created_to")?,
            caller: match q.text("caller") {
                Some(raw) => CallerSearch::parse(&raw).map_err(|why| invalid("caller", why))?,
                None => None,
            },
            lead_id: q.parsed::<Uuid>("lead_id")?,
            page,
        })
    }

    async fn list(
        pool: &PgPool,
        business_id: BusinessId,
        f: &CallFilter,
    ) -> Result<Vec<CallSummary>, ApiError> {
        calls::list(pool, business_id, f).await
    }
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    listing::serve::<Calls>(state, req).await
}

/// The operation `handle` serves, as the OpenAPI document describes it.
#[utoipa::path(get, path = "/api/businesses/{id}/calls", operation_id = "listCalls", tag = "calls",
    params(("id" = Uuid, Path, description = "business id"),
        ("status" = Option<CallStatus>, Query, description = "completed, failed, busy, no-answer or in-progress"),
        ("direction" = Option<CallDirection>, Query, description = "inbound or outbound"),
        ("created_from" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD, inclusive"),
        ("created_to" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD, exclusive"),
        ("caller" = Option<String>, Query, description = "who called: part of the number (3 digits or more, any punctuation), or of the lead's or client's name, email or company"),
        ("lead_id" = Option<Uuid>, Query, description = "only the calls of this lead"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Page<CallSummary>), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn list() {}
