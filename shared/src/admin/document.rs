//! A business's document that `GET` reads and `PUT` replaces whole: the business profile, the
//! agent configuration, the qualification questions, the urgency keywords. Each route says what
//! its document is (`Document`); this module is the one place that serves the two methods, in the
//! same order for every document: the tenant rule, then the body parsed and checked, then the
//! store, then the stored document read back (so the answer is what a call will see).

use crate::domain::BusinessId;
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgPool;

use super::auth::{Access, Principal};
use super::{AdminState, method_not_allowed, ok};
use crate::error::ApiError;
use crate::web::parse_json;

pub trait Document {
    /// What PUT takes.
    type Input: DeserializeOwned;
    /// The input, checked: what is stored.
    type Checked: Sync;
    /// What GET and PUT answer.
    type View: Serialize;

    /// Checks a PUT body; a refusal names the field.
    fn check(input: Self::Input) -> Result<Self::Checked, ApiError>;

    fn load(
        pool: &PgPool,
        business_id: BusinessId,
    ) -> impl Future<Output = Result<Self::View, ApiError>> + Send;

    /// Stores a checked document; `who` is the authenticated caller (some documents have parts
    /// only a platform admin changes).
    fn save(
        pool: &PgPool,
        who: &Principal,
        business_id: BusinessId,
        checked: &Self::Checked,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// Serves `GET` and `PUT` of the document `D`; any other method is a 405.
pub async fn serve<D: Document>(state: &AdminState, req: Request) -> Response<Body> {
    crate::web::respond(answer::<D>(state, &req).await)
}

async fn answer<D: Document>(
    state: &AdminState,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let (who, business_id) = state
        .authorize(req, Access::for_method(req.method()))
        .await?;
    match *req.method() {
        Method::GET => {}
        Method::PUT => {
            let checked = D::check(parse_json(req)?)?;
            D::save(state.db.pool().await?, &who, business_id, &checked).await?;
        }
        _ => return Err(method_not_allowed(req)),
    }
    ok(
        StatusCode::OK,
        &D::load(state.db.pool().await?, business_id).await?,
    )
}
