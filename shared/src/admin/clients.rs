//! `GET/POST /api/businesses/{id}/clients` and `GET/PUT/DELETE .../clients/{clientId}`: the
//! business's known clients and the numbers they call from (how the agent recognises them).

use chrono::{DateTime, Utc};
use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, Transaction};
use utoipa::ToSchema;
use uuid::Uuid;

use super::request::{Cursor, Page, Query, invalid, path_id};
use super::{AdminState, conflict_on, method_not_allowed, ok};
use crate::domain::answers::email;
use crate::error::ApiError;
use crate::phone::E164;
use crate::web::parse_json;

pub const MAX_CLIENT_PHONES: usize = 10;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub name: String,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// The numbers the client calls from; within a business a number names one client.
    #[serde(default)]
    pub phone_numbers: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub notes: String,
    /// E.164.
    pub phone_numbers: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT c.id, c.name, c.company, c.email, c.notes,
        COALESCE((SELECT array_agg(p.phone_e164 ORDER BY p.phone_e164) FROM client_phone_numbers p
                  WHERE p.client_id = c.id), '{}') AS phone_numbers,
        c.created_at, c.updated_at
    FROM clients c";

#[utoipa::path(get, path = "/api/businesses/{id}/clients", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"),
        ("limit" = Option<i64>, Query, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("search" = Option<String>, Query, description = "part of the name, company or a phone number")),
    responses((status = 200, body = Page<Client>),
        (status = 400, body = crate::admin::openapi::ErrorBody), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let mut q = Query::of(req)?;
    let page = q.page()?;
    let search = q.text("search");
    q.finish()?;
    let (t, id) = page.bounds();
    let pool = state.db.pool().await?;
    let rows = sqlx::query_as::<_, Client>(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.business_id = $1 AND (c.created_at, c.id) < ($2, $3)
           AND ($5::text IS NULL OR c.name ILIKE '%' || $5 || '%' OR c.company ILIKE '%' || $5 || '%'
                OR EXISTS (SELECT 1 FROM client_phone_numbers p WHERE p.client_id = c.id
                           AND p.phone_e164 LIKE '%' || $5 || '%'))
         ORDER BY c.created_at DESC, c.id DESC LIMIT $4"
    )))
    .bind(business_id)
    .bind(t)
    .bind(id)
    .bind(page.fetch())
    .bind(search)
    .fetch_all(pool)
    .await?;
    ok(
        StatusCode::OK,
        &page.finish(rows, |c| Cursor {
            created_at: c.created_at,
            id: c.id,
        }),
    )
}

#[utoipa::path(post, path = "/api/businesses/{id}/clients", tag = "clients",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = ClientInput,
    responses((status = 201, body = Client),
        (status = 400, body = crate::admin::openapi::ErrorBody), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody),
        (status = 409, body = crate::admin::openapi::ErrorBody, description = "a phone number already names another client")),
    security(("bearer" = [])))]
pub(crate) async fn create(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let input: ClientInput = parse_json(req)?;
    let pool = state.db.pool().await?;
    let region = region_of(pool, business_id).await?;
    let valid = validate(input, &region)?;
    let mut tx = pool.begin().await?;
    let client_id: Uuid = sqlx::query_scalar(
        "INSERT INTO clients (business_id, name, company, email, notes) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(business_id)
    .bind(&valid.name)
    .bind(&valid.company)
    .bind(&valid.email)
    .bind(&valid.notes)
    .fetch_one(&mut *tx)
    .await?;
    replace_phones(&mut tx, business_id, client_id, &valid.phone_numbers).await?;
    tx.commit().await?;
    ok(
        StatusCode::CREATED,
        &load(pool, business_id, client_id).await?,
    )
}

#[utoipa::path(get, path = "/api/businesses/{id}/clients/{clientId}", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    responses((status = 200, body = Client), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get(
    state: &AdminState,
    business_id: Uuid,
    client_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(StatusCode::OK, &load(pool, business_id, client_id).await?)
}

#[utoipa::path(put, path = "/api/businesses/{id}/clients/{clientId}", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    request_body = ClientInput,
    responses((status = 200, body = Client),
        (status = 400, body = crate::admin::openapi::ErrorBody), (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody),
        (status = 409, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn put(
    state: &AdminState,
    business_id: Uuid,
    client_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let input: ClientInput = parse_json(req)?;
    let pool = state.db.pool().await?;
    let region = region_of(pool, business_id).await?;
    let valid = validate(input, &region)?;
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE clients SET name = $3, company = $4, email = $5, notes = $6, updated_at = now()
         WHERE id = $2 AND business_id = $1",
    )
    .bind(business_id)
    .bind(client_id)
    .bind(&valid.name)
    .bind(&valid.company)
    .bind(&valid.email)
    .bind(&valid.notes)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("no such client"));
    }
    replace_phones(&mut tx, business_id, client_id, &valid.phone_numbers).await?;
    tx.commit().await?;
    ok(StatusCode::OK, &load(pool, business_id, client_id).await?)
}

#[utoipa::path(delete, path = "/api/businesses/{id}/clients/{clientId}", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    responses((status = 204, description = "deleted; their calls and leads stay, unlinked"),
        (status = 401, body = crate::admin::openapi::ErrorBody),
        (status = 403, body = crate::admin::openapi::ErrorBody), (status = 404, body = crate::admin::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn delete(
    state: &AdminState,
    business_id: Uuid,
    client_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    let deleted = sqlx::query("DELETE FROM clients WHERE id = $2 AND business_id = $1")
        .bind(business_id)
        .bind(client_id)
        .execute(pool)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(ApiError::not_found("no such client"));
    }
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

pub async fn handle_collection(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    match *req.method() {
        Method::GET => list(state, business_id, req).await,
        Method::POST => create(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

pub async fn handle_item(
    state: &AdminState,
    business_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let client_id = path_id(req, "clientId")?;
    match *req.method() {
        Method::GET => get(state, business_id, client_id).await,
        Method::PUT => put(state, business_id, client_id, req).await,
        Method::DELETE => delete(state, business_id, client_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

struct Valid {
    name: String,
    company: Option<String>,
    email: Option<String>,
    notes: String,
    phone_numbers: Vec<String>,
}

fn validate(input: ClientInput, region: &str) -> Result<Valid, ApiError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "must be 1 to 200 characters"));
    }
    let company = input
        .company
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if company.as_ref().is_some_and(|c| c.chars().count() > 200) {
        return Err(invalid("company", "must be at most 200 characters"));
    }
    let email = match input
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
    if input.notes.chars().count() > 5_000 {
        return Err(invalid("notes", "must be at most 5000 characters"));
    }
    if input.phone_numbers.len() > MAX_CLIENT_PHONES {
        return Err(invalid(
            "phone_numbers",
            format!("at most {MAX_CLIENT_PHONES} numbers"),
        ));
    }
    let mut phones: Vec<String> = Vec::new();
    for (i, raw) in input.phone_numbers.iter().enumerate() {
        let p = E164::parse(raw, region)
            .map_err(|e| invalid(&format!("phone_numbers[{i}]"), e))?
            .as_str()
            .to_owned();
        if !phones.contains(&p) {
            phones.push(p);
        }
    }
    Ok(Valid {
        name,
        company,
        email,
        notes: input.notes,
        phone_numbers: phones,
    })
}

async fn replace_phones(
    tx: &mut Transaction<'_, Postgres>,
    business_id: Uuid,
    client_id: Uuid,
    phones: &[String],
) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM client_phone_numbers WHERE client_id = $1 AND business_id = $2")
        .bind(client_id)
        .bind(business_id)
        .execute(&mut **tx)
        .await?;
    for phone in phones {
        sqlx::query(
            "INSERT INTO client_phone_numbers (client_id, business_id, phone_e164) VALUES ($1, $2, $3)",
        )
        .bind(client_id)
        .bind(business_id)
        .bind(phone)
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            conflict_on(
                e,
                "client_phone_numbers_pkey",
                "phone_number_taken",
                format!("phone_numbers: {phone} already belongs to another client of this business"),
            )
        })?;
    }
    Ok(())
}

pub(crate) async fn region_of(pool: &PgPool, business_id: Uuid) -> Result<String, ApiError> {
    sqlx::query_scalar("SELECT default_region FROM businesses WHERE id = $1")
        .bind(business_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| ApiError::not_found("no such business"))
}

async fn load(pool: &PgPool, business_id: Uuid, client_id: Uuid) -> Result<Client, ApiError> {
    sqlx::query_as::<_, Client>(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.business_id = $1 AND c.id = $2"
    )))
    .bind(business_id)
    .bind(client_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::not_found("no such client"))
}
