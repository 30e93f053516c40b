//! A business's records as a list: filtered by the route's query parameters, newest first, in
//! cursor pages (`limit`, `cursor`). Each list route says what its filters and rows are
//! (`Listing`); this module is the one place that reads the page, refuses unknown parameters,
//! and cuts the rows into a page with its next cursor.

use crate::domain::BusinessId;
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use sqlx::PgPool;

use super::request::Query;
use super::{AdminState, method_not_allowed, ok};
use crate::error::ApiError;
use crate::store::{Keyed, Keyset};

pub trait Listing {
    /// The route's filters, with the page to fetch.
    type Filter: Sync;
    type Row: Keyed + Serialize;
    /// The list's name, which its cursors carry.
    const LIST: &'static str;

    /// The list and order the filter asks for, as its cursors name it (a list sorted more than
    /// one way names each order).
    fn order(_filter: &Self::Filter) -> &'static str {
        Self::LIST
    }

    /// Takes the route's filter parameters from the query (the page parameters are taken).
    fn filter(query: &mut Query, page: Keyset) -> Result<Self::Filter, ApiError>;

    fn list(
        pool: &PgPool,
        business_id: BusinessId,
        filter: &Self::Filter,
    ) -> impl Future<Output = Result<Vec<Self::Row>, ApiError>> + Send;
}

/// One page of the list, as the request's filters and cursor ask.
pub async fn page<L: Listing>(
    state: &AdminState,
    business_id: BusinessId,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let mut query = Query::of(req)?;
    let page = query.page()?;
    let filter = L::filter(&mut query, page.keyset())?;
    query.finish()?;
    let order = L::order(&filter);
    page.check_list(order)?;
    let rows = L::list(state.db.pool().await?, business_id, &filter).await?;
    ok(StatusCode::OK, &page.finish(rows, order))
}

/// Serves a list route that only answers `GET`.
pub async fn serve<L: Listing>(state: &AdminState, req: Request) -> Response<Body> {
    let answer = async {
        let business_id = state.business(&req).await?;
        match *req.method() {
            Method::GET => page::<L>(state, business_id, &req).await,
            _ => Err(method_not_allowed(&req)),
        }
    };
    crate::web::respond(answer.await)
}
