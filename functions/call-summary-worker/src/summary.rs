//! A call's summary: ElevenLabs' own, else the language model's (a few attempts across deliveries,
//! each within a deadline), else an extractive one, so a call is never left without one.

use sqlx::PgPool;

use shared::domain::summary::extractive_summary;
use shared::elevenlabs::webhook::Conversation;
use shared::jobs::Delivery;
use shared::post_call::store;

use crate::worker::Worker;

/// The whole OpenAI call, retries included, on all but the last allowed delivery.
const SUMMARY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(25);
const LAST_SUMMARY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);
/// The transcript sent for summarising is cut to this many characters.
const MAX_SUMMARY_INPUT: usize = 24_000;
const SUMMARY_INSTRUCTIONS: &str = "You summarise phone calls answered by an AI receptionist for a small \
business. In at most three short sentences, say who called, what they need, any deadline or urgency, \
and the agreed next step. Plain text, no preamble.";

pub(crate) struct Summary {
    pub(crate) text: String,
    pub(crate) source: &'static str,
}

impl Worker {
    pub(crate) async fn summary(
        &self,
        pool: &PgPool,
        conv: &Conversation,
        delivery: &Delivery,
    ) -> anyhow::Result<Summary> {
        if let Some(text) = conv
            .analysis
            .transcript_summary
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            return Ok(Summary {
                text: text.trim().to_owned(),
                source: "elevenlabs",
            });
        }
        if let Some(text) = store::model_summary(pool, conv.conversation_id.as_str()).await? {
            return Ok(Summary {
                text,
                source: "openai",
            });
        }
        let turns = || {
            conv.transcript
                .iter()
                .filter_map(|t| t.message.as_deref().map(|m| (t.role.as_str(), m)))
        };
        let duration = conv.metadata.call_duration_secs;
        let transcript: String = turns()
            .map(|(role, text)| {
                format!(
                    "{}: {text}\n",
                    if role == "user" {
                        "Caller"
                    } else {
                        "Receptionist"
                    }
                )
            })
            .collect();
        if transcript.trim().is_empty() {
            return Ok(Summary {
                text: extractive_summary(turns(), duration),
                source: "extractive",
            });
        }
        let input: String = transcript.chars().take(MAX_SUMMARY_INPUT).collect();
        // Bounded, so one slow model cannot run the batch past the Lambda timeout (which would
        // retry every message of it); the last delivery gets a shorter chance before falling back.
        let last = delivery.receive_count >= self.summary_attempts;
        let deadline = if last {
            LAST_SUMMARY_DEADLINE
        } else {
            SUMMARY_DEADLINE
        };
        let completion =
            tokio::time::timeout(deadline, self.openai.complete(SUMMARY_INSTRUCTIONS, &input))
                .await
                .map_err(|_| anyhow::anyhow!("OpenAI did not answer within {deadline:?}"))
                .and_then(|r| r.map_err(anyhow::Error::new));
        match completion {
            Ok(text) => Ok(Summary {
                text,
                source: "openai",
            }),
            Err(e) if !last => {
                // Nothing is written yet: SQS redelivers after the visibility timeout, by which time
                // the model may be back. Other messages of the batch go on meanwhile.
                Err(e.context("summarising with OpenAI; will retry"))
            }
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    receives = delivery.receive_count,
                    "OpenAI unavailable; using the extractive summary"
                );
                Ok(Summary {
                    text: extractive_summary(turns(), duration),
                    source: "extractive",
                })
            }
        }
    }
}
