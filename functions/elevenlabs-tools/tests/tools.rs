//! The mid-call tools through their handler: real Postgres, the call-session and idempotency
//! tables on the local DynamoDB emulator, SendGrid and Twilio faked over HTTP (wiremock).
//! Tenant: shared/fixtures/elevenlabs/tenant.sql (shared::testing) + tests/fixtures/call_tools.sql.
//! Run with ./infra/local/test (it provides the emulator and the provisioned tables).

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use elevenlabs_tools::session::SessionStore;
use elevenlabs_tools::{Notifier, ToolState, handle};
use http::Method;
use lambda_http::{Body, Request, RequestExt};
use serde_json::{Value, json};
use shared::db::Database;
use shared::elevenlabs::initiation::{DEFAULT_SECRET_HEADER, SecretHeader};
use shared::http_client::{HttpClient, HttpPolicy};
use shared::idempotency::IdempotencyStore;
use shared::sendgrid::{Address, SendGrid};
use shared::twilio::Twilio;
use sqlx::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "tool-secret-for-tests";
const AURORA: &str = "+14155552600";
const BOREALIS: &str = "+12125550100";
const DANA: &str = "+14155552671";
const NEW_CALLER: &str = "+14155550123";

/// Tuesday 2026-11-24, 10:00 in Los Angeles: Aurora is open.
fn open_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap()
}
/// Tuesday 19:00 in Los Angeles: closed until tomorrow 9:00.
fn evening() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
}
/// Thanksgiving, 10:00 in Los Angeles: a holiday closure.
fn thanksgiving() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap()
}

async fn seed(pool: &PgPool) {
    shared::testing::seed_tenant(pool).await;
    sqlx::raw_sql(include_str!("fixtures/call_tools.sql"))
        .execute(pool)
        .await
        .unwrap();
}

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the tests with ./infra/local/test"))
}

async fn vendors() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202).insert_header("x-message-id", "sg-1"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2010-04-01/Accounts/ACtest/Messages.json"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "SM0123", "status": "queued", "body": "x"})),
        )
        .mount(&server)
        .await;
    server
}

async fn state(pool: &PgPool, vendors: &MockServer, now: fn() -> DateTime<Utc>) -> ToolState {
    let aws = shared::aws::AwsClients::new(&shared::aws::sdk_config().await);
    let policy = HttpPolicy {
        max_retries: 0,
        ..HttpPolicy::default()
    };
    ToolState {
        db: Database::from_pool(pool.clone()),
        secret: SecretHeader {
            name: http::HeaderName::from_static(DEFAULT_SECRET_HEADER),
            value: SECRET.to_owned().into(),
        },
        sessions: SessionStore::new(aws.dynamodb.clone(), env("CALL_SESSION_TABLE")),
        notifier: Notifier {
            sendgrid: SendGrid::new(
                HttpClient::new("sendgrid", policy.clone()).unwrap(),
                &vendors.uri(),
                "SG.test".to_owned().into(),
                Address {
                    email: "calls@studioconnect.example".into(),
                    name: None,
                },
            ),
            twilio: Some(Twilio::new(
                HttpClient::new("twilio", policy).unwrap(),
                &vendors.uri(),
                "ACtest".into(),
                "twilio-token".to_owned().into(),
            )),
            idempotency: IdempotencyStore::new(
                aws.dynamodb.clone(),
                env("IDEMPOTENCY_TABLE"),
                std::time::Duration::from_secs(3600),
                std::time::Duration::from_secs(30),
            ),
            dashboard_url: "https://app.studioconnect.example".into(),
        },
        now,
    }
}

fn conversation() -> String {
    format!("conv_{}", uuid::Uuid::new_v4().simple())
}

fn request(tool: &str, body: &str, secret: Option<&str>) -> Request {
    let mut req = Request::new(Body::Text(body.to_owned()))
        .with_path_parameters(HashMap::from([("tool".to_owned(), tool.to_owned())]));
    *req.method_mut() = Method::POST;
    if let Some(s) = secret {
        req.headers_mut()
            .insert(DEFAULT_SECRET_HEADER, s.parse().unwrap());
    }
    req
}

/// Calls a tool as ElevenLabs would for a call from `caller` to `called`.
async fn tool(
    state: &ToolState,
    name: &str,
    conversation_id: &str,
    caller: &str,
    called: &str,
    fields: Value,
) -> (u16, Value) {
    let mut body =
        json!({"conversation_id": conversation_id, "caller_id": caller, "called_number": called});
    if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
        b.extend(f.clone());
    }
    let resp = handle(state, request(name, &body.to_string(), Some(SECRET))).await;
    let status = resp.status().as_u16();
    let body: Value = match resp.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        other => panic!("unexpected body {other:?}"),
    };
    (status, body)
}

async fn texts(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/Messages.json"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

async fn emails(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v3/mail/send")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_new_caller_is_qualified_step_by_step_and_the_lead_grows_with_each_answer(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    let ask = |answer: Option<&str>| {
        let fields = match answer {
            Some(a) => json!({"answer": a}),
            None => json!({}),
        };
        tool(&s, "qualification_next", &conv, NEW_CALLER, AURORA, fields)
    };
    let (status, first) = ask(None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "ask");
    assert_eq!(first["question"], "May I have your full name?");
    assert_eq!(first["progress"], "1 of 4");
    assert!(
        first.get("field_key").is_none(),
        "no configuration keys are spoken"
    );

    let (_, second) = ask(Some("Sam Rivera")).await;
    assert_eq!(second["question"], "What is the best email to reach you?");
    // The lead exists after the first answer: an abandoned call still leaves one.
    let (name, answers): (Option<String>, Value) =
        sqlx::query_as("SELECT contact_name, answers FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(name.as_deref(), Some("Sam Rivera"));
    assert_eq!(answers["full_name"]["source"], "live");

    let (_, reask) = ask(Some("sam at rivera")).await;
    assert_eq!(reask["status"], "ask");
    assert_eq!(reask["question"], "What is the best email to reach you?");
    assert!(
        reask["reason"]
            .as_str()
            .unwrap()
            .contains("not an email address")
    );
    let (_, third) = ask(Some("sam@riverastudio.com")).await;
    assert_eq!(third["progress"], "3 of 4");
    ask(Some("both")).await;
    let (_, done) = ask(Some("$8,000")).await;
    assert_eq!(done["status"], "complete", "{done}");
    assert_eq!(done["answered"], 4);

    let (email, answers, priority): (Option<String>, Value, String) =
        sqlx::query_as("SELECT email, answers, priority FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("sam@riverastudio.com"));
    assert_eq!(answers["project_type"]["value"], "Both");
    assert_eq!(answers["budget"]["value"], "8000");
    assert_eq!(priority, "normal");
    let leads: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(leads, 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_state_survives_a_cold_start_and_urgency_is_flagged_mid_qualification(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let conv = conversation();
    {
        let s = state(&pool, &server, open_now).await;
        tool(
            &s,
            "qualification_next",
            &conv,
            NEW_CALLER,
            AURORA,
            json!({}),
        )
        .await;
        tool(
            &s,
            "qualification_next",
            &conv,
            NEW_CALLER,
            AURORA,
            json!({"answer": "Sam"}),
        )
        .await;
    }
    // A fresh instance (a new Lambda after a cold start) picks the call up where it was.
    let s = state(&pool, &server, open_now).await;
    let (_, step) = tool(
        &s,
        "qualification_next",
        &conv,
        NEW_CALLER,
        AURORA,
        json!({"answer": "my site is down, sam@rivera.studio"}),
    )
    .await;
    assert_eq!(step["status"], "ask", "{step}");
    assert_eq!(step["escalate"], true);
    assert_eq!(
        step["escalation_reason"],
        "caller mentioned \"site is down\""
    );
    assert!(
        step["reason"].as_str().is_some(),
        "the answer itself was not an email"
    );
    let (priority, reasons): (String, Vec<String>) =
        sqlx::query_as("SELECT priority, urgency_reasons FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(priority, "urgent");
    assert_eq!(
        reasons,
        vec!["caller mentioned \"site is down\"".to_string()]
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_known_client_hears_only_their_own_projects(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let (status, body) = tool(
        &s,
        "get_project_status",
        &conversation(),
        DANA,
        AURORA,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["known_client"], true);
    let names: Vec<&str> = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // Active first (soonest due first), done last.
    assert_eq!(names, ["Bakery website", "Menu redesign", "Logo refresh"]);
    let website = &body["projects"][0];
    assert_eq!(website["status"], "in progress");
    assert_eq!(website["due"], "December 5, 2026");
    assert_eq!(
        website["open_tasks"],
        json!([
            {"name": "Homepage copy", "status": "in progress", "due": "November 28, 2026"},
            {"name": "Photo shoot", "status": "not started", "due": "December 1, 2026"}
        ])
    );
    assert!(
        body["say"]
            .as_str()
            .unwrap()
            .starts_with("Dana, Bakery website is in progress, due December 5, 2026.")
    );
    let text = body.to_string();
    assert!(
        !text.contains("Confidential"),
        "another tenant's project leaked"
    );
    assert!(!text.contains("d0000000"), "internal ids are not spoken");

    // The same phone number calling business B hears B's client record, never A's.
    let (_, other) = tool(
        &s,
        "get_project_status",
        &conversation(),
        DANA,
        BOREALIS,
        json!({}),
    )
    .await;
    assert_eq!(other["projects"][0]["name"], "Confidential warehouse");
    assert!(!other.to_string().contains("Bakery"));
    assert!(other["say"].as_str().unwrap().starts_with("Dana,"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_unknown_caller_is_politely_refused_project_details(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let (status, body) = tool(
        &s,
        "get_project_status",
        &conversation(),
        NEW_CALLER,
        AURORA,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["known_client"], false);
    assert!(body.get("projects").is_none());
    assert!(
        body["say"]
            .as_str()
            .unwrap()
            .contains("only share project details")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_recorded_call_start_wins_over_the_numbers_in_the_request(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    // The initiation webhook recorded this call as Dana calling Aurora.
    sqlx::query(
        "INSERT INTO call_starts (conversation_id, business_id, client_id, direction, person_phone, business_phone)
         VALUES ($1, 'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'inbound', $2, $3)",
    )
    .bind(&conv)
    .bind(DANA)
    .bind(AURORA)
    .execute(&pool)
    .await
    .unwrap();
    // Whatever numbers a request carries, the call stays Aurora's.
    let (_, body) = tool(&s, "get_project_status", &conv, DANA, BOREALIS, json!({})).await;
    assert_eq!(body["projects"][0]["name"], "Bakery website");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn escalation_makes_the_lead_urgent_alerts_the_team_once_and_offers_a_transfer(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let conv = conversation();
    let fields = json!({"reason": "Their online shop is down during a sale", "caller_name": "Sam"});
    let (status, body) = tool(
        &s,
        "escalate_to_team",
        &conv,
        NEW_CALLER,
        AURORA,
        fields.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["transfer_available"], true);
    assert_eq!(body["next_step"], "transfer");
    assert_eq!(body["team_notified"], true);
    let (priority, reasons): (String, Vec<String>) =
        sqlx::query_as("SELECT priority, urgency_reasons FROM leads WHERE caller_phone = $1")
            .bind(NEW_CALLER)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(priority, "urgent");
    assert_eq!(
        reasons,
        vec!["escalated during the call: Their online shop is down during a sale".to_string()]
    );
    let sent = emails(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["personalizations"][0]["to"][0]["email"],
        "owner@aurora.example"
    );
    assert!(sent[0]["subject"].as_str().unwrap().starts_with("[URGENT]"));
    let sms = texts(&server).await;
    assert_eq!(sms.len(), 1);
    let form: HashMap<String, String> = serde_urlencoded_pairs(&sms[0]);
    assert_eq!(form["To"], "+14155559999");
    assert_eq!(form["From"], AURORA);
    assert!(form["Body"].contains("URGENT call for Aurora Branding: Sam (+14155550123)"));

    // The agent calling it again changes nothing for the team.
    tool(&s, "escalate_to_team", &conv, NEW_CALLER, AURORA, fields).await;
    assert_eq!(emails(&server).await.len(), 1);
    assert_eq!(texts(&server).await.len(), 1);
}

fn serde_urlencoded_pairs(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn after_hours_there_is_no_transfer_and_a_message_is_taken_and_sent_once(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, evening).await;
    let conv = conversation();
    let (_, body) = tool(
        &s,
        "escalate_to_team",
        &conv,
        NEW_CALLER,
        AURORA,
        json!({"reason": "pipe burst at the studio"}),
    )
    .await;
    assert_eq!(body["transfer_available"], false);
    assert_eq!(body["next_step"], "take_message");

    let message = json!({"message": "Please call about the burst pipe", "caller_name": "Sam Rivera",
                         "callback_number": "(415) 555-0188", "preferred_time": "first thing tomorrow"});
    let (status, taken) = tool(
        &s,
        "take_message",
        &conv,
        NEW_CALLER,
        AURORA,
        message.clone(),
    )
    .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["recorded"], true);
    assert_eq!(
        taken["say"],
        "I've passed your message to the team; they'll get back to you when the office opens tomorrow at 9:00 AM."
    );
    tool(&s, "take_message", &conv, NEW_CALLER, AURORA, message).await;
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT message, callback_phone, preferred_time FROM call_messages WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&conv)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![(
            "Please call about the burst pipe".to_string(),
            Some("+14155550188".to_string()),
            Some("first thing tomorrow".to_string())
        )]
    );
    let sent = emails(&server).await;
    // One urgent alert and one message email, whatever the repeats.
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Message from Sam Rivera")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn business_hours_are_computed_for_the_agent(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    for (now, open, say) in [
        (
            open_now as fn() -> DateTime<Utc>,
            true,
            "We're open now, until today at 5:00 PM.",
        ),
        (
            evening,
            false,
            "We're closed right now. We open again tomorrow at 9:00 AM.",
        ),
        (
            thanksgiving,
            false,
            "We're closed today for Thanksgiving. We open again tomorrow at 9:00 AM.",
        ),
    ] {
        let s = state(&pool, &server, now).await;
        let (status, body) = tool(
            &s,
            "check_business_hours",
            &conversation(),
            NEW_CALLER,
            AURORA,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["open"], open);
        assert_eq!(body["say"], say);
        assert_eq!(body["transfer_available"], open);
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn tools_refuse_missing_or_wrong_secrets_and_bad_requests(pool: PgPool) {
    seed(&pool).await;
    let server = vendors().await;
    let s = state(&pool, &server, open_now).await;
    let body = json!({"conversation_id": "conv_x", "caller_id": DANA, "called_number": AURORA})
        .to_string();
    for secret in [None, Some("wrong"), Some("")] {
        let resp = handle(&s, request("get_project_status", &body, secret)).await;
        assert_eq!(resp.status(), 401, "{secret:?}");
        let v: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
    }
    for (tool, body, status, code) in [
        ("no_such_tool", body.as_str(), 404, "not_found"),
        ("get_project_status", "not json", 400, "invalid_json"),
        (
            "get_project_status",
            r#"{"caller_id": "+14155552671"}"#,
            400,
            "invalid_json",
        ),
        (
            "get_project_status",
            r#"{"conversation_id": " "}"#,
            400,
            "invalid_json",
        ),
        (
            "qualification_next",
            r#"{"conversation_id": "c", "answer": 5}"#,
            400,
            "invalid_json",
        ),
        (
            "escalate_to_team",
            r#"{"conversation_id": "c", "called_number": "+14155552600", "reason": " "}"#,
            400,
            "invalid_field",
        ),
        (
            "take_message",
            r#"{"conversation_id": "c", "called_number": "+14155552600"}"#,
            400,
            "invalid_json",
        ),
        (
            "check_business_hours",
            r#"{"conversation_id": "c", "called_number": "+19995550000"}"#,
            404,
            "not_found",
        ),
    ] {
        let resp = handle(&s, request(tool, body, Some(SECRET))).await;
        let v: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        assert_eq!(resp.status().as_u16(), status, "{tool} {body}: {v}");
        assert_eq!(v["error"]["code"], code, "{tool} {body}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "refused requests store nothing");
}
