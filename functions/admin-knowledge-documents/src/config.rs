//! What this function reads from its environment at cold start: the admin token key and the
//! distribution's origin token, its only secrets (`shared::admin::SECRETS`, which template.yaml
//! grants and nothing else), `ACCESS_TOKEN_TTL_SECS`, and `KNOWLEDGE_QUEUE_URL` (with the other
//! platform variables), all read by `KnowledgeState::from_platform`.

pub use shared::admin::SECRETS;
pub use shared::admin::knowledge::KnowledgeState as State;
