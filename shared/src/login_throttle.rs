//! Failed logins counted in DynamoDB (`RATE_LIMIT_TABLE`), so every Lambda instance sees the same
//! counts; the rule itself is `domain::login_throttle`. Item: `{id: "login#<subject>#<sha-256 of
//! the key>", failures, locked_until (epoch s), expiration (epoch s, the table's TTL attribute)}`.
//! Keys are hashed: the table holds no email or address. DynamoDB's TTL deletion is lazy (never in
//! the local emulator), so expiry is compared in code.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use sha2::{Digest, Sha256};

use crate::aws::describe_error;
use crate::domain::login_throttle::{Subject, WINDOW};

#[derive(Debug, thiserror::Error)]
#[error("login throttle store ({operation}) failed: {reason}")]
pub struct ThrottleError {
    operation: &'static str,
    reason: String,
}

#[derive(Clone, Debug)]
pub struct LoginThrottle {
    client: Client,
    table: String,
}

impl LoginThrottle {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// How long after `now` (epoch seconds) every one of these is unlocked; zero when none is.
    pub async fn locked_for(
        &self,
        keys: &[(Subject, &str)],
        now: u64,
    ) -> Result<Duration, ThrottleError> {
        let reads = keys.iter().map(|(subject, key)| {
            self.client
                .get_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(item_id(*subject, key)))
                .consistent_read(true)
                .send()
        });
        let mut wait = 0u64;
        for read in futures::future::join_all(reads).await {
            let item = read.map_err(|e| error("get", e))?.item.unwrap_or_default();
            let number = |name: &str| -> Option<u64> { item.get(name)?.as_n().ok()?.parse().ok() };
            let live = number("expiration").is_some_and(|e| e > now);
            if let Some(until) = number("locked_until").filter(|u| live && *u > now) {
                wait = wait.max(until - now);
            }
        }
        Ok(Duration::from_secs(wait))
    }

    /// Counts one failure against `key` at `now` (epoch seconds); returns how long it is locked.
    pub async fn failed(
        &self,
        subject: Subject,
        key: &str,
        now: u64,
    ) -> Result<Duration, ThrottleError> {
        let id = item_id(subject, key);
        let expiration = AttributeValue::N((now + WINDOW.as_secs()).to_string());
        // Adds to a live count; a count whose window passed starts again at one.
        let added = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.clone()))
            .update_expression("ADD failures :one SET expiration = :exp")
            .condition_expression("attribute_not_exists(id) OR expiration > :now")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":exp", expiration.clone())
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        let failures: u32 = match added {
            Ok(out) => out
                .attributes
                .and_then(|a| a.get("failures")?.as_n().ok()?.parse().ok())
                .unwrap_or(1),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => {
                    self.client
                        .put_item()
                        .table_name(&self.table)
                        .item("id", AttributeValue::S(id.clone()))
                        .item("failures", AttributeValue::N("1".into()))
                        .item("expiration", expiration)
                        .send()
                        .await
                        .map_err(|e| error("put", e))?;
                    1
                }
                other => return Err(error("update", other)),
            },
        };
        let lockout = subject.lockout_after(failures);
        if !lockout.is_zero() {
            self.client
                .update_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(id))
                .update_expression("SET locked_until = :until")
                .expression_attribute_values(
                    ":until",
                    AttributeValue::N((now + lockout.as_secs()).to_string()),
                )
                .send()
                .await
                .map_err(|e| error("lock", e))?;
        }
        Ok(lockout)
    }

    /// Forgets the failures of `key` (after a successful login).
    pub async fn cleared(&self, subject: Subject, key: &str) -> Result<(), ThrottleError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(item_id(subject, key)))
            .send()
            .await
            .map_err(|e| error("delete", e))?;
        Ok(())
    }
}

fn item_id(subject: Subject, key: &str) -> String {
    format!(
        "login#{}#{}",
        subject.as_str(),
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

fn error(operation: &'static str, e: impl std::error::Error) -> ThrottleError {
    ThrottleError {
        operation,
        reason: describe_error(&e),
    }
}
