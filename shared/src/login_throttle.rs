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
//! password then gives its attempt back (`succeeded`), so sign-ins that succeed never lock.

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Counted; go on and check the password, then hand this to `succeeded` if it was right.
    Admitted(Counted),
    /// Refused without counting; every key is unlocked after this long.
    Locked(Duration),
}

/// What an admitted attempt wrote, so a right password can take exactly that back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    writes: Vec<Written>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Written {
    subject: Subject,
    id: String,
    failures: String,
    expiration: String,
}

#[derive(Clone, Debug)]
pub struct LoginThrottle {
    client: Client,
    table: String,
}

/// One key's item as read: its count while live, the lock, and what the write must still find.
struct Stored {
    id: String,
    failures: u32,
    locked_until: u64,
    /// `failures` and `expiration` as stored (`None` where absent), for the compare-and-set;
    /// `None` when there is no item.
    raw: Option<(Option<String>, Option<String>)>,
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
        for round in 0..MAX_ROUNDS {
            if round > 0 {
                // Apart, so that competing transactions do not keep cancelling each other.
                let jitter = rand::random_range(2..=10u64 * round.min(5) as u64);
                tokio::time::sleep(Duration::from_millis(jitter)).await;
            }
            let mut read = Vec::with_capacity(keys.len());
            for &(subject, key) in keys {
                read.push((subject, self.read(subject, key, now).await?));
            }
            let wait = read
                .iter()
                .map(|(_, stored)| stored.locked_until.saturating_sub(now))
                .max()
                .unwrap_or(0);
            if wait > 0 {
                return Ok(Admission::Locked(Duration::from_secs(wait)));
            }
            let mut items = Vec::with_capacity(read.len());
            let mut writes = Vec::with_capacity(read.len());
            for (subject, stored) in &read {
                let (item, written) = self.counted_write(*subject, stored, now)?;
                items.push(item);
                writes.push(written);
            }
            let sent = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            let refused = match sent {
                Ok(_) => return Ok(Admission::Admitted(Counted { writes })),
                Err(e) => e.into_service_error(),
            };
            // Another attempt counted first (or is counting): read again. Anything else (a
            // throttled table, a bad request) is an outage, not a lockout.
            let contended = match &refused {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    c.cancellation_reasons().iter().all(|r| {
                        matches!(
                            r.code(),
                            None | Some("None" | "ConditionalCheckFailed" | "TransactionConflict")
                        )
                    })
                }
                _ => false,
            };
            if !contended {
                return Err(error("count", refused));
            }
        }
        tracing::warn!("login attempts contended past the retry limit; refused");
        Ok(Admission::Locked(Duration::from_secs(1)))
    }

    /// The password was right: the account's count is forgotten, and the address gets its
    /// attempt back, lock included when nothing was counted since (a lock a later attempt
    /// earned stays, so a guesser's own account cannot unlock the address it guesses from).
    pub async fn succeeded(&self, counted: &Counted) -> Result<(), ThrottleError> {
        for written in &counted.writes {
            let id = AttributeValue::S(written.id.clone());
            match written.subject {
                Subject::Account => {
                    self.client
                        .delete_item()
                        .table_name(&self.table)
                        .key("id", id)
                        .send()
                        .await
                        .map_err(|e| error("delete", e))?;
                }
                Subject::Address => self.refund(written).await?,
            }
        }
        Ok(())
    }

    /// Takes one attempt off an address: exactly as it was before when the item is still as this
    /// attempt wrote it, else one off the count.
    async fn refund(&self, written: &Written) -> Result<(), ThrottleError> {
        let number = |n: &str| AttributeValue::N(n.to_owned());
        let exact = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(written.id.clone()))
            .update_expression("ADD failures :minus_one REMOVE locked_until")
            .condition_expression("failures = :f AND expiration = :e")
            .expression_attribute_values(":minus_one", number("-1"))
            .expression_attribute_values(":f", number(&written.failures))
            .expression_attribute_values(":e", number(&written.expiration))
            .send()
            .await;
        match exact.map_err(|e| e.into_service_error()) {
            Ok(_) => return Ok(()),
            Err(e) if e.is_conditional_check_failed_exception() => {}
            Err(e) => return Err(error("refund", e)),
        }
        let counted_since = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(written.id.clone()))
            .update_expression("ADD failures :minus_one")
            .condition_expression("failures > :zero")
            .expression_attribute_values(":minus_one", number("-1"))
            .expression_attribute_values(":zero", number("0"))
            .send()
            .await;
        match counted_since.map_err(|e| e.into_service_error()) {
            // Nothing to give back when the count expired or was cleared.
            Err(e) if !e.is_conditional_check_failed_exception() => Err(error("refund", e)),
            _ => Ok(()),
        }
    }

    async fn read(&self, subject: Subject, key: &str, now: u64) -> Result<Stored, ThrottleError> {
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
            return Ok(Stored {
                id,
                failures: 0,
                locked_until: 0,
                raw: None,
            });
        };
        let text = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).cloned();
        let number = |name: &str| -> u64 { text(name).and_then(|n| n.parse().ok()).unwrap_or(0) };
        // A count whose window passed is no count at all.
        let live = number("expiration") > now;
        Ok(Stored {
            id,
            failures: if live { number("failures") as u32 } else { 0 },
            locked_until: if live { number("locked_until") } else { 0 },
            raw: Some((text("failures"), text("expiration"))),
        })
    }

    /// The write that takes the next number for one key, valid only if the item is still as read.
    fn counted_write(
        &self,
        subject: Subject,
        stored: &Stored,
        now: u64,
    ) -> Result<(TransactWriteItem, Written), ThrottleError> {
        let failures = stored.failures.saturating_add(1).to_string();
        let expiration = (now + WINDOW.as_secs()).to_string();
        let lockout = subject.lockout_after(stored.failures.saturating_add(1));
        let mut values = HashMap::new();
        let condition = match &stored.raw {
            None => "attribute_not_exists(id)".to_owned(),
            Some((stored_failures, stored_expiration)) => {
                let mut same = |attribute: &str, value: &Option<String>| match value {
                    Some(v) => {
                        values.insert(format!(":{attribute}"), AttributeValue::N(v.clone()));
                        format!("{attribute} = :{attribute}")
                    }
                    None => format!("attribute_not_exists({attribute})"),
                };
                let failures_same = same("failures", stored_failures);
                let expiration_same = same("expiration", stored_expiration);
                format!("{failures_same} AND {expiration_same}")
            }
        };
        let mut put = Put::builder()
            .table_name(&self.table)
            .item("id", AttributeValue::S(stored.id.clone()))
            .item("failures", AttributeValue::N(failures.clone()))
            .item("expiration", AttributeValue::N(expiration.clone()));
        // Only a count that earns a lock carries one.
        if !lockout.is_zero() {
            put = put.item(
                "locked_until",
                AttributeValue::N((now + lockout.as_secs()).to_string()),
            );
        }
        let put = put
            .condition_expression(condition)
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .build()
            .map_err(|e| error("build", e))?;
        let written = Written {
            subject,
            id: stored.id.clone(),
            failures,
            expiration,
        };
        Ok((TransactWriteItem::builder().put(put).build(), written))
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
