//! `GET/PUT /api/businesses/{id}/urgency-keywords`: the words and phrases that make a caller's
//! matter urgent (`urgent`: the live tools tell the agent to escalate) or important (`high`: the
//! lead's priority rises). PUT replaces the whole list in one transaction.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::request::invalid;
use super::{AdminState, method_not_allowed, ok};
use crate::domain::Priority;
use crate::error::ApiError;
use crate::web::parse_json;

pub const MAX_KEYWORDS: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordInput {
    /// A word or phrase, matched whole-word and case-insensitively in what the caller says.
    pub phrase: String,
    /// `high` or `urgent`.
    #[schema(value_type = String, example = "urgent")]
    pub severity: Priority,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeywordList {
    pub keywords: Vec<KeywordInput>,
}

#[utoipa::path(get, path = "/api/businesses/{id}/urgency-keywords", tag = "urgency",
    params(("id" = Uuid, Path, description = "business id")),
    responses((status = 200, body = KeywordList), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get(state: &AdminState, business_id: Uuid) -> Result<Response<Body>, ApiError> {
    ok(
        StatusCode::OK,
        &load(state.db.pool().await?, business_id).await?,
    )
}

#[utoipa::path(put, path = "/api/businesses/{id}/urgency-keywords", tag = "urgency",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = KeywordList,
    responses((status = 200, body = KeywordList),
        (status = 400, body = crate::admin::openapi::ErrorBody, description = "a keyword is invalid; the message names it"),
        (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn put(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let list: KeywordList = parse_json(req)?;
    let keywords = validate(list.keywords)?;
    let pool = state.db.pool().await?;
    let mut tx = pool.begin().await?;
    super::lock_business(&mut tx, business_id).await?;
    sqlx::query("DELETE FROM urgency_keywords WHERE business_id = $1")
        .bind(business_id)
        .execute(&mut *tx)
        .await?;
    for k in &keywords {
        sqlx::query(
            "INSERT INTO urgency_keywords (business_id, phrase, severity) VALUES ($1, $2, $3)",
        )
        .bind(business_id)
        .bind(&k.phrase)
        .bind(k.severity.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    ok(StatusCode::OK, &load(pool, business_id).await?)
}

pub async fn handle(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => get(state, business_id).await,
        Method::PUT => put(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

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

pub async fn load(pool: &PgPool, business_id: Uuid) -> Result<KeywordList, ApiError> {
    super::require_business(pool, business_id).await?;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT phrase, severity FROM urgency_keywords WHERE business_id = $1 ORDER BY lower(phrase)",
    )
    .bind(business_id)
    .fetch_all(pool)
    .await?;
    let keywords = rows
        .into_iter()
        .map(|(phrase, severity)| {
            Ok(KeywordInput {
                phrase,
                severity: severity
                    .parse()
                    .map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(KeywordList { keywords })
}
