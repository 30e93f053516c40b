//! Drives an SQS-triggered function the way Lambda's event source mapping does: long-poll, hand
//! the batch over as an `SqsEvent`, delete what succeeded. Failed messages stay on the queue,
//! reappear after the visibility timeout and move to the DLQ after the queue's maxReceiveCount.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
};
use futures::future::BoxFuture;
use serde_json::{Value, json};

/// An SQS-triggered function's handler, as its `main` hands it to `lambda_runtime`.
pub type SqsHandler = Arc<
    dyn Fn(SqsEvent) -> BoxFuture<'static, Result<SqsBatchResponse, lambda_runtime::Error>>
        + Send
        + Sync,
>;

pub struct SqsPoller {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    region: String,
    batch_size: i32,
    wait_seconds: i32,
    handler: SqsHandler,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollOutcome {
    pub received: usize,
    pub deleted: usize,
    pub failed: usize,
}

impl SqsPoller {
    pub async fn new(
        sqs: aws_sdk_sqs::Client,
        queue_url: &str,
        batch_size: i32,
        wait_seconds: i32,
        handler: SqsHandler,
    ) -> anyhow::Result<Self> {
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await?;
        let queue_arn = attrs
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .unwrap_or_default();
        let region = queue_arn
            .split(':')
            .nth(3)
            .unwrap_or("us-east-1")
            .to_owned();
        Ok(Self {
            sqs,
            queue_url: queue_url.to_owned(),
            queue_arn,
            region,
            batch_size,
            wait_seconds,
            handler,
        })
    }

    /// One receive -> invoke -> delete cycle.
    pub async fn poll_once(&self) -> anyhow::Result<PollOutcome> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(self.wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(PollOutcome::default());
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, Value> = m
                    .attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "md5OfBody": m.md5_of_body(),
                    "attributes": attributes,
                    "messageAttributes": message_attributes(m),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": self.region,
                })
            })
            .collect();
        let event: SqsEvent = serde_json::from_value(json!({ "Records": records }))?;
        let ids: HashSet<&str> = messages.iter().filter_map(|m| m.message_id()).collect();
        let failed: HashSet<String> = match (self.handler)(event).await {
            Ok(response) => {
                let failed: HashSet<String> = response
                    .batch_item_failures
                    .into_iter()
                    .map(|f| f.item_identifier)
                    .collect();
                // Like Lambda: a failure id that is not in the batch fails the whole batch.
                if failed.iter().any(|id| !ids.contains(id.as_str())) {
                    ids.iter().map(|s| s.to_string()).collect()
                } else {
                    failed
                }
            }
            Err(e) => {
                tracing::warn!(queue = %self.queue_url, error = %e, "handler failed; the whole batch will be retried");
                ids.iter().map(|s| s.to_string()).collect()
            }
        };
        let entries: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| m.message_id().is_some_and(|id| !failed.contains(id)))
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        let deleted = entries.len();
        if !entries.is_empty() {
            let out = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await?;
            // A message that could not be deleted will be delivered again, as in AWS: say so.
            for failed in out.failed() {
                tracing::warn!(queue = %self.queue_url, id = failed.id(), code = failed.code(), "delete failed; the message will be redelivered");
            }
        }
        Ok(PollOutcome {
            received: messages.len(),
            deleted,
            failed: failed.len(),
        })
    }

    /// Polls until the process ends; a broken poll is logged and retried after a pause.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.poll_once().await {
                tracing::warn!(queue = %self.queue_url, error = format!("{e:#}"), "poll failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Message attributes as Lambda presents them: `{stringValue | binaryValue, dataType}`.
fn message_attributes(m: &aws_sdk_sqs::types::Message) -> Value {
    use base64::Engine;
    let mut out = serde_json::Map::new();
    for (name, attr) in m.message_attributes().into_iter().flatten() {
        let mut value = serde_json::Map::new();
        if let Some(s) = attr.string_value() {
            value.insert("stringValue".into(), Value::String(s.to_owned()));
        }
        if let Some(b) = attr.binary_value() {
            value.insert(
                "binaryValue".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(b.as_ref())),
            );
        }
        value.insert(
            "dataType".into(),
            Value::String(attr.data_type().to_owned()),
        );
        out.insert(name.clone(), Value::Object(value));
    }
    Value::Object(out)
}
