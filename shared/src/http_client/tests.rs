//! The client against a local fake server: retries (and which requests are never repeated), Retry-After, vendor errors, the circuit breaker.

use super::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_policy() -> HttpPolicy {
    HttpPolicy {
        min_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(2),
        breaker_failures: 50,
        ..HttpPolicy::default()
    }
}

async fn hits(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    let future = (chrono::Utc::now() + chrono::Duration::seconds(120)).to_rfc2822();
    let d = parse_retry_after(&future).unwrap();
    assert!(
        d > Duration::from_secs(100) && d <= Duration::from_secs(120),
        "{d:?}"
    );
    assert_eq!(parse_retry_after("soon"), None);
}

#[tokio::test]
async fn retries_server_errors_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    let client = HttpClient::new("test", fast_policy()).unwrap();
    let body: serde_json::Value = client
        .send_json(
            client
                .request(reqwest::Method::PUT, format!("{}/x", server.uri()))
                .json(&serde_json::json!({"a": 1})),
        )
        .await
        .unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(hits(&server).await, 3);
    // The replayed body is the same body.
    for req in server.received_requests().await.unwrap() {
        assert_eq!(req.body, br#"{"a":1}"#);
    }
}

#[tokio::test]
async fn a_post_that_may_have_been_processed_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = HttpClient::new("sendgrid", fast_policy()).unwrap();
    let resp = client
        .send(
            client
                .request(reqwest::Method::POST, server.uri())
                .body("{}"),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(hits(&server).await, 1, "no second email");
    let keyed = client
        .request(reqwest::Method::POST, server.uri())
        .header("Idempotency-Key", "call-1")
        .body("{}");
    client.send(keyed).await.unwrap();
    assert_eq!(
        hits(&server).await,
        1 + 4,
        "with an idempotency key the vendor deduplicates: retried"
    );
}

#[tokio::test]
async fn a_post_refused_with_429_is_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let client = HttpClient::new("twilio", fast_policy()).unwrap();
    let resp = client
        .send(
            client
                .request(reqwest::Method::POST, server.uri())
                .body("{}"),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = HttpClient::new("test", fast_policy()).unwrap();
    let resp = client
        .send(client.request(reqwest::Method::GET, server.uri()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let client = HttpClient::new("test", fast_policy()).unwrap();
    let resp = client
        .send(client.request(reqwest::Method::GET, server.uri()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn client_errors_are_not_retried_and_surface_the_vendor_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(422).set_body_string(r#"{"detail":"voice_id not found"}"#),
        )
        .mount(&server)
        .await;
    let client = HttpClient::new("elevenlabs", fast_policy()).unwrap();
    let err = client
        .send_json::<serde_json::Value>(client.request(reqwest::Method::GET, server.uri()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"elevenlabs: HTTP 422 Unprocessable Entity: {"detail":"voice_id not found"}"#
    );
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn gives_up_after_max_retries_with_the_last_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let client = HttpClient::new("test", fast_policy()).unwrap();
    let resp = client
        .send(client.request(reqwest::Method::GET, server.uri()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(hits(&server).await, 4, "one attempt plus three retries");
}

#[tokio::test]
async fn transport_errors_are_retried_then_reported() {
    let client = HttpClient::new("test", fast_policy()).unwrap();
    let err = client
        .send(client.request(reqwest::Method::GET, "http://127.0.0.1:1/"))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Transport { .. }), "{err}");
}

#[tokio::test]
async fn the_circuit_opens_after_consecutive_failures_and_stops_calling() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let policy = HttpPolicy {
        breaker_failures: 3,
        breaker_open_for: Duration::from_secs(60),
        max_retries: 1,
        ..fast_policy()
    };
    let client = HttpClient::new("flaky", policy).unwrap();
    let _ = client
        .send(client.request(reqwest::Method::GET, server.uri()))
        .await; // 2 failures
    let _ = client
        .send(client.request(reqwest::Method::GET, server.uri()))
        .await; // 3rd opens it
    let before = hits(&server).await;
    assert_eq!(before, 3);
    let err = client
        .send(client.request(reqwest::Method::GET, server.uri()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::CircuitOpen { service: "flaky" }),
        "{err}"
    );
    assert_eq!(
        hits(&server).await,
        before,
        "an open circuit makes no request"
    );
}
