//! Summaries and emails through failures: OpenAI and SendGrid retried, each email sent once
//! across redeliveries and crashes, poison messages and unowned calls failed to the DLQ.

use crate::common::*;

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
