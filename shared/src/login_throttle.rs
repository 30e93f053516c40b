//! Sign-in attempts counted in DynamoDB (`RATE_LIMIT_TABLE`), so every Lambda instance sees the
//! same counts; the rule itself is `domain::login_throttle`. Item: `{id: "login#<subject>#<sha-256
//! of the key>", failures, locked_until (epoch s), expiration (epoch s, the table's TTL
//! attribute)}`. Keys are hashed: the table holds no email or address. DynamoDB's TTL deletion is
//! lazy (never in the local emulator), so expiry is compared in code.
//!
//! An attempt is counted *before* its password is checked, in one conditional write per attempt
//! (compare-and-set on the count it read), and any lock the new count earns is set in that same
//! write. So a burst of concurrent guesses gets exactly the free attempts and no more: each one
//! takes the next number, and the first past the free ones locks the key for the rest. A right
//! password then gives its attempt back (`succeeded`).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use sha2::{Digest, Sha256};

use crate::aws::describe_error;
use crate::domain::login_throttle::{Subject, WINDOW};

/// Rounds of read-and-compare-and-set before an attempt under contention is refused as locked.
/// Each round at least one concurrent attempt wins, so this many concurrent attempts on one key
/// are all counted; past it the key is being hammered and a refusal is the right answer.
const MAX_ROUNDS: usize = 24;

#[derive(Debug, thiserror::Error)]
#[error("login throttle store ({operation}) failed: {reason}")]
pub struct ThrottleError {
    operation: &'static str,
    reason: String,
}

/// Whether an attempt may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted; go on and check the password.
    Admitted,
    /// Refused without counting; every key is unlocked after this long.
    Locked(Duration),
}

#[derive(Clone, Debug)]
pub struct LoginThrottle {
    client: Client,
    table: String,
}

/// One key's item as read: its count while live, the lock, and what the write must still find.
struct Counted {
    id: String,
    failures: u32,
    locked_until: u64,
    /// `(failures, expiration)` as stored, for the compare-and-set; `None` when there is no item.
    stored: Option<(String, String)>,
}

impl LoginThrottle {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Counts one attempt against every key at `now` (epoch seconds), unless one of them is
    /// locked. All keys are counted in one transaction or none is.
    pub async fn attempt(
        &self,
        keys: &[(Subject, &str)],
        now: u64,
    ) -> Result<Admission, ThrottleError> {
        for _ in 0..MAX_ROUNDS {
            let mut read = Vec::with_capacity(keys.len());
            for &(subject, key) in keys {
                read.push((subject, self.read(subject, key, now).await?));
            }
            let wait = read
                .iter()
                .map(|(_, c)| c.locked_until.saturating_sub(now))
                .max()
                .unwrap_or(0);
            if wait > 0 {
                return Ok(Admission::Locked(Duration::from_secs(wait)));
            }
            let writes = read
                .iter()
                .map(|(subject, counted)| self.counted_write(*subject, counted, now))
                .collect::<Result<Vec<_>, _>>()?;
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes))
                .send()
                .await;
            match sent {
                Ok(_) => return Ok(Admission::Admitted),
                Err(e) => match e.into_service_error() {
                    // Another attempt counted first: read again.
                    TransactWriteItemsError::TransactionCanceledException(_) => continue,
                    other => return Err(error("count", other)),
                },
            }
        }
        tracing::warn!("login attempts contended past the retry limit; refused");
        Ok(Admission::Locked(Duration::from_secs(1)))
    }

    /// The password was right: the account's count is forgotten, and the address gets its
    /// attempt back (a lock the address earned stays, so a guesser's own account cannot unlock
    /// the address it guesses from).
    pub async fn succeeded(&self, keys: &[(Subject, &str)]) -> Result<(), ThrottleError> {
        for &(subject, key) in keys {
            let id = AttributeValue::S(item_id(subject, key));
            match subject {
                Subject::Account => {
                    self.client
                        .delete_item()
                        .table_name(&self.table)
                        .key("id", id)
                        .send()
                        .await
                        .map_err(|e| error("delete", e))?;
                }
                Subject::Address => {
                    let refunded = self
                        .client
                        .update_item()
                        .table_name(&self.table)
                        .key("id", id)
                        .update_expression("ADD failures :minus_one")
                        .condition_expression("failures > :zero")
                        .expression_attribute_values(":minus_one", AttributeValue::N("-1".into()))
                        .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                        .send()
                        .await;
                    // Nothing to give back when the count expired or was never there.
                    if let Err(e) = refunded {
                        let e = e.into_service_error();
                        if !e.is_conditional_check_failed_exception() {
                            return Err(error("refund", e));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    async fn read(&self, subject: Subject, key: &str, now: u64) -> Result<Counted, ThrottleError> {
        let id = item_id(subject, key);
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.clone()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error("get", e))?
            .item;
        let Some(item) = item else {
            return Ok(Counted {
                id,
                failures: 0,
                locked_until: 0,
                stored: None,
            });
        };
        let text = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).cloned();
        let number = |name: &str| -> u64 { text(name).and_then(|n| n.parse().ok()).unwrap_or(0) };
        // A count whose window passed is no count at all.
        let live = number("expiration") > now;
        Ok(Counted {
            id,
            failures: if live { number("failures") as u32 } else { 0 },
            locked_until: if live { number("locked_until") } else { 0 },
            stored: Some((
                text("failures").unwrap_or_else(|| "0".into()),
                text("expiration").unwrap_or_else(|| "0".into()),
            )),
        })
    }

    /// The write that takes the next number for one key, valid only if the item is still as read.
    fn counted_write(
        &self,
        subject: Subject,
        counted: &Counted,
        now: u64,
    ) -> Result<TransactWriteItem, ThrottleError> {
        let failures = counted.failures.saturating_add(1);
        let locked_until = now + subject.lockout_after(failures).as_secs();
        let number = |n: u64| AttributeValue::N(n.to_string());
        let mut values = HashMap::new();
        let condition = match &counted.stored {
            None => "attribute_not_exists(id)",
            Some((stored_failures, stored_expiration)) => {
                values.insert(":f".to_owned(), AttributeValue::N(stored_failures.clone()));
                values.insert(
                    ":e".to_owned(),
                    AttributeValue::N(stored_expiration.clone()),
                );
                "failures = :f AND expiration = :e"
            }
        };
        let put = Put::builder()
            .table_name(&self.table)
            .item("id", AttributeValue::S(counted.id.clone()))
            .item("failures", number(failures.into()))
            .item("locked_until", number(locked_until))
            .item("expiration", number(now + WINDOW.as_secs()))
            .condition_expression(condition)
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .build()
            .map_err(|e| error("build", e))?;
        Ok(TransactWriteItem::builder().put(put).build())
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
