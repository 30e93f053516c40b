//! `GET/POST /api/businesses/{id}/clients`: the business's known clients (searched, in cursor
//! pages) and a new one with the numbers they call from (how the agent recognises them).

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use shared::admin::clients::ClientInput;
use shared::admin::listing::{self, Listing};
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::{Page, Query};
use shared::admin::{method_not_allowed, ok};
use shared::db::PgPool;
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::store::relink_clients_by_rule;
use shared::store::Keyset;
use shared::store::clients::{self, Client, ClientFilter};
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    match *req.method() {
        Method::GET => listing::page::<Clients>(state, business_id, req).await,
        Method::POST => create(state, business_id, req).await,
        _ => Err(method_not_allowed(req)),
    }
}

/// The business's clients, searched by name, company or number.
pub struct Clients;

impl Listing for Clients {
    type Filter = ClientFilter;
    type Row = Client;
    const LIST: &'static str = "clients";

    fn filter(q: &mut Query, page: Keyset) -> Result<ClientFilter, ApiError> {
        Ok(ClientFilter {
            search: q.text("search"),
            page,
        })
    }

    async fn list(
        pool: &PgPool,
        business_id: BusinessId,
        f: &ClientFilter,
    ) -> Result<Vec<Client>, ApiError> {
        clients::list(pool, business_id, f).await
    }
}

/// The list operation, as the OpenAPI document describes it.
#[utoipa::path(get, path = "/api/businesses/{id}/clients", operation_id = "listClients", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "page size, 1 to 100 (default 25)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("search" = Option<String>, Query, description = "part of the name, company or a phone number")),
    responses((status = 200, body = Page<Client>), Invalid, RefusedOrMissing),
    security(("bearer" = [])))]
pub fn list() {}

#[utoipa::path(post, path = "/api/businesses/{id}/clients", operation_id = "createClient", tag = "clients",
    params(("id" = Uuid, Path, description = "business id")),
    request_body = ClientInput,
    responses((status = 201, body = Client), Invalid, RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "a phone number already names another client")),
    security(("bearer" = [])))]
pub async fn create(
    state: &State,
    business_id: BusinessId,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let input: ClientInput = parse_json(req)?;
    let pool = state.db.pool().await?;
    let update = input.validate(&clients::region_of(pool, business_id).await?)?;
    let client_id = clients::create(pool, business_id, &update).await?;
    // A new company may be the one a project names (or make a project's name ambiguous).
    relink_clients_by_rule(pool, business_id.get(), None).await?;
    ok(
        StatusCode::CREATED,
        &clients::load(pool, business_id, client_id).await?,
    )
}
