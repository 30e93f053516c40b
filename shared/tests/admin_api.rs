//! The admin API through its handlers, on a real database with two tenants: authentication, the
//! tenant rule on every route (generated from the route table), each resource's happy path,
//! validation errors naming the field, conflicts, pagination and the OpenAPI document.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use http::Method;
use lambda_http::{Body, Request, RequestExt};
use secrecy::SecretString;
use serde_json::{Value, json};
use shared::admin::auth::{DEFAULT_TOKEN_TTL, Principal, TokenKeys, hash_password};
use shared::admin::{AdminState, ENDPOINTS, Function};
use shared::db::Database;
use shared::domain::catalog::Role;
use sqlx::PgPool;
use uuid::Uuid;

const A: &str = "a0000000-0000-4000-8000-000000000001";
const B: &str = "b0000000-0000-4000-8000-000000000002";
const A_CLIENT: &str = "c0000000-0000-4000-8000-000000000001";
const B_CLIENT: &str = "c0000000-0000-4000-8000-000000000002";
const A_LEAD: &str = "d0000000-0000-4000-8000-000000000001";
const B_LEAD: &str = "d0000000-0000-4000-8000-000000000002";
const A_CALL: &str = "e0000000-0000-4000-8000-000000000001";
const B_CALL: &str = "e0000000-0000-4000-8000-000000000002";
const PASSWORD: &str = "correct horse battery staple";

fn key() -> SecretString {
    SecretString::from("admin-api-test-signing-key")
}

async fn setup(pool: &PgPool) -> AdminState {
    sqlx::raw_sql(include_str!("../fixtures/elevenlabs/tenant.sql"))
        .execute(pool)
        .await
        .unwrap();
    sqlx::raw_sql(include_str!("fixtures/admin.sql"))
        .execute(pool)
        .await
        .unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    for (email, role, business) in [
        ("owner@aurora.example", "business_owner", Some(A)),
        ("member@aurora.example", "business_member", Some(A)),
        ("owner@bolt.example", "business_owner", Some(B)),
        ("admin@studioconnect.example", "platform_admin", None),
    ] {
        sqlx::query(
            "INSERT INTO users (email, password_hash, role, business_id) VALUES ($1, $2, $3, $4::uuid)",
        )
        .bind(email)
        .bind(&hash)
        .bind(role)
        .bind(business)
        .execute(pool)
        .await
        .unwrap();
    }
    AdminState {
        db: Database::from_pool(pool.clone()),
        tokens: TokenKeys::new(&key(), DEFAULT_TOKEN_TTL),
        agents: None,
        pm: None,
        now: Utc::now,
    }
}

fn now() -> u64 {
    Utc::now().timestamp() as u64
}

fn token_for(role: Role, business: Option<&str>) -> String {
    TokenKeys::new(&key(), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id: Uuid::new_v4(),
                business_id: business.map(|b| b.parse().unwrap()),
                role,
            },
            now(),
        )
        .unwrap()
}

fn owner_a() -> String {
    token_for(Role::BusinessOwner, Some(A))
}

/// A request as API Gateway hands it to the function: method, path parameters, query, body.
struct Call {
    method: Method,
    params: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    token: Option<String>,
    body: Option<Value>,
}

fn call(method: Method) -> Call {
    Call {
        method,
        params: vec![],
        query: vec![],
        token: None,
        body: None,
    }
}

impl Call {
    fn business(mut self, id: &str) -> Self {
        self.params.push(("id", id.to_owned()));
        self
    }
    fn param(mut self, name: &'static str, value: &str) -> Self {
        self.params.push((name, value.to_owned()));
        self
    }
    fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }
    fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn build(self) -> Request {
        let body = match self.body {
            Some(v) => Body::Text(v.to_string()),
            None => Body::Empty,
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
        if let Some(t) = self.token {
            req.headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        req
    }
    async fn send(self, state: &AdminState, function: Function) -> (u16, Value) {
        shared::testing::status_and_json(function.handle(state, self.build()).await)
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}
fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

/// A's existing resource for each path parameter the route table uses.
fn a_params(path: &str) -> Vec<(&'static str, String)> {
    let mut params = vec![("id", A.to_owned())];
    for (name, value) in [
        ("clientId", A_CLIENT),
        ("leadId", A_LEAD),
        ("callId", A_CALL),
    ] {
        if path.contains(&format!("{{{name}}}")) {
            params.push((name, value.to_owned()));
        }
    }
    params
}

fn endpoint_call(method: &str, path: &str) -> Call {
    let mut c = call(method.parse().unwrap());
    c.params = a_params(path);
    if !path.contains("{id}") {
        // The connect route names its business in the query.
        c.params.retain(|(name, _)| *name != "id");
        c.params.push(("provider", "jira".to_owned()));
        c.query.push(("business_id".to_owned(), A.to_owned()));
    }
    c
}

// ------------------------------------------------------------------ the tenant rule on every route

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn every_route_refuses_missing_bad_expired_and_foreign_tokens(pool: PgPool) {
    let state = setup(&pool).await;
    let expired = TokenKeys::new(&key(), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id: Uuid::new_v4(),
                business_id: Some(A.parse().unwrap()),
                role: Role::BusinessOwner,
            },
            now() - 3600,
        )
        .unwrap();
    let other_key = TokenKeys::new(&SecretString::from("some-other-key"), DEFAULT_TOKEN_TTL)
        .issue(
            &Principal {
                user_id: Uuid::new_v4(),
                business_id: Some(A.parse().unwrap()),
                role: Role::BusinessOwner,
            },
            now(),
        )
        .unwrap();
    let mut checked = 0;
    for e in ENDPOINTS.iter().filter(|e| e.authenticated) {
        let route = format!("{} {}", e.method, e.path);
        for (label, token) in [
            ("none", None),
            ("garbage", Some("not.a.jwt".to_owned())),
            ("expired", Some(expired.clone())),
            ("foreign key", Some(other_key.clone())),
        ] {
            let mut c = endpoint_call(e.method, e.path);
            c.token = token;
            let (status, body) = c.send(&state, e.function).await;
            assert_eq!(status, 401, "{route} with {label} token: {body}");
            assert_eq!(
                body.as_object().unwrap().keys().collect::<Vec<_>>(),
                vec!["error"],
                "{route}"
            );
        }
        // Business B's owner on business A's resources: 403 and nothing else.
        let (status, body) = endpoint_call(e.method, e.path)
            .token(&token_for(Role::BusinessOwner, Some(B)))
            .send(&state, e.function)
            .await;
        assert_eq!(status, 403, "{route} with another tenant's token: {body}");
        assert_eq!(code(&body), "forbidden", "{route}");
        // A malformed business id can never be the token's own business.
        let mut c = endpoint_call(e.method, e.path).token(&owner_a());
        match c.params.iter_mut().find(|(name, _)| *name == "id") {
            Some(id) => id.1 = "not-a-uuid".into(),
            None => c.query[0].1 = "not-a-uuid".into(),
        }
        assert_eq!(
            c.send(&state, e.function).await.0,
            403,
            "{route} with a malformed id"
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        ENDPOINTS.len() - 2,
        "every authenticated route was checked"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn members_read_and_work_leads_but_change_nothing_else(pool: PgPool) {
    let state = setup(&pool).await;
    let member = token_for(Role::BusinessMember, Some(A));
    for e in ENDPOINTS.iter().filter(|e| e.authenticated) {
        let route = format!("{} {}", e.method, e.path);
        let (status, body) = endpoint_call(e.method, e.path)
            .token(&member)
            .send(&state, e.function)
            .await;
        // Connecting an integration is a GET that changes the business: owners only.
        let reads = e.method == "GET" && e.function != Function::IntegrationConnect;
        let works_leads = e.method == "PATCH" && e.function == Function::Lead;
        if reads || works_leads {
            assert_ne!(status, 403, "{route}: {body}");
            assert_ne!(status, 401, "{route}: {body}");
        } else {
            assert_eq!(status, 403, "{route} must be refused to a member: {body}");
        }
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_platform_admin_reads_every_business(pool: PgPool) {
    let state = setup(&pool).await;
    let admin = token_for(Role::PlatformAdmin, None);
    for e in ENDPOINTS
        .iter()
        // The connect route also needs the OAuth state table: functions/pm-oauth-callback's tests cover it.
        .filter(|e| {
            e.authenticated && e.method == "GET" && e.function != Function::IntegrationConnect
        })
    {
        let (status, body) = endpoint_call(e.method, e.path)
            .token(&admin)
            .send(&state, e.function)
            .await;
        assert_eq!(status, 200, "{} {}: {body}", e.method, e.path);
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn another_tenants_record_ids_are_not_found_through_your_own_business(pool: PgPool) {
    let state = setup(&pool).await;
    for (function, name, id) in [
        (Function::Client, "clientId", B_CLIENT),
        (Function::Lead, "leadId", B_LEAD),
        (Function::Call, "callId", B_CALL),
    ] {
        let (status, body) = call(Method::GET)
            .business(A)
            .param(name, id)
            .token(&owner_a())
            .send(&state, function)
            .await;
        assert_eq!(status, 404, "{name}: {body}");
        assert_eq!(code(&body), "not_found");
    }
    let (status, _) = call(Method::DELETE)
        .business(A)
        .param("clientId", B_CLIENT)
        .token(&owner_a())
        .send(&state, Function::Client)
        .await;
    assert_eq!(status, 404);
    let still_there: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1::uuid)")
            .bind(B_CLIENT)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(still_there);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_unsupported_method_is_a_405(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::DELETE)
        .business(A)
        .token(&owner_a())
        .send(&state, Function::Leads)
        .await;
    assert_eq!(status, 405);
    assert_eq!(code(&body), "method_not_allowed");
}

// ------------------------------------------------------------------------------------------ login

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn login_issues_a_token_that_opens_the_users_own_business(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::POST)
        .body(json!({"email": "  Owner@Aurora.example ", "password": PASSWORD}))
        .send(&state, Function::Login)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["role"], "business_owner");
    assert_eq!(body["business_id"], A);
    let token = body["access_token"].as_str().unwrap();
    let principal = state.tokens.verify(token).unwrap();
    assert_eq!(principal.business_id, Some(A.parse().unwrap()));
    let (status, _) = call(Method::GET)
        .business(A)
        .token(token)
        .send(&state, Function::Business)
        .await;
    assert_eq!(status, 200);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(pool: PgPool) {
    let state = setup(&pool).await;
    let wrong = call(Method::POST)
        .body(json!({"email": "owner@aurora.example", "password": "wrong password here"}))
        .send(&state, Function::Login)
        .await;
    let unknown = call(Method::POST)
        .body(json!({"email": "nobody@aurora.example", "password": PASSWORD}))
        .send(&state, Function::Login)
        .await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown);
    assert_eq!(code(&wrong.1), "invalid_credentials");
    let (status, body) = call(Method::POST)
        .body(json!({"email": "owner@aurora.example"}))
        .send(&state, Function::Login)
        .await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("password"), "{body}");
}

// --------------------------------------------------------------------------------------- business

fn business_body() -> Value {
    json!({
        "name": "Aurora Branding Studio",
        "timezone": "America/New_York",
        "business_hours": {"weekly": {"mon": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:00"}]},
                           "holidays": [{"date": "2026-12-25", "name": "Christmas"}]},
        "notification_emails": ["Owner@Aurora.example", "ops@aurora.example"],
        "notification_phone": "(415) 555-2699",
        "phone_numbers": [{"phone": "+1 415 555 2600", "label": "main"}, {"phone": "415-555-2601"}],
        "transfer_numbers": [{"phone": "+14155550100", "label": "Jo", "condition": "the caller asks for a person"}]
    })
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_business_document_is_replaced_and_normalised(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(business_body())
        .send(&state, Function::Business)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Aurora Branding Studio");
    assert_eq!(
        body["notification_emails"],
        json!(["owner@aurora.example", "ops@aurora.example"])
    );
    assert_eq!(body["notification_phone"], "+14155552699");
    let phones: Vec<&str> = body["phone_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, vec!["+14155552600", "+14155552601"]);
    assert_eq!(
        body["transfer_numbers"][0]["condition"],
        "the caller asks for a person"
    );
    assert_eq!(body["business_hours"]["weekly"]["mon"][1]["open"], "13:00");
    let (status, again) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(&state, Function::Business)
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["phone_numbers"], body["phone_numbers"]);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn another_tenants_number_is_a_clear_409_and_changes_nothing(pool: PgPool) {
    let state = setup(&pool).await;
    let mut body = business_body();
    body["phone_numbers"] = json!([{"phone": "+14155552600"}, {"phone": "+14155553700"}]);
    let (status, resp) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(body)
        .send(&state, Function::Business)
        .await;
    assert_eq!(status, 409, "{resp}");
    assert_eq!(code(&resp), "phone_number_taken");
    assert!(message(&resp).contains("+14155553700"));
    let name: String = sqlx::query_scalar("SELECT name FROM businesses WHERE id = $1::uuid")
        .bind(A)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "Aurora Branding", "the transaction rolled back");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn business_validation_names_the_field(pool: PgPool) {
    let state = setup(&pool).await;
    for (change, field) in [
        (json!({"timezone": "Mars/Olympus"}), "timezone:"),
        (json!({"default_region": "XX"}), "default_region:"),
        (
            json!({"notification_emails": ["ops@localhost"]}),
            "notification_emails[0]:",
        ),
        (
            json!({"notification_emails": ["not-an-email"]}),
            "notification_emails[0]:",
        ),
        (
            json!({"phone_numbers": [{"phone": "12"}]}),
            "phone_numbers[0].phone:",
        ),
        (
            json!({"transfer_numbers": [{"phone": "+14155550100", "condition": ""}]}),
            "transfer_numbers[0].condition:",
        ),
        (
            json!({"business_hours": {"weekly": {"mon": [{"open": "09:00", "close": "09:00"}]}}}),
            "business_hours:",
        ),
        (
            json!({"business_hours": {"weekly": {"mon": [{"open": "9am", "close": "17:00"}]}}}),
            "is not a time of day in HH:MM form",
        ),
        (json!({"colour": "blue"}), "unknown field `colour`"),
        (json!({"name": 42}), "name: invalid type"),
    ] {
        let mut body = business_body();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(body)
            .send(&state, Function::Business)
            .await;
        assert_eq!(status, 400, "{change}: {resp}");
        assert!(message(&resp).contains(field), "{change}: {resp}");
    }
}

// ----------------------------------------------------------------------------------- agent config

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_agent_config_round_trips_and_is_checked_against_elevenlabs_ranges(pool: PgPool) {
    let state = setup(&pool).await;
    let good = json!({"voice_id": "21m00Tcm4TlvDq8ikWAM", "stability": 0.4, "similarity_boost": 0.9,
        "speed": 1.1, "language": "es", "persona_prompt": "You work for {{business_name}}.",
        "welcome_message": "Hola, {{business_name}}.", "client_welcome_message": "Hola {{caller_name}}",
        "after_hours_message": "Cerrado; abrimos {{next_opening}}."});
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(good.clone())
        .send(&state, Function::AgentConfig)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["language"], "es");
    assert_eq!(body["elevenlabs_agent_id"], "agent_aurora_01");
    let stability = body["stability"].as_f64().unwrap();
    assert!((stability - 0.4).abs() < 1e-6);
    for (change, field) in [
        (json!({"stability": 1.5}), "stability:"),
        (json!({"speed": 0.5}), "speed:"),
        (json!({"similarity_boost": -0.1}), "similarity_boost:"),
        (json!({"language": "xx"}), "language:"),
        (json!({"voice_id": "not a voice"}), "voice_id:"),
        (
            json!({"welcome_message": "x".repeat(1001)}),
            "welcome_message:",
        ),
        (
            json!({"welcome_message": "Hi {{first_name}}"}),
            "welcome_message: {{first_name}} is not a known variable",
        ),
        (json!({"speed": "fast"}), "speed: invalid type"),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(body)
            .send(&state, Function::AgentConfig)
            .await;
        assert_eq!(status, 400, "{change}: {resp}");
        assert!(message(&resp).starts_with(field), "{change}: {resp}");
    }
}

// ---------------------------------------------------------------------------------------- clients

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn clients_are_created_updated_paged_and_deleted(pool: PgPool) {
    let state = setup(&pool).await;
    let mut created = BTreeSet::new();
    for i in 0..5 {
        let (status, body) = call(Method::POST)
            .business(A)
            .token(&owner_a())
            .body(
                json!({"name": format!("Client {i}"), "company": "Co", "email": "C@Example.com",
                         "phone_numbers": [format!("(415) 555-31{i:02}")]}),
            )
            .send(&state, Function::Clients)
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["email"], "c@example.com");
        assert_eq!(body["phone_numbers"], json!([format!("+141555531{i:02}")]));
        created.insert(body["id"].as_str().unwrap().to_owned());
    }
    // Six clients in all (the fixture's Dana too), two per page: three pages, no overlap.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut c = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query("limit", "2");
        if let Some(cur) = &cursor {
            c = c.query("cursor", cur);
        }
        let (status, body) = c.send(&state, Function::Clients).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        for item in body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match body.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 6);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 6);
    assert!(created.iter().all(|id| seen.contains(id)));

    let (_, found) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("search", "whitfield")
        .send(&state, Function::Clients)
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    let id = created.iter().next().unwrap().clone();
    let (status, body) = call(Method::PUT)
        .business(A)
        .param("clientId", &id)
        .token(&owner_a())
        .body(json!({"name": "Renamed", "phone_numbers": ["+14155553199", "+14155553198"]}))
        .send(&state, Function::Client)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Renamed");
    assert_eq!(
        body["phone_numbers"],
        json!(["+14155553198", "+14155553199"])
    );

    let (status, _) = call(Method::DELETE)
        .business(A)
        .param("clientId", &id)
        .token(&owner_a())
        .send(&state, Function::Client)
        .await;
    assert_eq!(status, 204);
    let (status, _) = call(Method::GET)
        .business(A)
        .param("clientId", &id)
        .token(&owner_a())
        .send(&state, Function::Client)
        .await;
    assert_eq!(status, 404);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_number_already_naming_a_client_is_a_409_and_bad_input_names_the_field(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::POST)
        .business(A)
        .token(&owner_a())
        .body(json!({"name": "Copycat", "phone_numbers": ["+14155552671"]}))
        .send(&state, Function::Clients)
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(code(&body), "phone_number_taken");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM clients WHERE name = 'Copycat'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "the client was not half-created");
    for (body, field) in [
        (json!({"name": ""}), "name:"),
        (json!({"name": "X", "email": "nope"}), "email:"),
        (
            json!({"name": "X", "phone_numbers": ["abc"]}),
            "phone_numbers[0]:",
        ),
        (json!({"name": "X", "phones": []}), "unknown field `phones`"),
    ] {
        let (status, resp) = call(Method::POST)
            .business(A)
            .token(&owner_a())
            .body(body.clone())
            .send(&state, Function::Clients)
            .await;
        assert_eq!(status, 400, "{body}: {resp}");
        assert!(message(&resp).contains(field), "{body}: {resp}");
    }
    for (name, value, field) in [
        ("limit", "0", "limit:"),
        ("limit", "101", "limit:"),
        ("cursor", "zzz", "cursor:"),
        ("sort", "name", "sort:"),
    ] {
        let (status, resp) = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query(name, value)
            .send(&state, Function::Clients)
            .await;
        assert_eq!(status, 400, "{name}={value}: {resp}");
        assert!(message(&resp).starts_with(field), "{resp}");
    }
}

// ------------------------------------------------------------------------------- urgency keywords

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn urgency_keywords_are_replaced_as_a_list_and_bad_ones_refused(pool: PgPool) {
    let state = setup(&pool).await;
    let list = json!({"keywords": [
        {"phrase": "  site   is down ", "severity": "urgent"},
        {"phrase": "Deadline", "severity": "high"}
    ]});
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(list)
        .send(&state, Function::UrgencyKeywords)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"keywords": [
            {"phrase": "Deadline", "severity": "high"},
            {"phrase": "site is down", "severity": "urgent"}
        ]})
    );
    for (list, field) in [
        (
            json!({"keywords": [{"phrase": "late", "severity": "normal"}]}),
            "keywords[0].severity: must be high or urgent",
        ),
        (
            json!({"keywords": [{"phrase": "late", "severity": "extreme"}]}),
            "keywords[0].severity: unknown variant",
        ),
        (
            json!({"keywords": [{"phrase": "Fire", "severity": "urgent"}, {"phrase": "fire", "severity": "high"}]}),
            "keywords[1].phrase:",
        ),
        (
            json!({"keywords": [{"phrase": "   ", "severity": "urgent"}]}),
            "keywords[0].phrase:",
        ),
    ] {
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(list.clone())
            .send(&state, Function::UrgencyKeywords)
            .await;
        assert_eq!(status, 400, "{list}: {resp}");
        assert!(message(&resp).starts_with(field), "{list}: {resp}");
    }
    let (_, after) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(&state, Function::UrgencyKeywords)
        .await;
    assert_eq!(
        after["keywords"].as_array().unwrap().len(),
        2,
        "refused lists change nothing"
    );
}

// -------------------------------------------------------------------------------------- questions

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_question_list_is_replaced_atomically_in_order(pool: PgPool) {
    let state = setup(&pool).await;
    let list = json!({"questions": [
        {"question": "What is your email?", "field_key": "email", "expected_format": "email", "maps_to_lead_field": "email"},
        {"question": "Website or branding?", "field_key": "kind", "expected_format": "choice", "choices": ["Website", "Branding"], "required": false},
        {"question": "Your name?", "field_key": "full_name", "expected_format": "text", "maps_to_lead_field": "contact_name", "essential_for_emergency": true}
    ]});
    let (status, body) = call(Method::PUT)
        .business(A)
        .token(&owner_a())
        .body(list)
        .send(&state, Function::QualificationQuestions)
        .await;
    assert_eq!(status, 200, "{body}");
    let keys: Vec<&str> = body["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["field_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["email", "kind", "full_name"]);
    assert_eq!(body["questions"][1]["required"], false);
    assert_eq!(body["questions"][0]["required"], true);

    // An invalid list changes nothing.
    for (list, field) in [
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "choice", "choices": ["one"]}]}),
            "questions[0].choices:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "text"}, {"question": "R", "field_key": "a", "expected_format": "text"}]}),
            "questions[1].field_key:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "A b", "expected_format": "text"}]}),
            "questions[0].field_key:",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "colour"}]}),
            "questions[0].expected_format: unknown variant",
        ),
        (
            json!({"questions": [{"question": "Q", "field_key": "a", "expected_format": "text", "maps_to_lead_field": "budget"}]}),
            "questions[0].maps_to_lead_field:",
        ),
    ] {
        let (status, resp) = call(Method::PUT)
            .business(A)
            .token(&owner_a())
            .body(list.clone())
            .send(&state, Function::QualificationQuestions)
            .await;
        assert_eq!(status, 400, "{list}: {resp}");
        assert!(message(&resp).starts_with(field), "{list}: {resp}");
    }
    let (_, after) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(&state, Function::QualificationQuestions)
        .await;
    assert_eq!(after["questions"].as_array().unwrap().len(), 3);
}

// ------------------------------------------------------------------------------------------ leads

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn leads_filter_page_and_patch(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("priority", "urgent")
        .send(&state, Function::Leads)
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], A_LEAD);
    assert_eq!(items[0]["last_call_id"], A_CALL);
    assert_eq!(items[0]["answers"]["email"]["value"], "sam@example.com");

    let (_, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "new")
        .query("created_from", "2026-11-01")
        .query("limit", "1")
        .send(&state, Function::Leads)
        .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let next = body["next_cursor"]
        .as_str()
        .expect("a second new lead follows");
    let (_, page2) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "new")
        .query("created_from", "2026-11-01")
        .query("limit", "1")
        .query("cursor", next)
        .send(&state, Function::Leads)
        .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_ne!(page2["items"][0]["id"], body["items"][0]["id"]);
    assert!(page2.get("next_cursor").is_none());

    for (name, value) in [
        ("status", "open"),
        ("priority", "meh"),
        ("created_from", "yesterday"),
    ] {
        let (status, resp) = call(Method::GET)
            .business(A)
            .token(&owner_a())
            .query(name, value)
            .send(&state, Function::Leads)
            .await;
        assert_eq!(status, 400, "{name}: {resp}");
        assert!(message(&resp).starts_with(&format!("{name}:")), "{resp}");
    }

    let member_id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'member@aurora.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let member = token_for(Role::BusinessMember, Some(A));
    let (status, body) = call(Method::PATCH)
        .business(A)
        .param("leadId", A_LEAD)
        .token(&member)
        .body(json!({"status": "contacted", "assignee_user_id": member_id, "notes": "Called back"}))
        .send(&state, Function::Lead)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "contacted");
    assert_eq!(body["assignee_user_id"], member_id.to_string());
    assert_eq!(body["notes"], "Called back");
    assert_eq!(body["priority"], "urgent", "untouched fields stay");

    let (_, body) = call(Method::PATCH)
        .business(A)
        .param("leadId", A_LEAD)
        .token(&owner_a())
        .body(json!({"assignee_user_id": null}))
        .send(&state, Function::Lead)
        .await;
    assert_eq!(body["assignee_user_id"], Value::Null);
    assert_eq!(body["status"], "contacted");

    let b_owner: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'owner@bolt.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    for (patch, field) in [
        (json!({"assignee_user_id": b_owner}), "assignee_user_id:"),
        (json!({"status": "won"}), "status:"),
        (json!({"priority": "low"}), "unknown field `priority`"),
    ] {
        let (status, resp) = call(Method::PATCH)
            .business(A)
            .param("leadId", A_LEAD)
            .token(&owner_a())
            .body(patch.clone())
            .send(&state, Function::Lead)
            .await;
        assert_eq!(status, 400, "{patch}: {resp}");
        assert!(message(&resp).contains(field), "{patch}: {resp}");
    }
}

// ------------------------------------------------------------------------------------------ calls

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn calls_list_with_filters_and_show_transcript_cost_and_lead(pool: PgPool) {
    let state = setup(&pool).await;
    let (status, body) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .send(&state, Function::Calls)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    let (_, busy) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("status", "busy")
        .send(&state, Function::Calls)
        .await;
    assert_eq!(busy["items"].as_array().unwrap().len(), 1);
    assert_eq!(busy["items"][0]["status"], "busy");

    let (status, call_body) = call(Method::GET)
        .business(A)
        .param("callId", A_CALL)
        .token(&owner_a())
        .send(&state, Function::Call)
        .await;
    assert_eq!(status, 200, "{call_body}");
    assert_eq!(call_body["lead_id"], A_LEAD);
    assert_eq!(call_body["summary"], "Sam's site is down before a launch.");
    assert_eq!(
        call_body["cost"],
        json!({"credits": 812, "amount": "0.084000", "currency": "USD"})
    );
    assert_eq!(
        call_body["transcript"][0]["text"],
        "Thanks for calling Aurora Branding."
    );
    assert_eq!(call_body["elevenlabs_conversation_id"], "conv_admin_1");

    let (status, resp) = call(Method::GET)
        .business(A)
        .token(&owner_a())
        .query("direction", "sideways")
        .send(&state, Function::Calls)
        .await;
    assert_eq!(status, 400);
    assert!(message(&resp).starts_with("direction:"));
}

// ---------------------------------------------------------------------------------------- OpenAPI

fn template_admin_routes() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let t: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let admin_ids: Vec<&str> = Function::ALL.iter().map(|f| f.logical_id()).collect();
    let mut routes = BTreeSet::new();
    for (name, resource) in t["Resources"].as_mapping().unwrap() {
        if !admin_ids.contains(&name.as_str().unwrap()) {
            continue;
        }
        for event in resource["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
        {
            if event["Type"] == "HttpApi" {
                routes.insert((
                    event["Properties"]["Method"]
                        .as_str()
                        .unwrap()
                        .to_lowercase(),
                    event["Properties"]["Path"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    routes
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_covers_every_admin_route_in_the_template() {
    let state = AdminState {
        db: Database::from_pool(
            sqlx::PgPool::connect_lazy("postgres://unused@127.0.0.1/none").unwrap(),
        ),
        tokens: TokenKeys::new(&key(), DEFAULT_TOKEN_TTL),
        agents: None,
        pm: None,
        now: Utc::now,
    };
    let (status, doc) = call(Method::GET).send(&state, Function::OpenApi).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let template = template_admin_routes();
    assert_eq!(template.len(), ENDPOINTS.len());
    assert_eq!(
        documented, template,
        "the document and template.yaml list the same admin routes"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "ErrorBody",
        "Business",
        "AgentConfigInput",
        "Client",
        "Lead",
        "CallDetail",
        "QuestionList",
        "LoginRequest",
        "SyncReport",
    ] {
        assert!(schemas.contains_key(name), "schema {name}");
    }
    // Every authenticated operation declares the bearer requirement and its 401/403 answers.
    for e in ENDPOINTS.iter().filter(|e| e.authenticated) {
        let op = &doc["paths"][e.path][e.method.to_lowercase()];
        assert_eq!(
            op["security"][0]["bearer"],
            json!([]),
            "{} {}",
            e.method,
            e.path
        );
        for status in ["401", "403"] {
            assert!(
                op["responses"].get(status).is_some(),
                "{} {} documents {status}",
                e.method,
                e.path
            );
        }
    }
}

// ----------------------------------------------------------------------------------- operator CLI

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_business_bootstrapped_by_the_operator_can_log_in_and_is_validated(pool: PgPool) {
    use shared::admin::operator::{NewBusiness, OperatorError, create_business, create_user};
    let state = setup(&pool).await;
    let new = |email: &str, phone: &str| NewBusiness {
        name: "Cedar Dental".into(),
        timezone: "America/Denver".into(),
        region: "us".into(),
        phone_numbers: vec![phone.into()],
        owner_email: email.into(),
        owner_password: PASSWORD.into(),
    };
    let created = create_business(&state.db, new("Dr@Cedar.example", "(720) 555-0142"))
        .await
        .unwrap();
    assert_eq!(created.phone_numbers, vec!["+17205550142"]);
    let (status, body) = call(Method::POST)
        .body(json!({"email": "dr@cedar.example", "password": PASSWORD}))
        .send(&state, Function::Login)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["business_id"], created.business_id.to_string());
    // A taken number, a duplicate email, a weak password: refused, nothing half-created.
    assert!(matches!(
        create_business(&state.db, new("other@cedar.example", "+14155552600")).await,
        Err(OperatorError::Conflict(_))
    ));
    assert!(matches!(
        create_user(
            &state.db,
            "dr@cedar.example",
            PASSWORD,
            Role::BusinessMember,
            Some(created.business_id)
        )
        .await,
        Err(OperatorError::Conflict(_))
    ));
    assert!(matches!(
        create_user(
            &state.db,
            "new@cedar.example",
            "short",
            Role::BusinessMember,
            Some(created.business_id)
        )
        .await,
        Err(OperatorError::Invalid(_))
    ));
    assert!(matches!(
        create_user(
            &state.db,
            "root@studioconnect.example",
            PASSWORD,
            Role::PlatformAdmin,
            Some(created.business_id)
        )
        .await,
        Err(OperatorError::Invalid(_))
    ));
    let businesses: i64 =
        sqlx::query_scalar("SELECT count(*) FROM businesses WHERE name = 'Cedar Dental'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(businesses, 1);
    create_user(
        &state.db,
        "root@studioconnect.example",
        PASSWORD,
        Role::PlatformAdmin,
        None,
    )
    .await
    .unwrap();
}
