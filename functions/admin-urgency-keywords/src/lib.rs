//! `GET/PUT /api/businesses/{id}/urgency-keywords`: the words and phrases that make a caller's
//! matter urgent (`urgent`: the live tools tell the agent to escalate) or important (`high`: the
//! lead's priority rises). PUT replaces the whole list in one transaction.

use lambda_http::{Body, Request, Response};

use shared::admin::auth::Principal;
use shared::admin::document::{self, Document};
use shared::admin::openapi::{Invalid, RefusedOrMissing};
use shared::admin::request::invalid;
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::domain::Priority;
use shared::error::ApiError;
use shared::store::urgency::{self, KeywordInput, KeywordList};

mod config;

pub use config::{SECRETS, State};

pub const MAX_KEYWORDS: usize = 100;

/// The urgency keyword list.
pub struct Keywords;

impl Document for Keywords {
    type Input = KeywordList;
    type Checked = Vec<KeywordInput>;
    type View = KeywordList;

    fn check(input: KeywordList) -> Result<Vec<KeywordInput>, ApiError> {
        validate(input.keywords)
    }

    async fn load(pool: &PgPool, business_id: BusinessId) -> Result<KeywordList, ApiError> {
        urgency::load(pool, business_id).await
    }

    async fn save(
        pool: &PgPool,
        _who: &Principal,
        business_id: BusinessId,
        checked: &Vec<KeywordInput>,
    ) -> Result<(), ApiError> {
        urgency::replace(pool, business_id, checked).await
    }
}

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    document::serve::<Keywords>(state, req).await
}

// The two operations `handle` serves, as the OpenAPI document describes them.

#[utoipa::path(get, path = "/api/businesses/{id}/urgency-keywords", operation_id = "getUrgencyKeywords", tag = "urgency",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = KeywordList), RefusedOrMissing),
    security(("bearer" = [])))]
pub fn get() {}

#[utoipa::path(put, path = "/api/businesses/{id}/urgency-keywords", operation_id = "replaceUrgencyKeywords", tag = "urgency",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = KeywordList,
    responses((status = 200, body = KeywordList), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn put() {}

fn validate(keywords: Vec<KeywordInput>) -> Result<Vec<KeywordInput>, ApiError> {
    if keywords.len() > MAX_KEYWORDS {
        return Err(invalid(
            "keywords",
            format!("at most {MAX_KEYWORDS} keywords"),
        ));
    }
    let mut out: Vec<KeywordInput> = Vec::with_capacity(keywords.len());
    for (i, mut k) in keywords.into_iter().enumerate() {
        let field = |name: &str| format!("keywords[{i}].{name}");
        k.phrase = k.phrase.split_whitespace().collect::<Vec<_>>().join(" ");
        if k.phrase.is_empty() || k.phrase.chars().count() > 200 {
            return Err(invalid(&field("phrase"), "must be 1 to 200 characters"));
        }
        if !matches!(k.severity, Priority::High | Priority::Urgent) {
            return Err(invalid(&field("severity"), "must be high or urgent"));
        }
        if out
            .iter()
            .any(|o| o.phrase.to_lowercase() == k.phrase.to_lowercase())
        {
            return Err(invalid(
                &field("phrase"),
                format!("{:?} is listed twice", k.phrase),
            ));
        }
        out.push(k);
    }
    Ok(out)
}
