//! The gateway drives SQS-triggered handlers the way Lambda's event source mapping does: real
//! `SqsEvent` batches, partial batch failures, redelivery and DLQ redrive, on the emulator.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::QueueAttributeName;
use local_gateway::sqs::{SqsHandler, SqsPoller};
use serde::{Deserialize, Serialize};
use shared::jobs::{Job, JobQueue};

#[derive(Debug, Serialize, Deserialize)]
struct Work {
    name: String,
}

impl Job for Work {
    const KIND: &'static str = "work";
}

async fn queue_with_dlq(sqs: &aws_sdk_sqs::Client, max_receives: u32) -> (String, String) {
    let id = uuid::Uuid::new_v4();
    let dlq = sqs
        .create_queue()
        .queue_name(format!("poller-dlq-{id}"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    let redrive =
        serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives})
            .to_string();
    let queue = sqs
        .create_queue()
        .queue_name(format!("poller-{id}"))
        .attributes(QueueAttributeName::VisibilityTimeout, "1")
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (queue, dlq)
}

#[tokio::test]
async fn partial_failures_are_retried_and_poison_reaches_the_dlq() {
    let sqs = aws_sdk_sqs::Client::new(&long_polling().await);
    let (queue_url, dlq_url) = queue_with_dlq(&sqs, 2).await;
    let jobs = JobQueue::<Work>::new(sqs.clone(), &queue_url);
    jobs.send(&Work {
        name: "good".into(),
    })
    .await
    .unwrap();
    jobs.send(&Work {
        name: "poison".into(),
    })
    .await
    .unwrap();
    sqs.send_message()
        .queue_url(&queue_url)
        .message_body("not a job at all")
        .send()
        .await
        .unwrap();

    // The handler a worker function would have: `process_batch` over the typed job.
    let seen: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let events: Arc<Mutex<Vec<SqsEvent>>> = Arc::default();
    let handler: SqsHandler = {
        let (seen, events) = (seen.clone(), events.clone());
        Arc::new(move |event: SqsEvent| {
            let (seen, events) = (seen.clone(), events.clone());
            Box::pin(async move {
                events.lock().unwrap().push(event.clone());
                let response: SqsBatchResponse =
                    shared::jobs::process_batch(event, 4, |job: Work, _delivery| {
                        let seen = seen.clone();
                        async move {
                            *seen.lock().unwrap().entry(job.name.clone()).or_default() += 1;
                            anyhow::ensure!(job.name != "poison", "this job always fails");
                            Ok(())
                        }
                    })
                    .await;
                Ok(response)
            })
        })
    };
    let poller = SqsPoller::new(sqs.clone(), &queue_url, 10, 1, handler)
        .await
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut dead = Vec::new();
    while dead.len() < 2 && Instant::now() < deadline {
        poller.poll_once().await.unwrap();
        let out = sqs
            .receive_message()
            .queue_url(&dlq_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        for m in out.messages.unwrap_or_default() {
            dead.push(m.body.unwrap_or_default());
            // Keep what we saw out of the next receive.
            sqs.delete_message()
                .queue_url(&dlq_url)
                .receipt_handle(m.receipt_handle.unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    assert_eq!(
        dead.len(),
        2,
        "the failing job and the malformed message reach the DLQ"
    );
    assert!(dead.iter().any(|b| b.contains("\"poison\"")));
    assert!(dead.iter().any(|b| b == "not a job at all"));

    let seen = seen.lock().unwrap();
    assert_eq!(
        seen["good"], 1,
        "a success is deleted and never redelivered"
    );
    assert_eq!(
        seen["poison"], 2,
        "a failure is redelivered until maxReceiveCount"
    );

    // The handler got real Lambda-shaped events.
    let events = events.lock().unwrap();
    let record = &events[0].records[0];
    assert_eq!(record.event_source.as_deref(), Some("aws:sqs"));
    assert!(
        record
            .event_source_arn
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:sqs:")
    );
    assert!(record.attributes.contains_key("ApproximateReceiveCount"));

    let left = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert!(
        left.values().all(|v| v == "0"),
        "source queue drained: {left:?}"
    );
}

#[tokio::test]
async fn a_handler_error_retries_the_whole_batch_and_attributes_arrive_as_in_lambda() {
    let sqs = aws_sdk_sqs::Client::new(&long_polling().await);
    let (queue_url, _dlq) = queue_with_dlq(&sqs, 5).await;
    let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
        .data_type("String")
        .string_value("conv_1")
        .build()
        .unwrap();
    sqs.send_message()
        .queue_url(&queue_url)
        .message_body("{}")
        .message_attributes("conversation_id", attribute)
        .send()
        .await
        .unwrap();
    let events: Arc<Mutex<Vec<SqsEvent>>> = Arc::default();
    let handler: SqsHandler = {
        let events = events.clone();
        Arc::new(move |event| {
            events.lock().unwrap().push(event);
            Box::pin(async { Err("worker crashed".into()) })
        })
    };
    let poller = SqsPoller::new(sqs.clone(), &queue_url, 10, 1, handler)
        .await
        .unwrap();
    let outcome = poller.poll_once().await.unwrap();
    assert_eq!(
        (outcome.received, outcome.deleted, outcome.failed),
        (1, 0, 1)
    );
    let events = events.lock().unwrap();
    let attr = &events[0].records[0].message_attributes["conversation_id"];
    assert_eq!(
        (attr.string_value.as_deref(), attr.data_type.as_deref()),
        (Some("conv_1"), Some("String"))
    );
}

/// The real call-summary worker behind the poller: an event no business owns fails every delivery,
/// lands in the DLQ, and the redrive command puts it back on the queue.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn the_call_summary_worker_sends_an_unprocessable_event_to_the_dlq(pool: sqlx::PgPool) {
    use shared::http_client::HttpPolicy;
    use shared::post_call::{CallEventJob, Payload};

    let aws = shared::testing::aws().await;
    let sqs = aws_sdk_sqs::Client::new(&long_polling().await);
    let (queue_url, dlq_url) = queue_with_dlq(&sqs, 2).await;
    // No vendor is reached for an event nobody owns.
    let worker = call_summary_worker::testing::worker(
        &aws,
        pool,
        "http://127.0.0.1:9",
        HttpPolicy::default(),
    );
    // Owned by the handler, not leaked: the test's pool is given back when the test ends.
    let state = Arc::new(call_summary_worker::State {
        worker,
        concurrency: 4,
    });
    let handler: SqsHandler = Arc::new(move |event| {
        let state = Arc::clone(&state);
        Box::pin(async move { Ok(call_summary_worker::handle(&state, event).await) })
    });
    let event = serde_json::json!({
        "type": "post_call_transcription",
        "event_timestamp": 1764000000,
        "data": {"conversation_id": "conv_nobody", "agent_id": "agent_nobody", "status": "done", "transcript": [],
                 "metadata": {"start_time_unix_secs": 1764000000, "call_duration_secs": 5}}
    });
    JobQueue::new(sqs.clone(), &queue_url)
        .send(&CallEventJob {
            event_type: "post_call_transcription".into(),
            conversation_id: "conv_nobody".into(),
            payload: Payload::Inline { event },
        })
        .await
        .unwrap();
    let poller = SqsPoller::new(sqs.clone(), &queue_url, 10, 1, handler)
        .await
        .unwrap();
    let dlq_depth = || async {
        sqs.get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&QueueAttributeName::ApproximateNumberOfMessages]
            .clone()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while dlq_depth().await != "1" && Instant::now() < deadline {
        poller.poll_once().await.unwrap();
    }
    assert_eq!(dlq_depth().await, "1", "the event reached the DLQ");
    let moved = shared::jobs::redrive(&sqs, &dlq_url, &queue_url, 10)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    assert_eq!(dlq_depth().await, "0");
    let outcome = poller.poll_once().await.unwrap();
    assert_eq!(
        (outcome.received, outcome.failed),
        (1, 1),
        "redriven and processed (and failing) again"
    );
}

/// The pollers and these tests long-poll: longer than the functions' AWS call bounds.
async fn long_polling() -> aws_config::SdkConfig {
    shared::aws::sdk_config_with(shared::config::AwsTimeouts {
        operation: Duration::from_secs(30),
        attempt: Duration::from_secs(25),
    })
    .await
}
