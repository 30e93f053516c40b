//! `GET /api/businesses/{id}/knowledge/unanswered`: what callers asked that the knowledge base
//! had no passage for (no result over the minimum score), grouped by similarity with counts, most
//! asked first, so the business can add the missing answer.

use chrono::Duration;
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use utoipa::ToSchema;

use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::admin::request::{Query, invalid};
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::domain::knowledge::unanswered::QuestionGroup;
use shared::error::ApiError;

mod config;

pub use config::{SECRETS, State};

/// The window read by default, and at most, in days.
const DEFAULT_DAYS: i64 = 30;
const MAX_DAYS: i64 = 365;

/// The grouped questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnansweredQuestions {
    /// The window read, in days back from now.
    pub days: i64,
    pub groups: Vec<QuestionGroup>,
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    match *req.method() {
        Method::GET => list(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/knowledge/unanswered", operation_id = "listUnansweredQuestions", tag = "knowledge",
    params(("id" = Uuid, Path, description = "business id"),
        ("days" = Option<i64>, Query, minimum = 1, maximum = 365, description = "how many days back (default 30)")),
    responses((status = 200, body = UnansweredQuestions), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn list(
    state: &State,
    business_id: BusinessId,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let mut query = Query::of(req)?;
    let days = query.parsed::<i64>("days")?.unwrap_or(DEFAULT_DAYS);
    query.finish()?;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(invalid("days", format!("must be 1 to {MAX_DAYS}")));
    }
    let since = (state.now)() - Duration::days(days);
    let pool = state.db.pool().await?;
    let groups = shared::knowledge::search::unanswered(pool, business_id.get(), since).await?;
    ok(StatusCode::OK, &UnansweredQuestions { days, groups })
}
