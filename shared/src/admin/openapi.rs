//! The OpenAPI building blocks every admin route uses: the error body, the bearer scheme, and the
//! refusals each route can give (one definition, not one list per route). The document itself is
//! assembled by the `openapi` function from the route crates' `#[utoipa::path]` annotations.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoResponses, Modify, ToSchema};

/// The error shape of every 4xx and 5xx answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable, e.g. `invalid_field`, `forbidden`, `phone_number_taken`.
    pub code: String,
    /// For people; a field error starts with the field's name.
    pub message: String,
}

/// Adds the `bearer` security scheme the routes name.
pub struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        http.description =
            Some("An access token from POST /api/auth/login (HS256, 15 minutes).".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// What every authenticated route answers to a missing or foreign token.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Refused {
    #[response(status = 401, description = "no valid bearer token")]
    Unauthenticated(ErrorBody),
    #[response(
        status = 403,
        description = "the token does not give access to that business"
    )]
    Forbidden(ErrorBody),
}

/// A 404 for a business or record that does not exist.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Missing {
    #[response(status = 404, description = "no such business or record")]
    NotFound(ErrorBody),
}

/// `Refused` and `Missing`: what a route on one business or record answers besides its own.
pub struct RefusedOrMissing;

impl IntoResponses for RefusedOrMissing {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut responses = Refused::responses();
        responses.extend(Missing::responses());
        responses
    }
}

/// A body or query that does not parse or check; the message names the field.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Invalid {
    #[response(status = 400, description = "a field is invalid; the message names it")]
    Invalid(ErrorBody),
}
