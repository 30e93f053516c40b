//! A whole call through the local gateway on a real socket: the initiation webhook, the
//! qualification tool for every question, an escalation, the signed post-call webhook, and the
//! call-summary worker on the job it queued. Real Postgres (this test's database) and DynamoDB/SQS
//! on the emulator; SendGrid, Twilio and OpenAI are HTTP fakes (wiremock).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use call_summary_worker::worker::Outcome;
use elevenlabs_tools::session::SessionStore;
use elevenlabs_tools::{Notifier, ToolState};
use local_gateway::routes::{HttpFunction, RouteTable, wrap};
use local_gateway::schedule::Schedules;
use serde_json::{Value, json};
use shared::db::Database;
use shared::elevenlabs::initiation::{DEFAULT_SECRET_HEADER, SecretHeader};
use shared::http_client::{HttpClient, HttpPolicy};
use shared::jobs::Delivery;
use shared::platform::Platform;
use shared::post_call::CallEventJob;
use shared::sendgrid::{Address, SendGrid};
use shared::testing;
use shared::twilio::Twilio;
use sqlx::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOOL_SECRET: &str = "whole-call-tool-secret";
const WEBHOOK_SECRET: &str = "whole-call-webhook-secret";
const OUR_NUMBER: &str = "+14155552600";
const CALLER: &str = "+14155550123";

async fn vendors() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202).insert_header("x-message-id", "sg-1"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2010-04-01/Accounts/ACwhole/Messages.json"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"sid": "SM1", "status": "queued"})),
        )
        .mount(&server)
        .await;
    server
}

/// The gateway with the call's functions on this test's database, queue and fakes.
async fn gateway(pool: &PgPool, vendors: &MockServer, queue_url: &str) -> String {
    let platform = Platform::load(shared::secrets::SecretName::ALL)
        .await
        .expect("run the tests with ./infra/local/test");
    let aws = testing::aws().await;
    let secret = SecretHeader {
        name: http::HeaderName::from_static(DEFAULT_SECRET_HEADER),
        value: TOOL_SECRET.to_owned().into(),
    };
    let policy = HttpPolicy {
        max_retries: 0,
        ..HttpPolicy::default()
    };
    let personalization = elevenlabs_personalization::State {
        db: Database::from_pool(pool.clone()),
        secret: secret.clone(),
        budget: Duration::from_millis(800),
        now: chrono::Utc::now,
        configs: Default::default(),
    };
    let tools = ToolState {
        db: Database::from_pool(pool.clone()),
        secret,
        sessions: SessionStore::new(aws.dynamodb.clone(), testing::env("CALL_SESSION_TABLE")),
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
                "ACwhole".into(),
                "token".to_owned().into(),
            )),
            idempotency: testing::idempotency(
                &aws,
                Duration::from_secs(3600),
                Duration::from_secs(30),
            ),
            dashboard_url: "https://app.studioconnect.example".into(),
        },
        knowledge: elevenlabs_tools::KnowledgeSearch {
            embedder: std::sync::Arc::new(shared::knowledge::embedder::LexicalEmbedder),
            cut: testing::knowledge::CUT,
        },
        now: chrono::Utc::now,
    };
    let events = elevenlabs_events::State {
        intake: testing::intake(&aws, queue_url, pool.clone()),
        secret: WEBHOOK_SECRET.to_owned().into(),
        now: chrono::Utc::now,
    };
    let overrides = HashMap::from([
        (
            HttpFunction::ElevenLabsPersonalization,
            wrap(personalization, |s, req| async move {
                elevenlabs_personalization::handle(&s, req).await
            }),
        ),
        (
            HttpFunction::ElevenLabsTools,
            wrap(tools, |s, req| async move {
                elevenlabs_tools::handle(&s, req).await
            }),
        ),
        (
            HttpFunction::ElevenLabsEvents,
            wrap(events, |s, req| async move {
                elevenlabs_events::handle(&s, req).await
            }),
        ),
    ]);
    let routes = Arc::new(RouteTable::with_overrides(&platform, overrides).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            local_gateway::server::app(routes, Arc::new(Schedules::new())),
        )
        .await
        .unwrap()
    });
    format!("http://{addr}")
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_whole_call_from_ring_to_records(pool: PgPool) {
    testing::seed_tenant(&pool).await;
    sqlx::query(
        "UPDATE businesses SET notification_phone = '+14155559999' WHERE id = 'a0000000-0000-4000-8000-000000000001'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let server = vendors().await;
    let aws = testing::aws().await;
    let queue_url = testing::fresh_queue(&aws, "whole-call").await;
    let base = gateway(&pool, &server, &queue_url).await;
    let http = reqwest::Client::new();
    let (mut event, conversation_id) = testing::transcription();
    let call_sid = event["data"]["metadata"]["phone_call"]["call_sid"]
        .as_str()
        .unwrap()
        .to_owned();

    // 1. The phone rings: ElevenLabs asks how to start the call.
    let started: Value = http
        .post(format!("{base}/api/voice/elevenlabs-personalization"))
        .header(DEFAULT_SECRET_HEADER, TOOL_SECRET)
        .json(
            &json!({"caller_id": CALLER, "called_number": OUR_NUMBER, "agent_id": "agent_aurora_01",
                      "call_sid": call_sid, "conversation_id": conversation_id}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(started["type"], "conversation_initiation_client_data");
    assert_eq!(started["dynamic_variables"]["caller_type"], "new_caller");

    // 2. The agent runs the questions through the tool, as ElevenLabs would call it.
    let tool = |name: &str, fields: Value| {
        let mut body = json!({"conversation_id": conversation_id, "caller_id": CALLER, "called_number": OUR_NUMBER});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        http.post(format!("{base}/api/voice/tools/{name}"))
            .header(DEFAULT_SECRET_HEADER, TOOL_SECRET)
            .json(&body)
            .send()
    };
    let mut step: Value = tool("qualification_next", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(step["question"], "May I have your full name?");
    // The caller's words as speech-to-text writes them; the email is read back and confirmed.
    for answer in [
        "Sam Rivera",
        "sam at rivera studio dot com",
        "yes, that's right",
        "the website, and our site is down",
        "about eight grand",
    ] {
        let resp = tool("qualification_next", json!({"answer": answer}))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        step = resp.json().await.unwrap();
        if step["escalate"] == true {
            // 3. An urgent matter: the agent escalates as the tool told it to.
            let escalated: Value = tool(
                "escalate_to_team",
                json!({"reason": step["escalation_reason"]}),
            )
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
            assert_eq!(escalated["escalated"], true);
            assert_eq!(escalated["team_notified"], true);
        }
    }
    assert_eq!(step["status"], "complete", "{step}");

    // 4. The call ends: ElevenLabs posts the signed transcription (its extraction got the email wrong).
    event["data"]["metadata"]["phone_call"]["external_number"] = json!(CALLER);
    event["data"]["analysis"]["transcript_summary"] =
        json!("Sam Rivera needs a new website; their current site is down.");
    let body = serde_json::to_vec(&event).unwrap();
    let t = chrono::Utc::now().timestamp();
    let resp = http
        .post(format!("{base}/api/voice/elevenlabs-events"))
        .header("content-type", "application/json")
        .header(
            "ElevenLabs-Signature",
            shared::elevenlabs::webhook::sign(&body, WEBHOOK_SECRET.as_bytes(), t),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // 5. The call-summary worker processes what the webhook queued.
    let jobs: Vec<CallEventJob> = testing::drain_jobs(&aws, &queue_url).await;
    assert_eq!(jobs.len(), 1);
    let worker = call_summary_worker::testing::worker(
        &aws,
        pool.clone(),
        &server.uri(),
        HttpPolicy::default(),
    );
    let outcome = worker
        .process(
            jobs.into_iter().next().unwrap(),
            Delivery { receive_count: 1 },
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, Outcome::Recorded { notified: true, .. }),
        "{outcome:?}"
    );

    // One lead: urgent, every answer, the live email over the extraction's.
    let leads: Vec<(String, Option<String>, Option<String>, Value, Vec<String>)> =
        sqlx::query_as("SELECT priority, contact_name, email, answers, urgency_reasons FROM leads")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(leads.len(), 1);
    let (priority, name, email, answers, reasons) = &leads[0];
    assert_eq!(priority, "urgent");
    assert_eq!(name.as_deref(), Some("Sam Rivera"));
    assert_eq!(email.as_deref(), Some("sam@riverastudio.com"));
    assert_eq!(answers["email"]["source"], "live");
    for key in ["full_name", "email", "project_type", "budget"] {
        assert_eq!(answers[key]["valid"], true, "{key}: {answers}");
    }
    assert_eq!(answers["project_type"]["value"], "Website");
    assert_eq!(answers["budget"]["value"], "8000");
    assert!(
        reasons.iter().any(|r| r.contains("site is down")),
        "{reasons:?}"
    );

    // One call log, with the summary and the cost.
    let logs: Vec<(String, Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT call_key, summary, cost_credits FROM call_logs")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].0, call_sid);
    assert!(logs[0].1.as_deref().unwrap().contains("site is down"));
    assert!(logs[0].2.is_some());

    // The team: the urgent alert and its text during the call, the call's email after it.
    let requests = server.received_requests().await.unwrap();
    let emails: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path() == "/v3/mail/send")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let subjects: Vec<&str> = emails
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects[0].starts_with("[URGENT] Caller on the line: Sam Rivera"));
    assert!(subjects[1].starts_with("[URGENT] New lead: Sam Rivera"));
    let texts = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/Messages.json"))
        .count();
    assert_eq!(texts, 1);
}
