//! The OpenAPI document is 3.1 and covers exactly the admin routes in template.yaml, each
//! authenticated one with its bearer requirement and its 401/403 answers.

use std::collections::BTreeSet;

use http::Method;
use serde_json::json;
use shared::testing::admin::call;

/// (method, path, authenticated) for every admin API route in template.yaml: the admin functions,
/// the auth routes and this document.
fn template_admin_routes() -> BTreeSet<(String, String, bool)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let t: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut routes = BTreeSet::new();
    for (name, resource) in t["Resources"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        // Signing out and changing one's password take the bearer token; the other auth routes
        // are how one gets a token.
        let authenticated = name.starts_with("Admin")
            || matches!(name, "AuthLogoutFunction" | "AuthPasswordFunction");
        if !(authenticated || name.starts_with("Auth") || name == "OpenApiFunction") {
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
                    authenticated,
                ));
            }
        }
    }
    routes
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_covers_every_admin_route_in_the_template() {
    let (status, doc) = call(Method::GET)
        .send(|r| openapi::handle(&openapi::State, r))
        .await;
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
    assert!(template.len() > 25);
    assert_eq!(
        documented,
        template
            .iter()
            .map(|(m, p, _)| (m.clone(), p.clone()))
            .collect(),
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
    // Every authenticated operation declares the bearer requirement and its 401/403 answers, each
    // with the error body.
    for (method, path, _) in template.iter().filter(|r| r.2) {
        let op = &doc["paths"][path][method];
        assert_eq!(op["security"][0]["bearer"], json!([]), "{method} {path}");
        for status in ["401", "403"] {
            assert_eq!(
                op["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} documents {status}"
            );
        }
        // A route on one business answers 404 when there is no such business (a platform admin
        // may name any id: `AdminState::admit`).
        if path.starts_with("/api/businesses/{id}") || path.ends_with("/connect") {
            assert_eq!(
                op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} documents 404"
            );
        }
    }
}

#[tokio::test]
async fn only_get_is_served() {
    let (status, body) = call(Method::POST)
        .send(|r| openapi::handle(&openapi::State, r))
        .await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

/// The document as the route serves it.
async fn document() -> serde_json::Value {
    let (status, doc) = call(Method::GET)
        .send(|r| openapi::handle(&openapi::State, r))
        .await;
    assert_eq!(status, 200);
    doc
}

#[tokio::test]
async fn every_reference_resolves() {
    let doc = document().await;
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 30);
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").expect(r);
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
}

#[tokio::test]
async fn every_operation_has_its_own_id() {
    let doc = document().await;
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(
                ids.insert(id.to_owned()),
                "{method} {path}: {id} is used twice"
            );
        }
    }
}

/// The limits the document states are the ones the routes enforce (a generated client and the
/// API fuzzer read them from here).
#[tokio::test]
async fn documented_limits_are_the_enforced_ones() {
    let doc = document().await;
    let stated = [
        (
            "ClientInput",
            "phone_numbers",
            "maxItems",
            shared::admin::clients::MAX_CLIENT_PHONES,
        ),
        (
            "BusinessInput",
            "notification_emails",
            "maxItems",
            admin_business::MAX_NOTIFICATION_EMAILS,
        ),
        (
            "BusinessInput",
            "phone_numbers",
            "maxItems",
            admin_business::MAX_PHONE_NUMBERS,
        ),
        (
            "BusinessInput",
            "transfer_numbers",
            "maxItems",
            admin_business::MAX_TRANSFER_NUMBERS,
        ),
        (
            "QuestionList",
            "questions",
            "maxItems",
            admin_qualification_questions::MAX_QUESTIONS,
        ),
        (
            "QuestionInput",
            "choices",
            "maxItems",
            admin_qualification_questions::MAX_CHOICES,
        ),
        (
            "KeywordList",
            "keywords",
            "maxItems",
            admin_urgency_keywords::MAX_KEYWORDS,
        ),
        (
            "LeadPatch",
            "notes",
            "maxLength",
            admin_lead::MAX_NOTES_CHARS,
        ),
        (
            "AgentConfigInput",
            "persona_prompt",
            "maxLength",
            shared::admin::agent_config::MAX_PROMPT_CHARS,
        ),
        (
            "AgentConfigInput",
            "welcome_message",
            "maxLength",
            shared::admin::agent_config::MAX_MESSAGE_CHARS,
        ),
        (
            "PasswordChange",
            "new_password",
            "minLength",
            shared::admin::auth::MIN_PASSWORD_LEN,
        ),
    ];
    let schema =
        |name: &str, field: &str| doc["components"]["schemas"][name]["properties"][field].clone();
    for (name, field, keyword, enforced) in stated {
        assert_eq!(
            schema(name, field)[keyword],
            enforced,
            "{name}.{field} {keyword}"
        );
    }
    let limit = doc["paths"]["/api/businesses/{id}/calls"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(
        limit["schema"]["maximum"],
        shared::admin::request::MAX_PAGE_SIZE
    );
    // Closed sets are enums, not free strings.
    assert_eq!(
        schema("QuestionInput", "expected_format")["$ref"],
        "#/components/schemas/ExpectedFormat"
    );
    assert_eq!(
        doc["components"]["schemas"]["Role"]["enum"],
        json!(["platform_admin", "business_owner", "business_member"])
    );
}
