//! The call-summary worker: one post-call event in, the business's records out.
//! Order matters for "never lose, never double-count": everything is written in one transaction of
//! upserts (safe to repeat), and only then is the notification sent, guarded by its own idempotency
//! key so a redelivered job never emails twice.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use shared::db::Database;
use shared::domain::Priority;
use shared::domain::lead::unanswered;
use shared::domain::text;
use shared::elevenlabs::webhook::{Conversation, Envelope, EventType, InitiationFailure};
use shared::idempotency::{IdempotencyStore, Once, OnceError};
use shared::jobs::Delivery;
use shared::openai::OpenAi;
use shared::phone::E164;
use shared::post_call::notify::{CallNotice, call_email, ordered_answers};
use shared::post_call::store::{self, CallLogRow, CallOwner, ConversationRow};
use shared::post_call::{CallEventJob, Payload, notification_key};
use shared::sendgrid::SendGrid;

use crate::lead::{find_client, record_lead};

/// A notification, once sent, is never sent again for this long.
pub const NOTIFICATION_RECORD_TTL: std::time::Duration =
    std::time::Duration::from_secs(30 * 24 * 3600);
/// A worker that crashed while sending releases its claim after this.
pub const NOTIFICATION_CLAIM_TTL: std::time::Duration = std::time::Duration::from_secs(120);
/// How many deliveries may wait for the language model before the extractive summary is used.
pub const DEFAULT_SUMMARY_ATTEMPTS: u32 = 3;

pub struct Worker {
    pub db: Database,
    pub openai: OpenAi,
    pub sendgrid: SendGrid,
    pub idempotency: IdempotencyStore,
    /// Deliveries of a message that wait for OpenAI; the last one falls back to the extractive summary.
    pub summary_attempts: u32,
    /// Base of the links in notifications: `{dashboard_url}/calls/{call log id}`.
    pub dashboard_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Recorded {
        call_log_id: Uuid,
        lead_id: Option<Uuid>,
        notified: bool,
    },
    Ignored {
        reason: String,
    },
}

impl Worker {
    pub async fn process(&self, job: CallEventJob, delivery: Delivery) -> anyhow::Result<Outcome> {
        let pool = self.db.pool().await?;
        let event = load_event(pool, job.payload).await?;
        let envelope: Envelope = serde_json::from_value(event)
            .context("the event is not an ElevenLabs webhook envelope")?;
        match EventType::parse(&envelope.event_type) {
            Some(EventType::PostCallTranscription) => {
                let conversation: Conversation = serde_json::from_value(envelope.data)
                    .context("post_call_transcription data is not a conversation")?;
                self.transcription(pool, conversation, &delivery).await
            }
            Some(EventType::CallInitiationFailure) => {
                let failure: InitiationFailure = serde_json::from_value(envelope.data)
                    .context("call_initiation_failure data is malformed")?;
                self.initiation_failure(pool, failure, envelope.event_timestamp)
                    .await
            }
            _ => Ok(Outcome::Ignored {
                reason: format!("nothing to do for {:?} events", envelope.event_type),
            }),
        }
    }

    async fn transcription(
        &self,
        pool: &PgPool,
        conv: Conversation,
        delivery: &Delivery,
    ) -> anyhow::Result<Outcome> {
        let phone_call = conv.metadata.phone_call.clone().unwrap_or_default();
        let our_number = phone_call.agent_number.as_deref().and_then(international);
        let owner = store::find_call_owner(
            pool,
            conv.conversation_id.as_str(),
            phone_call
                .call_sid
                .as_deref()
                .filter(|s| !s.trim().is_empty()),
            our_number.as_ref().map(E164::as_str),
            conv.agent_id.as_deref(),
        )
        .await?
        .with_context(|| {
            format!(
                "no business owns conversation {} (agent number {:?}, agent {:?})",
                conv.conversation_id, phone_call.agent_number, conv.agent_id
            )
        })?;
        let direction = phone_call
            .direction
            .clone()
            .filter(|d| d == "inbound" || d == "outbound")
            .or_else(|| owner.start_direction.clone())
            .unwrap_or_else(|| "inbound".into());
        let caller = phone_call
            .external_number
            .as_deref()
            .and_then(|n| E164::parse(n, &owner.default_region).ok())
            .or_else(|| owner.start_person_phone.as_deref().and_then(international));
        let business_phone = our_number.clone().or_else(|| {
            owner
                .start_business_phone
                .as_deref()
                .and_then(international)
        });
        let client = find_client(pool, &owner, caller.as_ref()).await?;

        let summary = self.summary(pool, &conv, delivery).await?;
        let (started_at, ended_at, duration) = times(&conv);
        let messages = structured_messages(&conv);
        let analysis = serde_json::to_value(AnalysisView::from(&conv)).unwrap_or(Value::Null);

        // Only a new caller's lead needs the questions and keywords.
        let (questions, keywords) = match client {
            Some(_) => Default::default(),
            None => (
                store::questions(pool, owner.business_id).await?,
                store::urgency_keywords(pool, owner.business_id).await?,
            ),
        };

        let mut tx = pool.begin().await?;
        let conversation_id = store::upsert_conversation(
            &mut tx,
            &ConversationRow {
                business_id: owner.business_id,
                elevenlabs_conversation_id: conv.conversation_id.as_str(),
                agent_id: conv.agent_id.as_deref(),
                status: conv.status.as_deref(),
                direction: &direction,
                caller_phone: caller.as_ref().map(E164::as_str),
                business_phone: business_phone.as_ref().map(E164::as_str),
                client_id: client.as_ref().map(|c| c.id),
                started_at,
                ended_at,
                duration_secs: duration,
                main_language: conv.metadata.main_language.as_deref(),
                messages,
                analysis,
                initiation_data: conv.conversation_initiation_client_data.clone(),
            },
        )
        .await?;

        let mut lead_view = None;
        if let Some(client) = &client {
            let note = format!(
                "Call on {}: {}",
                started_at
                    .unwrap_or_else(Utc::now)
                    .format("%Y-%m-%d %H:%M UTC"),
                summary.text
            );
            store::upsert_client_note(
                &mut tx,
                owner.business_id,
                client.id,
                conversation_id,
                &note,
            )
            .await?;
        } else {
            lead_view = Some(
                record_lead(
                    &mut tx,
                    &owner,
                    caller.as_ref(),
                    conversation_id,
                    started_at,
                    &conv,
                    &questions,
                    &keywords,
                )
                .await?,
            );
        }
        let lead_id = lead_view.as_ref().map(|l| l.id);
        let (from, to) = match direction.as_str() {
            "outbound" => (business_phone.as_ref(), caller.as_ref()),
            _ => (caller.as_ref(), business_phone.as_ref()),
        };
        let fiat = conv.metadata.fiat_cost();
        let call_sid = call_sid(phone_call.call_sid.as_deref(), &owner);
        let call_log_id = store::upsert_call_log(
            &mut tx,
            &CallLogRow {
                business_id: owner.business_id,
                call_sid,
                elevenlabs_conversation_id: conv.conversation_id.as_str(),
                conversation_id: Some(conversation_id),
                direction: Some(&direction),
                from_phone: from.map(E164::as_str),
                to_phone: to.map(E164::as_str),
                status: if conv.status.as_deref() == Some("failed") {
                    "failed"
                } else {
                    "completed"
                },
                started_at,
                ended_at,
                duration_secs: duration,
                termination_reason: conv.metadata.termination_reason.as_deref(),
                cost_credits: conv.metadata.cost,
                cost_amount: fiat.as_ref().map(|(a, _)| *a),
                cost_currency: fiat.as_ref().map(|(_, c)| c.as_str()),
                summary: Some(&summary.text),
                summary_title: conv.analysis.call_summary_title.as_deref(),
                summary_source: Some(summary.source),
                call_successful: conv
                    .analysis
                    .call_successful
                    .as_deref()
                    .filter(|s| matches!(*s, "success" | "failure" | "unknown")),
                client_id: client.as_ref().map(|c| c.id),
                lead_id,
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        fail::fail_point!("call-summary-after-commit", |_| {
            tracing::error!("failpoint fired: call-summary-after-commit");
            Err(anyhow::anyhow!(
                "failpoint: after the commit, before the email"
            ))
        });

        let notice = CallNotice {
            to: &owner.notification_emails,
            business_name: &owner.business_name,
            caller_name: client
                .as_ref()
                .map(|c| c.name.as_str())
                .or(lead_view.as_ref().and_then(|l| l.contact_name.as_deref())),
            caller_phone: caller.as_ref().map(E164::as_str),
            known_client: client.is_some(),
            summary: &summary.text,
            duration_secs: duration.map(i64::from),
            priority: lead_view
                .as_ref()
                .map(|l| l.urgency.priority)
                .unwrap_or(Priority::Normal),
            urgency_reasons: lead_view
                .as_ref()
                .map(|l| l.urgency.reasons.as_slice())
                .unwrap_or(&[]),
            answers: lead_view
                .as_ref()
                .map(|l| ordered_answers(&questions, &l.answers))
                .unwrap_or_default(),
            unanswered: lead_view
                .as_ref()
                .map(|l| unanswered(&questions, &l.answers))
                .unwrap_or_default(),
            call_url: format!(
                "{}/calls/{call_log_id}",
                self.dashboard_url.trim_end_matches('/')
            ),
            call_id: call_log_id.to_string(),
        };
        let notified = self
            .notify_once(conv.conversation_id.as_str(), &notice)
            .await?;
        Ok(Outcome::Recorded {
            call_log_id,
            lead_id,
            notified,
        })
    }

    /// `at`: the event's timestamp, the closest thing to when the call was attempted (a
    /// redelivery writes the same value).
    async fn initiation_failure(
        &self,
        pool: &PgPool,
        f: InitiationFailure,
        at: Option<i64>,
    ) -> anyhow::Result<Outcome> {
        let meta = f.metadata.as_ref();
        let field = |name: &str| meta.and_then(|m| m.field(name));
        // Twilio's Direction is `inbound` or `outbound-api` / `outbound-dial`.
        let outbound = field("Direction").is_some_and(|d| d.starts_with("outbound"));
        let (ours, theirs) = if outbound {
            (field("From"), field("To"))
        } else {
            (field("To"), field("From"))
        };
        let our_number = ours.and_then(international);
        let owner = store::find_call_owner(
            pool,
            f.conversation_id.as_str(),
            field("CallSid").filter(|s| !s.trim().is_empty()),
            our_number.as_ref().map(E164::as_str),
            f.agent_id.as_deref(),
        )
        .await?
        .with_context(|| format!("no business owns the failed call {}", f.conversation_id))?;
        let other = theirs.and_then(|n| E164::parse(n, &owner.default_region).ok());
        let status = match f.failure_reason.as_deref() {
            Some("busy") => "busy",
            Some("no-answer") => "no-answer",
            _ => "failed",
        };
        let (from, to) = if outbound {
            (our_number.as_ref(), other.as_ref())
        } else {
            (other.as_ref(), our_number.as_ref())
        };
        let client = find_client(pool, &owner, other.as_ref()).await?;
        let details = meta.map(|m| json!({"type": m.kind, "body": m.body}));
        let mut conn = pool.acquire().await?;
        let call_log_id = store::upsert_call_log(
            &mut conn,
            &CallLogRow {
                business_id: owner.business_id,
                call_sid: call_sid(field("CallSid"), &owner),
                elevenlabs_conversation_id: f.conversation_id.as_str(),
                direction: Some(if outbound { "outbound" } else { "inbound" }),
                from_phone: from.map(E164::as_str),
                to_phone: to.map(E164::as_str),
                status,
                started_at: at.and_then(|t| Utc.timestamp_opt(t, 0).single()),
                failure_reason: f.failure_reason.as_deref(),
                failure_details: details,
                client_id: client.map(|c| c.id),
                ..Default::default()
            },
        )
        .await?;
        Ok(Outcome::Recorded {
            call_log_id,
            lead_id: None,
            notified: false,
        })
    }

    /// Sends the call's email unless it was sent before. Returns whether this delivery sent it.
    async fn notify_once(
        &self,
        conversation_id: &str,
        notice: &CallNotice<'_>,
    ) -> anyhow::Result<bool> {
        if notice.to.is_empty() {
            return Ok(false);
        }
        let key = notification_key(conversation_id);
        let send = || async {
            let message_id = self.sendgrid.send(&call_email(notice)).await?;
            Ok::<_, shared::http_client::HttpError>(((), Some(message_id)))
        };
        match self.idempotency.run_once(&key, send).await {
            Ok(Once::Ran(())) => Ok(true),
            Ok(Once::AlreadyCompleted) => Ok(false),
            Ok(Once::InProgress) => {
                anyhow::bail!("another worker is sending this call's notification")
            }
            Err(OnceError::Store(e)) => Err(e.into()),
            Err(OnceError::Work(e)) => {
                Err(anyhow::Error::new(e).context("sending the call notification"))
            }
        }
    }
}

/// The call's Twilio SID: the event's, else the one the initiation webhook recorded. A blank SID
/// counts as none, so it cannot hide the recorded one (the call log is keyed by it).
fn call_sid<'a>(from_event: Option<&'a str>, owner: &'a CallOwner) -> Option<&'a str> {
    let nonblank = |s: &&str| !s.trim().is_empty();
    from_event
        .filter(nonblank)
        .or(owner.start_call_sid.as_deref().filter(nonblank))
}

/// The event, less any character Postgres cannot store (`domain::text`): ElevenLabs signed it, and
/// a stray NUL in a transcript must not fail the call's records for ever.
async fn load_event(pool: &PgPool, payload: Payload) -> anyhow::Result<Value> {
    let mut event = match payload {
        Payload::Inline { event } => event,
        Payload::Stored { payload_id } => {
            let raw = store::load_payload(pool, payload_id).await?;
            serde_json::from_slice(&raw).context("the stored event is not JSON")?
        }
    };
    let removed = text::strip_forbidden(&mut event);
    if removed > 0 {
        tracing::warn!(removed, "control characters removed from the event");
    }
    Ok(event)
}

fn international(n: &str) -> Option<E164> {
    E164::parse_international(n).ok()
}

fn times(conv: &Conversation) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<i32>) {
    let start = conv
        .metadata
        .start_time_unix_secs
        .and_then(|t| Utc.timestamp_opt(t, 0).single());
    let duration = conv
        .metadata
        .call_duration_secs
        .and_then(|d| i32::try_from(d).ok())
        .filter(|d| *d >= 0);
    let end = match (start, duration) {
        (Some(s), Some(d)) => s.checked_add_signed(chrono::Duration::seconds(d.into())),
        _ => None,
    };
    (start, end, duration)
}

/// The transcript as stored: role, text, time and the tool calls with their results.
fn structured_messages(conv: &Conversation) -> Value {
    Value::Array(
        conv.transcript
            .iter()
            .map(|t| {
                let tool_calls: Vec<Value> = t
                    .tool_calls
                    .iter()
                    .map(|c| {
                        let result = t.tool_results.iter().find(|r| r.request_id.is_some() && r.request_id == c.request_id);
                        json!({
                            "tool_name": c.tool_name,
                            "params": c.params_as_json.as_deref().and_then(|p| serde_json::from_str::<Value>(p).ok()),
                            "result": result.and_then(|r| r.result_value.clone()),
                            "is_error": result.and_then(|r| r.is_error),
                        })
                    })
                    .collect();
                json!({
                    "role": t.role,
                    "text": t.message,
                    "time_in_call_secs": t.time_in_call_secs,
                    "interrupted": t.interrupted.unwrap_or(false),
                    "tool_calls": tool_calls,
                })
            })
            .collect(),
    )
}

/// What of ElevenLabs' analysis is kept on the conversation.
#[derive(serde::Serialize)]
struct AnalysisView<'a> {
    call_successful: Option<&'a str>,
    transcript_summary: Option<&'a str>,
    call_summary_title: Option<&'a str>,
    evaluation_criteria_results: BTreeMap<&'a str, Value>,
    data_collection_results: BTreeMap<&'a str, &'a Value>,
}

impl<'a> From<&'a Conversation> for AnalysisView<'a> {
    fn from(c: &'a Conversation) -> Self {
        let a = &c.analysis;
        Self {
            call_successful: a.call_successful.as_deref(),
            transcript_summary: a.transcript_summary.as_deref(),
            call_summary_title: a.call_summary_title.as_deref(),
            evaluation_criteria_results: a
                .evaluation_criteria_results
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str(),
                        json!({"result": v.result, "rationale": v.rationale}),
                    )
                })
                .collect(),
            data_collection_results: a
                .data_collection_results
                .iter()
                .map(|(k, v)| (k.as_str(), &v.value))
                .collect(),
        }
    }
}
