//! `GET/PUT/DELETE /api/businesses/{id}/clients/{clientId}`: one known client and the numbers
//! they call from. Deleting a client keeps their calls and leads, unlinked.

use http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use uuid::Uuid;

use shared::admin::clients::ClientInput;
use shared::admin::openapi::{ErrorBody, Invalid, RefusedOrMissing};
use shared::admin::request::path_id;
use shared::admin::{method_not_allowed, ok};
use shared::domain::BusinessId;
use shared::error::ApiError;
use shared::pm::store::relink_clients_by_rule;
use shared::store::clients::{self, Client};
use shared::web::parse_json;

mod config;

pub use config::{SECRETS, State};

pub async fn handle(state: &State, req: Request) -> Response<Body> {
    shared::web::respond(answer(state, &req).await)
}

async fn answer(state: &State, req: &Request) -> Result<Response<Body>, ApiError> {
    let business_id = state.business(req).await?;
    let client_id = path_id(req, "clientId")?;
    match *req.method() {
        Method::GET => get(state, business_id, client_id).await,
        Method::PUT => put(state, business_id, client_id, req).await,
        Method::DELETE => delete(state, business_id, client_id).await,
        _ => Err(method_not_allowed(req)),
    }
}

#[utoipa::path(get, path = "/api/businesses/{id}/clients/{clientId}", operation_id = "getClient", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    responses((status = 200, body = Client), RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn get(
    state: &State,
    business_id: BusinessId,
    client_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    ok(
        StatusCode::OK,
        &clients::load(pool, business_id, client_id).await?,
    )
}

#[utoipa::path(put, path = "/api/businesses/{id}/clients/{clientId}", operation_id = "replaceClient", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    request_body = ClientInput,
    responses((status = 200, body = Client), Invalid, RefusedOrMissing,
        (status = 409, body = ErrorBody, description = "a phone number already names another client")),
    security(("bearer" = [])))]
pub async fn put(
    state: &State,
    business_id: BusinessId,
    client_id: Uuid,
    req: &Request,
) -> Result<Response<Body>, ApiError> {
    let input: ClientInput = parse_json(req)?;
    let pool = state.db.pool().await?;
    let update = input.validate(&clients::region_of(pool, business_id).await?)?;
    clients::update(pool, business_id, client_id, &update).await?;
    // The company may have changed: the rule's links follow it.
    relink_clients_by_rule(pool, business_id.get(), None).await?;
    ok(
        StatusCode::OK,
        &clients::load(pool, business_id, client_id).await?,
    )
}

#[utoipa::path(delete, path = "/api/businesses/{id}/clients/{clientId}", operation_id = "deleteClient", tag = "clients",
    params(("id" = Uuid, Path, description = "business id"), ("clientId" = Uuid, Path)),
    responses((status = 204, description = "deleted; their calls and leads stay, unlinked"),
        RefusedOrMissing),
    security(("bearer" = [])))]
pub async fn delete(
    state: &State,
    business_id: BusinessId,
    client_id: Uuid,
) -> Result<Response<Body>, ApiError> {
    let pool = state.db.pool().await?;
    clients::delete(pool, business_id, client_id).await?;
    // A project this client's company made ambiguous may now name one client.
    relink_clients_by_rule(pool, business_id.get(), None).await?;
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}
