//! What this function reads from its environment at cold start: the admin token key and the
//! distribution's origin token, its only secrets (`shared::admin::SECRETS`, which template.yaml
//! grants and nothing else), and `ACCESS_TOKEN_TTL_SECS`, both read by `AdminState::from_platform`.

pub use shared::admin::{AdminState as State, SECRETS};
