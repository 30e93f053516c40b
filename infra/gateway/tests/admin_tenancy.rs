//! The tenant rule on every authenticated admin route, read from template.yaml and served by the
//! same handlers the gateway builds: missing, malformed, expired and foreign tokens are a 401,
//! another tenant is a 403, members only read (and work leads), a platform admin reads every
//! business, and another tenant's record ids are not found through your own business.

use std::collections::HashMap;
use std::sync::Arc;

use http::Method;
use lambda_http::{Body, Request, Response};
use local_gateway::routes::{HttpFunction, ROUTES, Route, RouteTable};
use secrecy::SecretString;
use serde_json::Value;
use shared::admin::auth::{DEFAULT_TOKEN_TTL, Principal, TokenKeys};
use shared::db::Database;
use shared::domain::catalog::Role;
use shared::platform::Platform;
use shared::secrets::{SecretName, Secrets};
use shared::testing::admin::*;
use sqlx::PgPool;
use uuid::Uuid;

/// Every admin route that takes a bearer token: the functions named `Admin*` (a test below holds
/// every route on a business or a connect to that name).
fn admin_routes() -> impl Iterator<Item = &'static Route> {
    ROUTES
        .iter()
        .filter(|r| r.function.logical_id().starts_with("Admin"))
}

/// Every function's handler as the gateway builds it, on this test's database, with the local
/// secrets but the test tenants' signing key.
async fn routes(pool: &PgPool) -> Table {
    let base = Platform::load(SecretName::ALL)
        .await
        .expect("run the tests with ./infra/local/test");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../local/dev-secrets.json");
    let local: HashMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut values: Vec<(SecretName, Value)> = local
        .into_iter()
        .filter_map(|(name, value)| Some((SecretName::from_name(&name)?, value)))
        .filter(|(name, _)| *name != SecretName::AdminJwt)
        .collect();
    let key = secrecy::ExposeSecret::expose_secret(&key()).to_owned();
    values.push((
        SecretName::AdminJwt,
        serde_json::json!({ "jwt_signing_key": key }),
    ));
    let platform = Platform {
        secrets: Arc::new(Secrets::from_values(&values).unwrap()),
        db: Database::from_pool(pool.clone()),
        ..base
    };
    Table(RouteTable::new(&platform).unwrap())
}

/// Routes over every business (`/api/businesses`): platform admins only, with no business id.
fn platform_only(e: &Route) -> bool {
    e.function == HttpFunction::AdminBusinesses
}

struct Table(RouteTable);

impl Table {
    fn call(&self, function: HttpFunction, req: Request) -> impl Future<Output = Response<Body>> {
        (self.0.handler_of(function).expect("a handler"))(req)
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn every_route_refuses_missing_bad_expired_and_foreign_tokens(pool: PgPool) {
    setup(&pool).await;
    let table = routes(&pool).await;
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
    for e in admin_routes() {
        let route = format!("{} {}", e.method, e.path);
        for (label, token) in [
            ("none", None),
            ("garbage", Some("not.a.jwt".to_owned())),
            ("expired", Some(expired.clone())),
            ("foreign key", Some(other_key.clone())),
        ] {
            let mut c = endpoint_call(e.method, e.path);
            c.token = token;
            let (status, body) = c.send(|r| table.call(e.function, r)).await;
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
            .send(|r| table.call(e.function, r))
            .await;
        assert_eq!(status, 403, "{route} with another tenant's token: {body}");
        assert_eq!(code(&body), "forbidden", "{route}");
        if platform_only(e) {
            // No business in the path: every token but a platform admin's is refused.
            let (status, body) = endpoint_call(e.method, e.path)
                .token(&owner_a())
                .send(|r| table.call(e.function, r))
                .await;
            assert_eq!((status, code(&body)), (403, "forbidden"), "{route}");
            checked += 1;
            continue;
        }
        // A malformed business id can never be the token's own business.
        let mut c = endpoint_call(e.method, e.path).token(&owner_a());
        match c.params.iter_mut().find(|(name, _)| *name == "id") {
            Some(id) => id.1 = "not-a-uuid".into(),
            None => c.query[0].1 = "not-a-uuid".into(),
        }
        assert_eq!(
            c.send(|r| table.call(e.function, r)).await.0,
            403,
            "{route} with a malformed id"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 40,
        "every authenticated route in template.yaml was checked"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn members_read_and_work_leads_but_change_nothing_else(pool: PgPool) {
    setup(&pool).await;
    let table = routes(&pool).await;
    let member = token_for(Role::BusinessMember, Some(A));
    for e in admin_routes() {
        let route = format!("{} {}", e.method, e.path);
        let (status, body) = endpoint_call(e.method, e.path)
            .token(&member)
            .send(|r| table.call(e.function, r))
            .await;
        // Connecting an integration is a GET that changes the business: owners only.
        let reads = e.method == "GET"
            && e.function != HttpFunction::AdminIntegrationConnect
            && !platform_only(e);
        let works_leads = e.method == "PATCH" && e.function == HttpFunction::AdminLead;
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
    setup(&pool).await;
    let table = routes(&pool).await;
    let admin = token_for(Role::PlatformAdmin, None);
    for e in admin_routes()
        // The connect route also needs the OAuth state table: functions/pm-oauth-callback's tests cover it.
        .filter(|e| e.method == "GET" && e.function != HttpFunction::AdminIntegrationConnect)
    {
        let (status, body) = endpoint_call(e.method, e.path)
            .token(&admin)
            .send(|r| table.call(e.function, r))
            .await;
        assert_eq!(status, 200, "{} {}: {body}", e.method, e.path);
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_business_that_does_not_exist_is_not_found_on_every_route(pool: PgPool) {
    setup(&pool).await;
    let table = routes(&pool).await;
    let admin = token_for(Role::PlatformAdmin, None);
    let nobody = Uuid::new_v4().to_string();
    let mut checked = 0;
    for e in admin_routes().filter(|e| !platform_only(e)) {
        let mut c = endpoint_call(e.method, e.path).token(&admin);
        match c.params.iter_mut().find(|(name, _)| *name == "id") {
            Some(id) => id.1 = nobody.clone(),
            None => c.query[0].1 = nobody.clone(),
        }
        let (status, body) = c.send(|r| table.call(e.function, r)).await;
        // Reads and writes alike: never an empty list, never a write into nothing.
        assert_eq!(
            (status, code(&body)),
            (404, "not_found"),
            "{} {}: {body}",
            e.method,
            e.path
        );
        checked += 1;
    }
    assert_eq!(checked, 38, "every route on a business was checked");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn another_tenants_record_ids_are_not_found_through_your_own_business(pool: PgPool) {
    setup(&pool).await;
    let table = routes(&pool).await;
    for (function, name, id) in [
        (HttpFunction::AdminClient, "clientId", B_CLIENT),
        (HttpFunction::AdminLead, "leadId", B_LEAD),
        (HttpFunction::AdminCall, "callId", B_CALL),
        (
            HttpFunction::AdminKnowledgeDocument,
            "documentId",
            B_DOCUMENT,
        ),
    ] {
        let (status, body) = call(Method::GET)
            .business(A)
            .param(name, id)
            .token(&owner_a())
            .send(|r| table.call(function, r))
            .await;
        assert_eq!(status, 404, "{name}: {body}");
        assert_eq!(code(&body), "not_found");
    }
    let (status, _) = call(Method::DELETE)
        .business(A)
        .param("clientId", B_CLIENT)
        .token(&owner_a())
        .send(|r| table.call(HttpFunction::AdminClient, r))
        .await;
    assert_eq!(status, 404);
    let still_there: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1::uuid)")
            .bind(B_CLIENT)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(still_there);
    let (status, _) = call(Method::DELETE)
        .business(A)
        .param("documentId", B_DOCUMENT)
        .token(&owner_a())
        .send(|r| table.call(HttpFunction::AdminKnowledgeDocument, r))
        .await;
    assert_eq!(status, 404);
    let still_there: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM knowledge_documents WHERE id = $1::uuid)")
            .bind(B_DOCUMENT)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(still_there);
}

#[test]
fn every_route_on_a_business_is_an_admin_function_under_the_tenant_rule() {
    for r in ROUTES.iter() {
        if r.path.starts_with("/api/businesses") || r.path.ends_with("/connect") {
            assert!(
                r.function.logical_id().starts_with("Admin"),
                "{} {} must be an Admin* function, checked above",
                r.method,
                r.path
            );
        }
    }
}

/// Postgres cannot store NUL, and no field should hold the other control characters: on every
/// route that takes a body, one in any string is a 400 naming the field, never the database's
/// 500; in a query string, never a 5xx either.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn control_characters_are_refused_naming_the_field_on_every_route(pool: PgPool) {
    setup(&pool).await;
    let table = routes(&pool).await;
    let mut with_body = 0;
    for e in admin_routes() {
        let route = format!("{} {}", e.method, e.path);
        // The agent sync takes no body.
        let takes_body = matches!(e.method, "POST" | "PUT" | "PATCH")
            && e.function != HttpFunction::AdminAgentSync;
        if takes_body {
            let token = if platform_only(e) {
                platform_admin()
            } else {
                owner_a()
            };
            for (body, field) in [
                (serde_json::json!({"name": "Ro\u{0}sa"}), "name"),
                (
                    serde_json::json!({"notes": ["ok", "bell\u{7}"]}),
                    "notes[1]",
                ),
            ] {
                let (status, answer) = endpoint_call(e.method, e.path)
                    .token(&token)
                    .body(body)
                    .send(|r| table.call(e.function, r))
                    .await;
                assert_eq!(status, 400, "{route}: {answer}");
                assert_eq!(code(&answer), "invalid_field", "{route}");
                assert!(
                    message(&answer).starts_with(&format!("{field}: must not contain control")),
                    "{route}: {answer}"
                );
            }
            with_body += 1;
        } else if e.method == "GET" {
            let mut c = endpoint_call(e.method, e.path).token(&owner_a());
            c.query.push(("search".to_owned(), "Ro\u{0}sa".to_owned()));
            let (status, answer) = c.send(|r| table.call(e.function, r)).await;
            assert!(status < 500, "{route}: {answer}");
        }
    }
    assert!(with_body >= 10, "{with_body} routes with a body");
}
