//! The call-summary worker through its SQS handler: real Postgres, the emulated DynamoDB
//! idempotency table, and OpenAI and SendGrid faked at the HTTP level with their documented shapes.

use std::time::Duration;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use call_summary_worker::{State, handle};
use serde_json::{Value, json};
use shared::db::Database;
use shared::http_client::HttpPolicy;
use shared::jobs::encode;
use shared::post_call::{CallEventJob, Payload};
use shared::testing::{self, json_fixture};
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BUSINESS: &str = "a0000000-0000-4000-8000-000000000001";

struct Harness {
    state: State,
    vendors: MockServer,
    pool: PgPool,
}

async fn harness(pool: PgPool) -> Harness {
    testing::seed_tenant(&pool).await;
    let vendors = MockServer::start().await;
    let quick = HttpPolicy {
        request_timeout: Duration::from_secs(5),
        max_retries: 1,
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        ..HttpPolicy::default()
    };
    let worker = call_summary_worker::testing::worker(
        &testing::aws().await,
        pool.clone(),
        &vendors.uri(),
        quick,
    );
    Harness {
        state: State {
            worker,
            concurrency: 4,
        },
        vendors,
        pool,
    }
}

async fn sendgrid_accepts(h: &Harness) {
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(header("authorization", "Bearer SG.test"))
        .respond_with(
            ResponseTemplate::new(202)
                .insert_header("x-message-id", "14c5d75ce93.dfd.64b469.filter0001"),
        )
        .mount(&h.vendors)
        .await;
}

/// The documented transcription event for a new conversation id (and, optionally, another caller).
fn transcription(caller: Option<&str>) -> (Value, String) {
    let (mut event, id) = testing::transcription();
    if let Some(caller) = caller {
        event["data"]["metadata"]["phone_call"]["external_number"] = json!(caller);
    }
    (event, id)
}

fn job(event: &Value) -> CallEventJob {
    CallEventJob {
        event_type: event["type"].as_str().unwrap().to_owned(),
        conversation_id: event["data"]["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        payload: Payload::Inline {
            event: event.clone(),
        },
    }
}

fn message(id: &str, body: String, receives: u32) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.to_owned());
    m.body = Some(body);
    m.attributes
        .insert("ApproximateReceiveCount".into(), receives.to_string());
    m
}

fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages;
    event
}

/// Delivers jobs as one SQS batch; returns the ids SQS would redeliver.
async fn deliver(h: &Harness, jobs: &[&CallEventJob], receives: u32) -> Vec<String> {
    let messages = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| message(&format!("m{i}"), encode(*j).unwrap(), receives))
        .collect();
    let mut failed: Vec<String> = handle(&h.state, batch(messages))
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    failed.sort();
    failed
}

async fn emails(h: &Harness) -> Vec<Value> {
    h.vendors
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/v3/mail/send")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_new_callers_call_becomes_a_call_log_an_urgent_lead_and_one_email(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, conversation_id) = transcription(None);
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());

    let log: (String, String, String, String, i32, i64, String, String, Option<String>, String, Option<Uuid>) = sqlx::query_as(
        "SELECT status, direction, from_phone, to_phone, duration_secs, cost_credits, summary, summary_source,
                termination_reason, call_successful, lead_id
         FROM call_logs WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&conversation_id)
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!((log.0.as_str(), log.1.as_str()), ("completed", "inbound"));
    assert_eq!(
        (log.2.as_str(), log.3.as_str()),
        ("+14155550123", "+14155552600")
    );
    assert_eq!((log.4, log.5), (185, 812));
    assert!(
        log.6.starts_with("Sam Rivera called"),
        "ElevenLabs' summary: {}",
        log.6
    );
    assert_eq!(log.7, "elevenlabs");
    assert_eq!(log.8.as_deref(), Some("end_call tool was called."));
    assert_eq!(log.9, "success");

    let messages: Value = sqlx::query_scalar(
        "SELECT messages FROM conversations WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&conversation_id)
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(messages.as_array().unwrap().len(), 6);
    assert_eq!(messages[1]["role"], "user");
    assert_eq!(
        messages[2]["tool_calls"][0]["tool_name"],
        "qualification_next"
    );
    assert_eq!(
        messages[2]["tool_calls"][0]["params"]["answer"],
        "Sam Rivera"
    );
    assert!(
        messages[2]["tool_calls"][0]["result"]
            .as_str()
            .unwrap()
            .contains("best email")
    );

    let lead: (Uuid, Option<String>, Option<String>, Option<String>, String, Vec<String>, Value, String) = sqlx::query_as(
        "SELECT id, contact_name, email, phone, priority, urgency_reasons, answers, status FROM leads WHERE business_id = $1",
    )
    .bind(Uuid::parse_str(BUSINESS).unwrap())
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(Some(lead.0), log.10, "the call log links its lead");
    assert_eq!(lead.1.as_deref(), Some("Sam Rivera"));
    assert_eq!(lead.2, None, "an invalid email is not copied onto the lead");
    assert_eq!(
        lead.3.as_deref(),
        Some("+14155550123"),
        "callback number defaults to the caller"
    );
    assert_eq!(lead.4, "urgent");
    assert_eq!(lead.7, "new");
    assert!(
        lead.5.iter().any(|r| r.contains("site is down")),
        "{:?}",
        lead.5
    );
    assert!(
        lead.5.iter().any(|r| r.contains("deadline")),
        "{:?}",
        lead.5
    );
    assert!(
        lead.5.iter().any(|r| r.starts_with("agent: ")),
        "ElevenLabs' criterion: {:?}",
        lead.5
    );
    let answers = &lead.6;
    assert_eq!(answers["email"]["valid"], false, "kept and flagged");
    assert_eq!(answers["email"]["raw"], "sam at rivera studio");
    assert!(
        answers["email"]["problem"]
            .as_str()
            .unwrap()
            .contains("not an email")
    );
    assert_eq!(answers["budget"]["value"], "8000");
    assert_eq!(answers["project_type"]["value"], "Website");
    assert_eq!(answers["full_name"]["source"], "data_collection");

    let sent = emails(&h).await;
    assert_eq!(sent.len(), 1);
    let email = &sent[0];
    assert_eq!(
        email["personalizations"][0]["to"][0]["email"],
        "owner@aurora.example"
    );
    assert_eq!(email["from"]["email"], "calls@studioconnect.example");
    let subject = email["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[URGENT] New lead: Sam Rivera (+14155550123)"),
        "{subject}"
    );
    assert_eq!(email["content"][0]["type"], "text/plain");
    let text = email["content"][0]["value"].as_str().unwrap();
    assert!(text.contains("Duration: 3 min 5 s"), "{text}");
    assert!(
        text.contains("- What is the best email to reach you?: sam at rivera studio (unverified"),
        "{text}"
    );
    assert!(
        text.contains("https://app.studioconnect.example/calls/"),
        "{text}"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_same_event_five_times_is_one_call_log_one_lead_one_email(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, _) = transcription(None);
    let job = job(&event);
    for receive in 1..=5 {
        assert!(deliver(&h, &[&job], receive).await.is_empty());
    }
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 1);
    assert_eq!(
        count(&h.pool, "SELECT count(*) FROM conversations").await,
        1
    );
    assert_eq!(count(&h.pool, "SELECT count(*) FROM leads").await, 1);
    let reasons: Vec<String> = sqlx::query_scalar("SELECT urgency_reasons FROM leads")
        .fetch_one(&h.pool)
        .await
        .unwrap();
    assert_eq!(reasons.len(), 3, "reasons are not repeated: {reasons:?}");
    assert_eq!(emails(&h).await.len(), 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_blank_call_sid_in_the_event_falls_back_to_the_one_recorded_at_initiation(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (mut event, id) = transcription(None);
    event["data"]["metadata"]["phone_call"]["call_sid"] = json!("");
    sqlx::query(
        "INSERT INTO call_starts (conversation_id, call_sid, business_id, direction)
         VALUES ($1, 'CAfromInitiation', 'a0000000-0000-4000-8000-000000000001', 'inbound')",
    )
    .bind(&id)
    .execute(&h.pool)
    .await
    .unwrap();
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let (sid, key): (Option<String>, String) =
        sqlx::query_as("SELECT call_sid, call_key FROM call_logs")
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(sid.as_deref(), Some("CAfromInitiation"));
    assert_eq!(key, "CAfromInitiation");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_second_call_from_the_same_caller_updates_their_open_lead(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (first, _) = transcription(None);
    let (mut second, second_id) = transcription(None);
    second["data"]["analysis"]["data_collection_results"]["email"]["value"] =
        json!("Sam@RiveraStudio.com");
    assert!(deliver(&h, &[&job(&first)], 1).await.is_empty());
    assert!(deliver(&h, &[&job(&second)], 1).await.is_empty());
    assert_eq!(count(&h.pool, "SELECT count(*) FROM leads").await, 1);
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 2);
    let (email, conversation): (Option<String>, String) = sqlx::query_as(
        "SELECT l.email, c.elevenlabs_conversation_id FROM leads l JOIN conversations c ON c.id = l.conversation_id",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(email.as_deref(), Some("sam@riverastudio.com"));
    assert_eq!(
        conversation, second_id,
        "the lead points at its latest call"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn an_older_call_processed_late_does_not_overwrite_the_newer_one(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (mut newer, newer_id) = transcription(None);
    newer["data"]["analysis"]["data_collection_results"]["budget"]["value"] = json!("12000");
    let (mut older, _) = transcription(None);
    older["data"]["metadata"]["start_time_unix_secs"] = json!(1_763_900_000);
    assert!(deliver(&h, &[&job(&newer)], 1).await.is_empty());
    assert!(deliver(&h, &[&job(&older)], 1).await.is_empty());
    let (answers, conversation): (Value, String) = sqlx::query_as(
        "SELECT l.answers, c.elevenlabs_conversation_id FROM leads l JOIN conversations c ON c.id = l.conversation_id",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(answers["budget"]["value"], "12000");
    assert_eq!(conversation, newer_id);
    assert_eq!(
        count(&h.pool, "SELECT count(*) FROM call_logs").await,
        2,
        "both calls are logged"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_valid_answer_recorded_live_is_not_overwritten_by_the_extraction(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    sqlx::query(
        "INSERT INTO leads (business_id, caller_phone, email, answers) VALUES ($1, '+14155550123', 'sam@rivera.studio',
         '{\"email\": {\"raw\": \"sam@rivera.studio\", \"value\": \"sam@rivera.studio\", \"valid\": true, \"source\": \"live\"}}')",
    )
    .bind(Uuid::parse_str(BUSINESS).unwrap())
    .execute(&h.pool)
    .await
    .unwrap();
    let (event, _) = transcription(None);
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let (email, answers): (Option<String>, Value) =
        sqlx::query_as("SELECT email, answers FROM leads")
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("sam@rivera.studio"));
    assert_eq!(answers["email"]["source"], "live");
    assert_eq!(
        answers["budget"]["value"], "8000",
        "the extraction fills what was not answered live"
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn without_an_elevenlabs_summary_openai_writes_one(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test"))
        .and(body_string_contains("\"model\":\"gpt-4o-mini\""))
        .and(body_string_contains("Caller: Hi, this is Sam Rivera."))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
            "object": "chat.completion",
            "created": 1764000000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": "Sam Rivera needs a new website before Friday's launch; callback promised.", "refusal": null, "annotations": []},
                "logprobs": null,
                "finish_reason": "stop"
            }],
            "usage": {"prompt_tokens": 250, "completion_tokens": 18, "total_tokens": 268},
            "service_tier": "default",
            "system_fingerprint": "fp_44709d6fcb"
        })))
        .mount(&h.vendors)
        .await;
    let (mut event, id) = transcription(None);
    event["data"]["analysis"]["transcript_summary"] = Value::Null;
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let (summary, source): (String, String) = sqlx::query_as(
        "SELECT summary, summary_source FROM call_logs WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&id)
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(source, "openai");
    assert!(summary.starts_with("Sam Rivera needs a new website"));
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_redelivery_after_a_failed_email_reuses_the_models_summary(pool: PgPool) {
    let h = harness(pool).await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1764000000, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sam needs a website."}, "finish_reason": "stop"}]
        })))
        .expect(1)
        .mount(&h.vendors)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&h.vendors)
        .await;
    sendgrid_accepts(&h).await;
    let (mut event, _) = transcription(None);
    event["data"]["analysis"]["transcript_summary"] = Value::Null;
    let job = job(&event);
    assert_eq!(deliver(&h, &[&job], 1).await, ["m0"], "the email failed");
    // The last allowed delivery would fall back to the extractive summary if it asked again.
    assert!(deliver(&h, &[&job], 3).await.is_empty());
    let (summary, source): (String, String) =
        sqlx::query_as("SELECT summary, summary_source FROM call_logs")
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(
        (summary.as_str(), source.as_str()),
        ("Sam needs a website.", "openai")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn when_openai_fails_the_message_is_retried_then_summarised_extractively(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error", "param": null, "code": null}
        })))
        .mount(&h.vendors)
        .await;
    let (mut event, id) = transcription(None);
    event["data"]["analysis"]["transcript_summary"] = Value::Null;
    let job = job(&event);
    assert_eq!(
        deliver(&h, &[&job], 1).await,
        ["m0"],
        "first delivery waits for OpenAI via SQS"
    );
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 0);
    assert_eq!(deliver(&h, &[&job], 2).await, ["m0"]);
    assert!(
        deliver(&h, &[&job], 3).await.is_empty(),
        "the last attempt falls back"
    );
    let (summary, source): (String, String) = sqlx::query_as(
        "SELECT summary, summary_source FROM call_logs WHERE elevenlabs_conversation_id = $1",
    )
    .bind(&id)
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!(source, "extractive");
    assert!(
        summary.starts_with("Caller said: \"Hi, this is Sam Rivera."),
        "{summary}"
    );
    assert_eq!(emails(&h).await.len(), 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_sendgrid_failure_is_retried_and_the_email_is_sent_once(pool: PgPool) {
    let h = harness(pool).await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"errors": [{"message": "Internal server error", "field": null, "help": null}]}),
        ))
        .up_to_n_times(1)
        .mount(&h.vendors)
        .await;
    sendgrid_accepts(&h).await;
    let (event, _) = transcription(None);
    let job = job(&event);
    assert_eq!(deliver(&h, &[&job], 1).await, ["m0"]);
    assert!(deliver(&h, &[&job], 2).await.is_empty());
    assert!(deliver(&h, &[&job], 3).await.is_empty());
    assert_eq!(
        emails(&h).await.len(),
        2,
        "one refused attempt, one delivered email, nothing after"
    );
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn after_a_crash_mid_batch_the_redelivered_batch_sends_each_email_once(pool: PgPool) {
    let h = harness(pool).await;
    // The second call's email fails the first time (the worker "crashes" on it).
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(body_string_contains("+14155550177"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&h.vendors)
        .await;
    sendgrid_accepts(&h).await;
    let (a, _) = transcription(None);
    let (b, _) = transcription(Some("+14155550177"));
    let (a, b) = (job(&a), job(&b));
    assert_eq!(deliver(&h, &[&a, &b], 1).await, ["m1"]);
    // Lambda retried the whole batch (as after a timeout), not just the failed message.
    assert!(deliver(&h, &[&a, &b], 2).await.is_empty());
    let sent = emails(&h).await;
    let to_a = sent
        .iter()
        .filter(|e| e["subject"].as_str().unwrap().contains("+14155550123"))
        .count();
    let to_b = sent
        .iter()
        .filter(|e| e["subject"].as_str().unwrap().contains("+14155550177"))
        .count();
    assert_eq!(
        (to_a, to_b),
        (1, 2),
        "A once; B once refused, once delivered"
    );
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 2);
    assert_eq!(count(&h.pool, "SELECT count(*) FROM leads").await, 2);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_known_clients_call_adds_a_note_and_no_lead(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, id) = transcription(Some("+1 (415) 555-2671"));
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    assert_eq!(count(&h.pool, "SELECT count(*) FROM leads").await, 0);
    let note: String = sqlx::query_scalar(
        "SELECT body FROM client_notes WHERE client_id = 'c0000000-0000-4000-8000-000000000001'",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert!(note.contains("Sam Rivera called"), "{note}");
    let client: Option<Uuid> =
        sqlx::query_scalar("SELECT client_id FROM call_logs WHERE elevenlabs_conversation_id = $1")
            .bind(&id)
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(
        client,
        Some(Uuid::parse_str("c0000000-0000-4000-8000-000000000001").unwrap())
    );
    let sent = emails(&h).await;
    assert!(
        sent[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Call from client: Dana Whitfield (+14155552671)")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_call_initiation_failure_becomes_a_busy_call_log(pool: PgPool) {
    let h = harness(pool).await;
    let event = json_fixture("elevenlabs/call_initiation_failure.json");
    assert!(deliver(&h, &[&job(&event)], 1).await.is_empty());
    let row: (String, String, String, String, String, String, Value) = sqlx::query_as(
        "SELECT status, direction, from_phone, to_phone, call_sid, failure_reason, failure_details FROM call_logs",
    )
    .fetch_one(&h.pool)
    .await
    .unwrap();
    assert_eq!((row.0.as_str(), row.1.as_str()), ("busy", "outbound"));
    assert_eq!(
        (row.2.as_str(), row.3.as_str()),
        ("+14155552600", "+14155550188")
    );
    assert_eq!(row.4, "CA9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a");
    assert_eq!(row.5, "busy");
    assert_eq!(row.6["type"], "twilio");
    assert_eq!(row.6["body"]["SipResponseCode"], "486");
    let at: i64 =
        sqlx::query_scalar("SELECT extract(epoch FROM started_at)::bigint FROM call_logs")
            .fetch_one(&h.pool)
            .await
            .unwrap();
    assert_eq!(
        at, 1_763_998_000,
        "the event's time, the same on every delivery"
    );
    assert!(emails(&h).await.is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_stored_oversized_event_is_processed_from_postgres(pool: PgPool) {
    let h = harness(pool).await;
    sendgrid_accepts(&h).await;
    let (event, id) = transcription(None);
    let raw = serde_json::to_vec(&event).unwrap();
    let payload_id = shared::post_call::store::save_payload(
        &Database::from_pool(h.pool.clone()),
        "post_call_transcription",
        &id,
        &raw,
    )
    .await
    .unwrap();
    let job = CallEventJob {
        event_type: "post_call_transcription".into(),
        conversation_id: id.clone(),
        payload: Payload::Stored { payload_id },
    };
    assert!(deliver(&h, &[&job], 1).await.is_empty());
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 1);
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn poison_messages_and_unowned_calls_fail_so_they_reach_the_dlq(pool: PgPool) {
    let h = harness(pool).await;
    let (mut foreign, _) = transcription(None);
    foreign["data"]["agent_id"] = json!("agent_unknown");
    foreign["data"]["metadata"]["phone_call"]["agent_number"] = json!("+12025550100");
    let messages = vec![
        message("not-json", "{]".into(), 1),
        message(
            "wrong-kind",
            r#"{"kind":"pm_sync","id":"1","enqueued_at":"2026-11-24T00:00:00Z","job":{"type":"resync_all"}}"#
                .into(),
            1,
        ),
        message("unowned", encode(&job(&foreign)).unwrap(), 1),
    ];
    let mut failed: Vec<String> = handle(&h.state, batch(messages))
        .await
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    failed.sort();
    assert_eq!(failed, ["not-json", "unowned", "wrong-kind"]);
    assert_eq!(count(&h.pool, "SELECT count(*) FROM call_logs").await, 0);
}
