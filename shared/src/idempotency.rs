//! At-most-once processing on DynamoDB, the AWS Lambda Powertools way (no Rust port exists).
//!
//! Item: `{id, status: INPROGRESS|COMPLETED, expiration (epoch s, the table's TTL attribute),
//! in_progress_expiration (epoch ms), data}`. A claim is a conditional put that succeeds when no live
//! record exists; a crashed worker's claim lapses after `in_progress_ttl`. DynamoDB's TTL deletion is
//! lazy (and never happens in the local emulator), so expiry is always compared in code.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

const IN_PROGRESS: &str = "INPROGRESS";
const COMPLETED: &str = "COMPLETED";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This caller owns the work now: do it, then `complete` (or `release` on failure) with this token.
    Acquired(ClaimToken),
    /// Done before; `data` is what `complete` stored.
    AlreadyCompleted { data: Option<String> },
    /// Someone else holds a live claim: try again later.
    InProgress,
}

/// Proof of a claim: only its holder may complete or release it, so a worker whose claim lapsed
/// (and was taken over) cannot overwrite or delete the new holder's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimToken(String);

/// What `run_once` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once<T> {
    /// The work ran now and succeeded.
    Ran(T),
    /// It had run before.
    AlreadyCompleted,
    /// Someone else is running it: try again later.
    InProgress,
}

#[derive(Debug, thiserror::Error)]
pub enum OnceError<E> {
    #[error(transparent)]
    Store(#[from] IdempotencyError),
    /// The work failed; its claim was released so a retry can run it.
    #[error("{0}")]
    Work(E),
}

#[derive(Debug, thiserror::Error)]
#[error("idempotency store ({operation}) failed: {reason}")]
pub struct IdempotencyError {
    operation: &'static str,
    reason: String,
    /// DynamoDB did not answer or was overloaded (`aws::is_transient`): a retry may succeed.
    pub transient: bool,
}

#[derive(Clone, Debug)]
pub struct IdempotencyStore {
    client: Client,
    table: String,
    /// How long a completed record suppresses repeats.
    record_ttl: Duration,
    /// How long a claim is honoured before another worker may take over (crash recovery).
    in_progress_ttl: Duration,
}

impl IdempotencyStore {
    pub fn new(
        client: Client,
        table: impl Into<String>,
        record_ttl: Duration,
        in_progress_ttl: Duration,
    ) -> Self {
        Self {
            client,
            table: table.into(),
            record_ttl,
            in_progress_ttl,
        }
    }

    pub async fn claim(&self, key: &str) -> Result<Claim, IdempotencyError> {
        let now = now();
        let token = uuid::Uuid::new_v4().to_string();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(key.to_owned()))
            .item("status", AttributeValue::S(IN_PROGRESS.into()))
            .item("owner", AttributeValue::S(token.clone()))
            .item("expiration", number(epoch_secs(now + self.record_ttl)))
            .item("in_progress_expiration", number(epoch_millis(now + self.in_progress_ttl)))
            .condition_expression(
                "attribute_not_exists(id) OR expiration < :now OR (#status = :in_progress AND in_progress_expiration < :now_ms)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", number(epoch_secs(now)))
            .expression_attribute_values(":now_ms", number(epoch_millis(now)))
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match put {
            Ok(_) => Ok(Claim::Acquired(ClaimToken(token))),
            // The SDK error itself, not `into_service_error`: that turns a time-out into an
            // "unhandled" service error and loses whether a retry can help.
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let existing = match failed.item() {
                        Some(item) => Some(item.clone()),
                        // Not every implementation returns the old item: read it.
                        None => self.read(key).await?,
                    };
                    Ok(match existing {
                        Some(item) => classify(&item),
                        None => Claim::InProgress,
                    })
                }
                _ => Err(error("claim", e)),
            },
        }
    }

    /// Claims `key`, runs `work`, and marks the key done with the data `work` returns beside its
    /// result; on failure the claim is released. Once the work succeeded, a record that cannot be
    /// completed is only logged: the work has happened (an event queued, an email sent), and failing
    /// now would make the caller repeat it once the claim lapses.
    pub async fn run_once<T, E, F, Fut>(&self, key: &str, work: F) -> Result<Once<T>, OnceError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(T, Option<String>), E>>,
    {
        let token = match self.claim(key).await? {
            Claim::Acquired(token) => token,
            Claim::AlreadyCompleted { .. } => return Ok(Once::AlreadyCompleted),
            Claim::InProgress => return Ok(Once::InProgress),
        };
        match work().await {
            Ok((result, data)) => {
                if let Err(e) = self.complete(key, &token, data.as_deref()).await {
                    tracing::warn!(key, error = %e, "work done but its idempotency record was not completed");
                }
                Ok(Once::Ran(result))
            }
            Err(e) => {
                if let Err(release) = self.release(key, &token).await {
                    tracing::warn!(key, error = %release, "could not release the claim; it lapses on its own");
                }
                Err(OnceError::Work(e))
            }
        }
    }

    /// Marks the work done. Fails when the claim is no longer this caller's (it lapsed and another
    /// worker took it): the caller must then treat its work as possibly duplicated.
    pub async fn complete(
        &self,
        key: &str,
        token: &ClaimToken,
        data: Option<&str>,
    ) -> Result<(), IdempotencyError> {
        let now = now();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_owned()))
            .update_expression(if data.is_some() {
                "SET #status = :done, expiration = :exp, #data = :data"
            } else {
                "SET #status = :done, expiration = :exp"
            })
            .condition_expression("#status = :in_progress AND #owner = :token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .expression_attribute_values(":token", AttributeValue::S(token.0.clone()))
            .expression_attribute_values(":done", AttributeValue::S(COMPLETED.into()))
            .expression_attribute_values(":exp", number(epoch_secs(now + self.record_ttl)));
        if let Some(data) = data {
            update = update
                .expression_attribute_names("#data", "data")
                .expression_attribute_values(":data", AttributeValue::S(data.to_owned()));
        }
        update.send().await.map_err(|e| error("complete", e))?;
        Ok(())
    }

    /// Gives a claim back after a failure so a retry can run. Only this caller's live claim is
    /// removed: never a completed record, never another worker's claim.
    pub async fn release(&self, key: &str, token: &ClaimToken) -> Result<(), IdempotencyError> {
        let res = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_owned()))
            .condition_expression("#status = :in_progress AND #owner = :token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .expression_attribute_values(":token", AttributeValue::S(token.0.clone()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(_)) => Ok(()),
                _ => Err(error("release", e)),
            },
        }
    }

    async fn read(
        &self,
        key: &str,
    ) -> Result<Option<HashMap<String, AttributeValue>>, IdempotencyError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error("read", e))?;
        Ok(out.item)
    }
}

fn classify(item: &HashMap<String, AttributeValue>) -> Claim {
    match item
        .get("status")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
    {
        Some(COMPLETED) => Claim::AlreadyCompleted {
            data: item.get("data").and_then(|v| v.as_s().ok()).cloned(),
        },
        _ => Claim::InProgress,
    }
}

fn error<E>(
    operation: &'static str,
    e: aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> IdempotencyError
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
{
    IdempotencyError {
        operation,
        transient: crate::aws::is_transient(&e),
        reason: crate::aws::describe_error(&e),
    }
}

fn number(n: u128) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn now() -> SystemTime {
    SystemTime::now()
}

fn epoch_secs(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as u128
}

fn epoch_millis(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()
}
