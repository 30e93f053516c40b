//! `search_knowledge_base`: the business's documents searched for the caller's question (hybrid
//! retrieval, `shared::knowledge::search`), answered with the best passages that fit
//! `ANSWER_BUDGET_CHARS` and a line the agent can say. A client's own documents are searched only
//! when the caller is that client and trusted as such (the same rule as their projects); nothing
//! over the minimum score is `found: false`, which the agent is told to say rather than guess.

use std::sync::Arc;

use serde_json::{Value, json};
use shared::call_tools::store::CallIdentity;
use shared::domain::ConversationId;
use shared::domain::knowledge::retrieval::{DEFAULT_TOP_K, RelevanceCut, say_line, within_budget};
use shared::error::ApiError;
use shared::knowledge::embedder::Embedder;
use shared::knowledge::search::{MAX_QUERY_CHARS, Scope, SearchOrigin, search};

use crate::{ToolState, pool};

/// The most an answer's passages hold, in characters: a few seconds of the agent's reading,
/// and a small share of its context.
pub const ANSWER_BUDGET_CHARS: usize = 1_500;

/// What the search needs: the embedder (the same model the passages were embedded with) and the
/// minimum cosine similarity for a passage to count as relevant.
pub struct KnowledgeSearch {
    pub embedder: Arc<dyn Embedder>,
    pub cut: RelevanceCut,
}

const NOT_FOUND: &str = "I don't have that information in front of me. I can take a message and \
have someone from the team get back to you with the answer.";
const UNAVAILABLE: &str = "I can't look that up right now. I can take a message and have someone \
from the team get back to you with the answer.";

/// The question, checked: present, and not longer than `MAX_QUERY_CHARS`.
pub(crate) fn checked_query(query: Option<&str>) -> Result<String, ApiError> {
    let query = query.map(str::trim).unwrap_or_default();
    if query.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_field",
            "query: the caller's question is required",
        ));
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("query: at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(query.to_owned())
}

pub(crate) async fn search_knowledge_base(
    state: &ToolState,
    call: &CallIdentity,
    conversation_id: &ConversationId,
    query: &str,
) -> Result<Value, ApiError> {
    let trusted_client = call
        .client_id
        .filter(|_| call.access().shares_projects_unverified() || call.verified);
    let scope = Scope {
        business_id: call.business_id,
        client_id: trusted_client,
    };
    let origin = SearchOrigin {
        conversation_id: Some(conversation_id.as_str().to_owned()),
    };
    let pool = pool(state).await?;
    let k = &state.knowledge;
    let outcome = match search(
        pool,
        k.embedder.as_ref(),
        scope,
        &origin,
        query,
        k.cut,
        DEFAULT_TOP_K,
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(e) => {
            // The caller hears an honest "not now", never an error.
            tracing::error!(error = %e, "knowledge search failed");
            return Ok(json!({"found": false, "available": false, "say": UNAVAILABLE}));
        }
    };
    let kept = within_budget(&outcome.hits, ANSWER_BUDGET_CHARS);
    let Some(best) = kept.first() else {
        return Ok(json!({"found": false, "say": NOT_FOUND}));
    };
    let passages: Vec<Value> = kept
        .iter()
        .map(|k| json!({"source": k.source, "text": k.text}))
        .collect();
    Ok(json!({
        "found": true,
        "say": say_line(&best.text),
        "passages": passages,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_required_and_bounded() {
        assert!(checked_query(None).is_err());
        assert!(checked_query(Some("   ")).is_err());
        assert!(checked_query(Some(&"x".repeat(MAX_QUERY_CHARS + 1))).is_err());
        assert_eq!(checked_query(Some(" parking? ")).unwrap(), "parking?");
    }
}
