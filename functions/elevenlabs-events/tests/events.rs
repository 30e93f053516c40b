//! The post-call webhook through its handler: signatures checked on the raw bytes, events made
//! durable on a real (emulated) SQS queue and DynamoDB idempotency table, oversized bodies kept in
//! Postgres.

use chrono::{DateTime, TimeZone, Utc};
use elevenlabs_events::{State, handle};
use lambda_http::{Body, Request};
use serde_json::{Value, json};
use shared::elevenlabs::webhook::sign;
use shared::post_call::{CallEventJob, Payload};
use shared::testing::{self, aws, drain, drain_jobs, fresh_queue, json_fixture};
use sqlx::PgPool;

const SECRET: &str = "wsec_test_post_call";
const NOW: i64 = 1_764_000_000;

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(NOW, 0).unwrap()
}

struct Harness {
    state: State,
    queue_url: String,
    aws: shared::aws::AwsClients,
}

async fn harness(pool: PgPool) -> Harness {
    let aws = aws().await;
    let queue_url = fresh_queue(&aws, "post-call-test").await;
    harness_with_queue(pool, aws, queue_url)
}

fn harness_with_queue(pool: PgPool, aws: shared::aws::AwsClients, queue_url: String) -> Harness {
    let state = State {
        intake: testing::intake(&aws, &queue_url, pool),
        secret: SECRET.to_owned().into(),
        now,
    };
    Harness {
        state,
        queue_url,
        aws,
    }
}

/// The documented transcription event with a conversation id of its own (the idempotency table is
/// shared by every test of the run).
fn transcription() -> (String, String) {
    let (event, id) = testing::transcription();
    (serde_json::to_string_pretty(&event).unwrap(), id)
}

fn request(body: &str, signature: Option<&str>) -> Request {
    let mut req = Request::new(Body::Text(body.to_owned()));
    *req.method_mut() = http::Method::POST;
    req.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    if let Some(sig) = signature {
        req.headers_mut()
            .insert("elevenlabs-signature", sig.parse().unwrap());
    }
    req
}

fn signed(body: &str) -> Request {
    request(
        body,
        Some(&sign(body.as_bytes(), SECRET.as_bytes(), NOW - 5)),
    )
}

async fn call(h: &Harness, req: Request) -> (u16, Value) {
    let resp = handle(&h.state, req).await;
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_slice(resp.body().as_ref()).unwrap(),
    )
}

async fn jobs(h: &Harness) -> Vec<CallEventJob> {
    drain_jobs(&h.aws, &h.queue_url).await
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_valid_event_is_queued_once_however_often_it_is_delivered(pool: PgPool) {
    let h = harness(pool).await;
    let (body, id) = transcription();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, resp) = call(&h, signed(&body)).await;
        assert_eq!(status, 200);
        statuses.push(resp["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        statuses,
        ["queued", "duplicate", "duplicate", "duplicate", "duplicate"]
    );
    let queued = jobs(&h).await;
    assert_eq!(queued.len(), 1, "five deliveries, one job");
    assert_eq!(queued[0].conversation_id, id);
    assert_eq!(queued[0].event_type, "post_call_transcription");
    match &queued[0].payload {
        Payload::Inline { event } => assert_eq!(event["data"]["conversation_id"], id.as_str()),
        other => panic!("expected the event inline, got {other:?}"),
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn anything_not_signed_by_elevenlabs_is_refused_and_nothing_is_queued(pool: PgPool) {
    let h = harness(pool).await;
    let (body, _) = transcription();
    let good = sign(body.as_bytes(), SECRET.as_bytes(), NOW - 5);
    let tampered = body.replace("Sam Rivera", "Sam Riviera");
    let cases: Vec<(&str, Request)> = vec![
        ("tampered body", request(&tampered, Some(&good))),
        (
            "wrong secret",
            request(
                &body,
                Some(&sign(body.as_bytes(), b"not-the-secret", NOW - 5)),
            ),
        ),
        (
            "stale timestamp",
            request(
                &body,
                Some(&sign(body.as_bytes(), SECRET.as_bytes(), NOW - 31 * 60)),
            ),
        ),
        ("missing header", request(&body, None)),
        (
            "garbled header",
            request(&body, Some("v0=deadbeef,t=yesterday")),
        ),
        (
            "signature of another timestamp",
            request(
                &body,
                Some(&good.replace(&format!("t={}", NOW - 5), &format!("t={}", NOW - 4))),
            ),
        ),
    ];
    for (case, req) in cases {
        let (status, resp) = call(&h, req).await;
        assert_eq!(status, 401, "{case}");
        assert_eq!(resp["error"]["code"], "unauthorized", "{case}");
        assert!(
            resp["error"]["message"].as_str().unwrap().len() > 10,
            "{case}: says why"
        );
    }
    assert!(
        drain(&h.aws, &h.queue_url).await.is_empty(),
        "nothing queued"
    );
    // The refused deliveries claimed nothing: the genuine one is still processed.
    let (status, resp) = call(&h, signed(&body)).await;
    assert_eq!((status, resp["status"].as_str()), (200, Some("queued")));
}

/// A NUL in what the caller said is ElevenLabs' text, signed: the event is queued without it, not
/// refused (refusals count toward ElevenLabs disabling the webhook).
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_signed_event_with_a_nul_in_the_transcript_is_queued_without_it(pool: PgPool) {
    let h = harness(pool).await;
    let (body, id) = transcription();
    let mut event: Value = serde_json::from_str(&body).unwrap();
    event["data"]["transcript"][0]["message"] = json!("Hello\u{0}, I need a new logo");
    let body = serde_json::to_string(&event).unwrap();
    assert!(body.contains("\\u0000"));
    let (status, resp) = call(&h, signed(&body)).await;
    assert_eq!(
        (status, resp["status"].as_str()),
        (200, Some("queued")),
        "{resp}"
    );
    let queued = jobs(&h).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].conversation_id, id);
    match &queued[0].payload {
        Payload::Inline { event } => assert_eq!(
            event["data"]["transcript"][0]["message"],
            "Hello, I need a new logo"
        ),
        other => panic!("expected the event inline, got {other:?}"),
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn bad_json_after_a_valid_signature_is_a_400(pool: PgPool) {
    let h = harness(pool).await;
    for (body, code) in [
        ("{\"type\": \"post_call_transcription\", ", "invalid_json"),
        ("[1, 2, 3]", "invalid_event"),
        (
            "{\"type\": \"post_call_transcription\", \"data\": {}}",
            "invalid_event",
        ),
    ] {
        let (status, resp) = call(&h, signed(body)).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(resp["error"]["code"], code, "{body}");
    }
    assert!(drain(&h.aws, &h.queue_url).await.is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn audio_and_unknown_event_types_are_acknowledged_not_queued(pool: PgPool) {
    let h = harness(pool).await;
    let audio = testing::fixture("elevenlabs/post_call_audio.json");
    let (status, resp) = call(&h, signed(&audio)).await;
    assert_eq!(
        (status, resp["status"].as_str()),
        (200, Some("acknowledged"))
    );
    let future = r#"{"type":"post_call_sentiment","event_timestamp":1764000000,"data":{"conversation_id":"conv_x"}}"#;
    let (status, resp) = call(&h, signed(future)).await;
    assert_eq!((status, resp["status"].as_str()), (200, Some("ignored")));
    assert!(drain(&h.aws, &h.queue_url).await.is_empty());
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn call_initiation_failures_are_queued(pool: PgPool) {
    let h = harness(pool).await;
    let body = testing::fixture("elevenlabs/call_initiation_failure.json").replace(
        "conv_5501kb3y0d2ef7rtw9m3c8k1xb",
        &format!("conv_{}", uuid::Uuid::new_v4().simple()),
    );
    let (status, _) = call(&h, signed(&body)).await;
    assert_eq!(status, 200);
    let queued = jobs(&h).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].event_type, "call_initiation_failure");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_body_too_large_for_a_queue_message_is_stored_and_referenced(pool: PgPool) {
    let h = harness(pool.clone()).await;
    let mut event = json_fixture("elevenlabs/post_call_transcription.json");
    let id = format!("conv_{}", uuid::Uuid::new_v4().simple());
    event["data"]["conversation_id"] = Value::String(id.clone());
    // A long call: ~600 KB of transcript.
    let turn = event["data"]["transcript"][1].clone();
    let turns = event["data"]["transcript"].as_array_mut().unwrap();
    for _ in 0..4000 {
        turns.push(turn.clone());
    }
    let body = serde_json::to_string(&event).unwrap();
    assert!(body.len() > 500_000, "{} bytes", body.len());
    let (status, resp) = call(&h, signed(&body)).await;
    assert_eq!((status, resp["status"].as_str()), (200, Some("queued")));
    let queued = jobs(&h).await;
    let Payload::Stored { payload_id } = queued[0].payload else {
        panic!("expected a stored payload, got {:?}", queued[0].payload)
    };
    let stored: Vec<u8> = sqlx::query_scalar(
        "SELECT body FROM webhook_payloads WHERE id = $1 AND conversation_id = $2",
    )
    .bind(payload_id)
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stored, body.as_bytes(), "the verified bytes, unchanged");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn when_the_queue_is_unreachable_the_answer_is_5xx_and_a_retry_succeeds(pool: PgPool) {
    let aws = aws().await;
    let missing = format!(
        "{}/000000000000/no-such-queue",
        testing::env("AWS_ENDPOINT_URL")
    );
    let broken = harness_with_queue(pool.clone(), aws.clone(), missing);
    let (body, _) = transcription();
    let (status, resp) = call(&broken, signed(&body)).await;
    assert_eq!(status, 503);
    assert_eq!(resp["error"]["code"], "unavailable");
    // The claim was released: ElevenLabs' retry, once the queue is back, is processed.
    let h = harness(pool).await;
    let (status, resp) = call(&h, signed(&body)).await;
    assert_eq!((status, resp["status"].as_str()), (200, Some("queued")));
    assert_eq!(drain(&h.aws, &h.queue_url).await.len(), 1);
}

/// Nothing in a delivery is trusted, and nothing is spent on it, before its signature checks:
/// with SQS, DynamoDB and Postgres all unreachable, every forged or unsigned delivery is still a
/// plain 401 (a call to any of them would have been a 503), and a genuine one is the 503.
#[tokio::test]
async fn a_refusal_reaches_no_dependency() {
    let (aws, db) = testing::unreachable_dependencies().await;
    let state = State {
        intake: shared::post_call::intake::Intake {
            idempotency: testing::idempotency(
                &aws,
                std::time::Duration::from_secs(60),
                std::time::Duration::from_secs(60),
            ),
            queue: shared::jobs::JobQueue::new(
                aws.sqs.clone(),
                "http://127.0.0.1:9/000000000000/q",
            ),
            db,
        },
        secret: SECRET.to_owned().into(),
        now,
    };
    let (body, _) = transcription();
    let good = sign(body.as_bytes(), SECRET.as_bytes(), NOW);
    let forged = sign(body.as_bytes(), b"not-the-secret", NOW);
    let stale = sign(body.as_bytes(), SECRET.as_bytes(), NOW - 3600);
    let tampered = format!("{good}0");
    for (label, signature) in [
        ("unsigned", None),
        ("forged", Some(forged.as_str())),
        ("stale", Some(stale.as_str())),
        ("tampered", Some(tampered.as_str())),
        ("garbage", Some("v0=,t=")),
    ] {
        let resp = handle(&state, request(&body, signature)).await;
        assert_eq!(resp.status(), 401, "{label}");
    }
    let resp = handle(&state, request(&body, Some(&good))).await;
    assert_eq!(
        resp.status(),
        503,
        "a genuine delivery does reach the (unreachable) dependencies"
    );
}
