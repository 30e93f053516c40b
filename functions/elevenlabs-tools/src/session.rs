//! A live call's state in DynamoDB (the `CALL_SESSION_TABLE`), keyed by conversation id, so any
//! Lambda instance (a fresh one after a cold start included) continues where the last tool call
//! left off: the qualification's `Progress` and the caller's `Verification`. Item: `{id,
//! business_id, data (JSON of both), version, expiration}`.
//! Writes are conditional on the version read, so two tool calls racing on one call cannot lose
//! an answer: the loser re-reads and applies its step again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use uuid::Uuid;

use serde::{Deserialize, Serialize};
use shared::aws::describe_error;
use shared::domain::ConversationId;
use shared::domain::caller_verification::Verification;
use shared::domain::qualification::Progress;

/// A session outlives any call (ElevenLabs caps a conversation at a few hours).
pub const SESSION_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, thiserror::Error)]
#[error("call session store ({operation}) failed: {reason}")]
pub struct SessionError {
    operation: &'static str,
    reason: String,
}

/// A session as read, with the version its update must match.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub progress: Progress,
    pub verification: Verification,
    version: u64,
}

/// What `data` holds (a session written before verification existed reads with none).
#[derive(Serialize, Deserialize, Default)]
struct Stored {
    #[serde(flatten)]
    progress: Progress,
    #[serde(default)]
    verification: Verification,
}

#[derive(Clone, Debug)]
pub struct SessionStore {
    client: Client,
    table: String,
}

impl SessionStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The call's session, or a fresh one. A session of another business under the same id
    /// (which only a forged conversation id could produce) is not returned.
    pub async fn load(
        &self,
        conversation_id: &ConversationId,
        business_id: Uuid,
    ) -> Result<Session, SessionError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", key(conversation_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| error("get", e))?;
        let fresh = Session {
            progress: Progress::default(),
            verification: Verification::default(),
            version: 0,
        };
        let Some(item) = out.item else {
            return Ok(fresh);
        };
        let expired = number_attr(&item, "expiration").is_some_and(|e| e < epoch_secs(now()));
        let same_business = item
            .get("business_id")
            .and_then(|v| v.as_s().ok())
            .is_some_and(|b| *b == business_id.to_string());
        if expired || !same_business {
            return Ok(Session {
                version: number_attr(&item, "version").unwrap_or(0),
                ..fresh
            });
        }
        let stored: Stored = item
            .get("data")
            .and_then(|v| v.as_s().ok())
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default();
        Ok(Session {
            progress: stored.progress,
            verification: stored.verification,
            version: number_attr(&item, "version").unwrap_or(0),
        })
    }

    /// Stores `session.progress` if nobody wrote since it was read. `Ok(false)`: someone did;
    /// load again and redo the step.
    pub async fn save(
        &self,
        conversation_id: &ConversationId,
        business_id: Uuid,
        session: &Session,
    ) -> Result<bool, SessionError> {
        let stored = Stored {
            progress: session.progress.clone(),
            verification: session.verification.clone(),
        };
        let data = serde_json::to_string(&stored).map_err(|e| SessionError {
            operation: "encode",
            reason: e.to_string(),
        })?;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", key(conversation_id))
            .item("business_id", AttributeValue::S(business_id.to_string()))
            .item("data", AttributeValue::S(data))
            .item(
                "version",
                AttributeValue::N((session.version + 1).to_string()),
            )
            .item(
                "expiration",
                AttributeValue::N(epoch_secs(now() + SESSION_TTL).to_string()),
            );
        put = if session.version == 0 {
            put.condition_expression("attribute_not_exists(id)")
        } else {
            put.condition_expression("version = :read")
                .expression_attribute_values(
                    ":read",
                    AttributeValue::N(session.version.to_string()),
                )
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(error("put", other)),
            },
        }
    }
}

fn key(conversation_id: &ConversationId) -> AttributeValue {
    AttributeValue::S(format!("call:{conversation_id}"))
}

fn number_attr(
    item: &std::collections::HashMap<String, AttributeValue>,
    name: &str,
) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn error(operation: &'static str, e: impl std::error::Error) -> SessionError {
    SessionError {
        operation,
        reason: describe_error(&e),
    }
}

fn now() -> SystemTime {
    SystemTime::now()
}

fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}
