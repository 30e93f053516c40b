//! `GET /api/businesses/{id}/leads`: the people who called and what they want, filtered by status,
//! priority and creation time, in cursor pages.

use lambda_http::{Body, Request, Response};

use shared::admin::listing::{self, Listing};
use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::admin::request::{Page, Query};
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::domain::catalog::{LeadOrder, LeadStatus, Priority};
use shared::error::ApiError;
use shared::store::Keyset;
use shared::store::leads::{self, Lead, LeadFilter};

mod config;

pub use config::{SECRETS, State};

/// The business's leads.
pub struct Leads;

impl Listing for Leads {
    type Filter = LeadFilter;
    type Row = Lead;
    const LIST: &'static str = "leads";

    fn filter(q: &mut Query, page: Keyset) -> Result<LeadFilter, ApiError> {
        Ok(LeadFilter {
            status: q.parsed::<LeadStatus>("status")?,
            priority: q.parsed::<Priority>("priority")?,
            created_from: q.instant("created_from")?,
            created_to: q.instant("created_to")?,
            order: q.parsed::<LeadOrder>("sort")?.unwrap_or_default(),
            page,
        })
    }

    /// A page of one order cannot follow a cursor of the other (a priority cursor's time alone
    /// would skip and repeat leads of the newest-first order, and the other way round).
    fn order(f: &LeadFilter) -> &'static str {
        match f.order {
            LeadOrder::Newest => "leads",
            LeadOrder::Priority => "leads:priority",
        }
    }

    async fn list(
        pool: &PgPool,
        business_id: BusinessId,
        f: &LeadFilter,
    ) -> Result<Vec<Lead>, ApiError> {
        leads::list(pool, business_id, f).await
    }
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    listing::serve::<Leads>(state, req).await
}

/// The operation `handle` serves, as the OpenAPI document describes it.
#[utoipa::path(get, path = "/api/businesses/{id}/leads", operation_id = "listLeads", tag = "leads",
    params(("id" = Uuid, Path, description = "business id"),
        ("status" = Option<LeadStatus>, Query, description = "new, contacted, qualified or closed"),
        ("priority" = Option<Priority>, Query, description = "low, normal, high or urgent"),
        ("created_from" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD, inclusive"),
        ("created_to" = Option<String>, Query, description = "RFC 3339 time or YYYY-MM-DD, exclusive"),
        ("sort" = Option<LeadOrder>, Query, description = "`newest` (the default) or `priority`: most urgent first, then newest"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = Page<Lead>), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn list() {}
