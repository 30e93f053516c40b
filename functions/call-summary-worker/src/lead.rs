//! What a call makes of the caller's lead: the answers ElevenLabs collected, checked and merged
//! with what the live call recorded, the call's urgency, and the lead written (or the known
//! client found instead).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use shared::domain::answers::{self, Answer};
use shared::domain::lead::{LeadColumns, merge_answers};
use shared::domain::spoken::AnswerContext;
use shared::domain::urgency::{self, URGENT_CRITERION_ID, Urgency};
use shared::domain::{Priority, Timezone};
use shared::elevenlabs::webhook::Conversation;
use shared::phone::E164;
use shared::post_call::store::{self, CallOwner, ClientRef, LeadWrite, QuestionSpec};

/// What the lead became, for the notification.
pub(crate) struct LeadView {
    pub(crate) id: Uuid,
    pub(crate) contact_name: Option<String>,
    pub(crate) answers: BTreeMap<String, Answer>,
    pub(crate) urgency: Urgency,
}

pub(crate) async fn record_lead(
    tx: &mut sqlx::PgConnection,
    owner: &CallOwner,
    caller: Option<&E164>,
    conversation_id: Uuid,
    started_at: Option<DateTime<Utc>>,
    conv: &Conversation,
    questions: &[QuestionSpec],
    keywords: &[urgency::UrgencyKeyword],
) -> anyhow::Result<LeadView> {
    let ctx = answer_context(owner, started_at.unwrap_or_else(Utc::now));
    let collected = collected_answers(conv, questions, &ctx);
    let caller_phone = caller.map(E164::as_str);
    let mut existing =
        store::lock_open_lead(tx, owner.business_id, caller_phone, conversation_id).await?;
    for _ in 0..2 {
        // A call processed late (a retry, the reconciliation, a DLQ redrive) that is older than the
        // one that last updated the lead only fills gaps and leaves the lead pointing at the newer call.
        // The live tools may have linked the lead to this very call already: that is not older.
        let older = existing.as_ref().is_some_and(|l| {
            l.conversation_id != Some(conversation_id)
                && matches!((started_at, l.last_call_started_at), (Some(this), Some(last)) if this < last)
        });
        let lead_conversation = match &existing {
            Some(l) if older => l.conversation_id.unwrap_or(conversation_id),
            _ => conversation_id,
        };
        let (answers, urgency) = {
            let previous = existing
                .as_ref()
                .map(|l| l.answers.0.clone())
                .unwrap_or_default();
            let answers = merge_answers(previous, collected.clone(), !older);
            let mut urgency = Urgency::default();
            if let Some(lead) = &existing {
                if let Ok(p) = lead.priority.parse::<Priority>() {
                    urgency.priority = p;
                }
                urgency.reasons = lead.urgency_reasons.clone();
            }
            for (priority, reason) in call_urgency(conv, &answers, keywords) {
                urgency.raise(priority, reason);
            }
            (answers, urgency)
        };
        let columns = LeadColumns::from_answers(questions, &answers);
        let write = LeadWrite::new(
            &columns,
            owner.business_id,
            caller_phone,
            &answers,
            &urgency,
            lead_conversation,
        );
        let written = store::write_lead(tx, existing.as_ref().map(|l| l.id), &write).await?;
        if let Some(id) = written {
            return Ok(LeadView {
                id,
                contact_name: columns.contact_name,
                answers,
                urgency,
            });
        }
        // The live qualification tool created the caller's open lead meanwhile: update that one.
        existing =
            store::lock_open_lead(tx, owner.business_id, caller_phone, conversation_id).await?;
    }
    anyhow::bail!(
        "could not create or find the open lead for conversation {}",
        conv.conversation_id
    )
}

/// How the call's answers are read: "tomorrow" is the day after the call, in the business's zone.
fn answer_context(owner: &CallOwner, call_time: DateTime<Utc>) -> AnswerContext<'_> {
    // A zone that no longer parses reads the day in UTC.
    let day = match Timezone::try_from(owner.timezone.clone()) {
        Ok(zone) => call_time.with_timezone(&zone.0).date_naive(),
        Err(_) => call_time.date_naive(),
    };
    AnswerContext::new(&owner.default_region, day, &owner.language)
}

/// ElevenLabs' data collection results whose id is a question's field key, each checked against the
/// question's expected format. Results for ids that are not questions are ignored.
pub(crate) fn collected_answers(
    conv: &Conversation,
    questions: &[QuestionSpec],
    ctx: &AnswerContext<'_>,
) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for q in questions {
        let Some(result) = conv.analysis.data_collection_results.get(&q.field_key) else {
            continue;
        };
        let Some(raw) = answers::raw_text(&result.value) else {
            continue;
        };
        out.insert(
            q.field_key.clone(),
            Answer::checked(&q.expected(), &raw, ctx, "data_collection"),
        );
    }
    out
}

/// Urgency of this call: keywords in what the caller said and answered, and ElevenLabs' criterion.
pub(crate) fn call_urgency(
    conv: &Conversation,
    answers: &BTreeMap<String, Answer>,
    keywords: &[urgency::UrgencyKeyword],
) -> Vec<(Priority, String)> {
    let said = conv
        .transcript
        .iter()
        .filter(|t| t.role == "user")
        .filter_map(|t| t.message.as_deref())
        .chain(answers.values().map(|a| a.raw.as_str()));
    let mut found = urgency::scan(keywords, said);
    if let Some(criterion) = conv
        .analysis
        .evaluation_criteria_results
        .get(URGENT_CRITERION_ID)
        && criterion.result.as_deref() == Some("success")
    {
        let why = criterion
            .rationale
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("the agent judged the matter urgent");
        found.push((Priority::Urgent, format!("agent: {why}")));
    }
    found
}

pub(crate) async fn find_client(
    pool: &PgPool,
    owner: &CallOwner,
    caller: Option<&E164>,
) -> anyhow::Result<Option<ClientRef>> {
    if let Some(phone) = caller {
        if let Some(client) =
            store::client_by_phone(pool, owner.business_id, phone.as_str()).await?
        {
            return Ok(Some(client));
        }
    }
    match owner.start_client_id {
        Some(id) => store::client_by_id(pool, owner.business_id, id).await,
        None => Ok(None),
    }
}
