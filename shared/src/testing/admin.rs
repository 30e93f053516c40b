//! The admin API's test tenants and requests: two businesses with clients, leads and calls, their
//! users, tokens, and a request builder that hands a request to a route's handler as API Gateway
//! would (method, path parameters, query, body). Used by the admin function crates' tests and the
//! gateway's tenant-rule tests.

use std::collections::HashMap;

use chrono::Utc;
use http::Method;
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::SecretString;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::admin::AdminState;
use crate::admin::auth::{DEFAULT_TOKEN_TTL, Principal, TokenKeys, hash_password};
use crate::db::Database;
use crate::domain::catalog::Role;

pub const A: &str = "a0000000-0000-4000-8000-000000000001";
pub const B: &str = "b0000000-0000-4000-8000-000000000002";
pub const A_CLIENT: &str = "c0000000-0000-4000-8000-000000000001";
pub const B_CLIENT: &str = "c0000000-0000-4000-8000-000000000002";
pub const A_LEAD: &str = "d0000000-0000-4000-8000-000000000001";
pub const B_LEAD: &str = "d0000000-0000-4000-8000-000000000002";
pub const A_CALL: &str = "e0000000-0000-4000-8000-000000000001";
pub const B_CALL: &str = "e0000000-0000-4000-8000-000000000002";
pub const A_DOCUMENT: &str = "90000000-0000-4000-8000-000000000001";
pub const B_DOCUMENT: &str = "90000000-0000-4000-8000-000000000002";
pub const PASSWORD: &str = "correct horse battery staple";
/// The users `setup` creates: (id, email, role, business).
pub const USERS: &[(&str, &str, Role, Option<&str>)] = &[
    (
        "f0000000-0000-4000-8000-000000000001",
        "owner@aurora.example",
        Role::BusinessOwner,
        Some(A),
    ),
    (
        "f0000000-0000-4000-8000-000000000002",
        "member@aurora.example",
        Role::BusinessMember,
        Some(A),
    ),
    (
        "f0000000-0000-4000-8000-000000000003",
        "owner@bolt.example",
        Role::BusinessOwner,
        Some(B),
    ),
    (
        "f0000000-0000-4000-8000-000000000004",
        "admin@studioconnect.example",
        Role::PlatformAdmin,
        None,
    ),
];

pub fn key() -> SecretString {
    SecretString::from("admin-api-test-signing-key-of-32-bytes")
}

pub async fn setup(pool: &PgPool) -> AdminState {
    sqlx::raw_sql(include_str!("../../fixtures/elevenlabs/tenant.sql"))
        .execute(pool)
        .await
        .unwrap();
    sqlx::raw_sql(include_str!("../../fixtures/admin/tenants.sql"))
        .execute(pool)
        .await
        .unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    for (id, email, role, business) in USERS {
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, role, business_id)
             VALUES ($1::uuid, $2, $3, $4, $5::uuid)",
        )
        .bind(id)
        .bind(email)
        .bind(&hash)
        .bind(role.as_str())
        .bind(business)
        .execute(pool)
        .await
        .unwrap();
    }
    bare_state(pool)
}

/// The admin state over `pool` with nothing seeded (for data seeded otherwise, such as the local
/// run's demo tenant, whose numbers the fixtures' tenants also hold).
pub fn bare_state(pool: &PgPool) -> AdminState {
    AdminState {
        db: Database::from_pool(pool.clone()),
        tokens: TokenKeys::new(&key(), DEFAULT_TOKEN_TTL),
        now: Utc::now,
        edge: Default::default(),
    }
}

/// Only the platform admin of `USERS` (signed in with `platform_admin()`).
pub async fn platform_admin_user(pool: &PgPool) {
    let (id, email, role, _) = USERS
        .iter()
        .find(|u| u.2 == Role::PlatformAdmin)
        .expect("USERS has a platform admin");
    sqlx::query("INSERT INTO users (id, email, password_hash, role) VALUES ($1::uuid, $2, $3, $4)")
        .bind(id)
        .bind(email)
        .bind(hash_password(PASSWORD).unwrap())
        .bind(role.as_str())
        .execute(pool)
        .await
        .unwrap();
}

pub fn now() -> u64 {
    Utc::now().timestamp() as u64
}

/// A token for the user `setup` created with this role and business (a new id for any other).
pub fn token_for(role: Role, business: Option<&str>) -> String {
    let user_id = USERS
        .iter()
        .find(|u| u.2 == role && u.3 == business)
        .map_or_else(Uuid::new_v4, |u| u.0.parse().unwrap());
    TokenKeys::new(&key(), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id,
                business_id: business.map(|b| b.parse().unwrap()),
                role,
            },
            now(),
        )
        .unwrap()
}

pub fn owner_a() -> String {
    token_for(Role::BusinessOwner, Some(A))
}

pub fn platform_admin() -> String {
    token_for(Role::PlatformAdmin, None)
}

/// A request as API Gateway hands it to the function: method, path parameters, query, body.
pub struct Call {
    pub method: Method,
    pub params: Vec<(&'static str, String)>,
    pub query: Vec<(String, String)>,
    pub token: Option<String>,
    pub body: Option<Value>,
    /// The client's address, as API Gateway's request context carries it.
    pub address: Option<String>,
    /// A body that is not JSON: its media type and bytes (an uploaded file).
    pub file: Option<(String, Vec<u8>)>,
}

pub fn call(method: Method) -> Call {
    Call {
        method,
        params: vec![],
        query: vec![],
        token: None,
        body: None,
        address: None,
        file: None,
    }
}

impl Call {
    pub fn business(mut self, id: &str) -> Self {
        self.params.push(("id", id.to_owned()));
        self
    }
    pub fn param(mut self, name: &'static str, value: &str) -> Self {
        self.params.push((name, value.to_owned()));
        self
    }
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    /// A file as the body, with its media type, as API Gateway hands a binary body over.
    pub fn file(mut self, content_type: &str, bytes: Vec<u8>) -> Self {
        self.file = Some((content_type.to_owned(), bytes));
        self
    }
    pub fn from_address(mut self, address: &str) -> Self {
        self.address = Some(address.to_owned());
        self
    }
    pub fn build(self) -> Request {
        let content_type = self.file.as_ref().map(|(t, _)| t.clone());
        let body = match (self.body, self.file) {
            (_, Some((_, bytes))) => Body::Binary(bytes),
            (Some(v), None) => Body::Text(v.to_string()),
            (None, None) => Body::Empty,
        };
        let mut req = Request::new(body)
            .with_path_parameters(
                self.params
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<HashMap<_, _>>(),
            )
            .with_query_string_parameters(self.query.into_iter().collect::<HashMap<_, _>>());
        *req.method_mut() = self.method;
        if let Some(t) = content_type {
            req.headers_mut().insert("content-type", t.parse().unwrap());
        }
        if let Some(t) = self.token {
            req.headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        if let Some(address) = self.address {
            let mut context =
                lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
            context.http.source_ip = Some(address);
            req.extensions_mut()
                .insert(lambda_http::request::RequestContext::ApiGatewayV2(context));
        }
        req
    }
    /// Sends the request to a route's handler, e.g. `.send(|r| admin_business::handle(&state, r))`.
    pub async fn send<F, Fut>(self, handle: F) -> (u16, Value)
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response<Body>>,
    {
        crate::testing::status_and_json(handle(self.build()).await)
    }
}

pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}
pub fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

/// A's existing resource for each path parameter the route table uses.
pub fn a_params(path: &str) -> Vec<(&'static str, String)> {
    let mut params = vec![("id", A.to_owned())];
    for (name, value) in [
        ("clientId", A_CLIENT),
        ("leadId", A_LEAD),
        ("callId", A_CALL),
        ("userId", USERS[1].0),
        ("documentId", A_DOCUMENT),
    ] {
        if path.contains(&format!("{{{name}}}")) {
            params.push((name, value.to_owned()));
        }
    }
    params
}

pub fn endpoint_call(method: &str, path: &str) -> Call {
    let mut c = call(method.parse().unwrap());
    c.params = a_params(path);
    if !path.contains("{id}") {
        c.params.retain(|(name, _)| *name != "id");
    }
    if path.ends_with("/connect") {
        // The connect route names its business in the query.
        c.params.push(("provider", "jira".to_owned()));
        c.query.push(("business_id".to_owned(), A.to_owned()));
    }
    c
}

/// Signs the user in as login does (a new sign-in, no password check): the token pair as JSON.
pub async fn sign_in(state: &AdminState, email: &str) -> Value {
    let pool = state.db.pool().await.unwrap();
    let user = crate::store::users::by_email(pool, email)
        .await
        .unwrap()
        .expect("a fixture user");
    let principal = Principal {
        user_id: user.user_id,
        business_id: user.business_id,
        role: user.role().unwrap(),
    };
    let mut conn = pool.acquire().await.unwrap();
    let pair = crate::admin::sessions::issue(
        state,
        &mut conn,
        &principal,
        user.token_version,
        None,
        &crate::admin::sessions::ClientMeta::default(),
    )
    .await
    .unwrap();
    serde_json::to_value(pair).unwrap()
}
