//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::db::Database;
use shared::platform::Platform;
use shared::secrets::SecretName;

pub struct State {
    pub(crate) db: Database,
    pub(crate) dynamodb: aws_sdk_dynamodb::Client,
    pub(crate) sqs: aws_sdk_sqs::Client,
    pub(crate) secrets: aws_sdk_secretsmanager::Client,
    pub(crate) tables: Vec<String>,
    pub(crate) queues: Vec<String>,
    /// Every secret of the deployment: each must exist (described, never read: the health
    /// function is granted no secret value).
    pub(crate) secret_ids: Vec<String>,
}

/// The secrets this function is granted: none.
pub const SECRETS: &[SecretName] = &[];

impl State {
    pub fn new(platform: &Platform) -> Self {
        let s = &platform.settings;
        Self {
            db: platform.db.clone(),
            dynamodb: platform.aws.dynamodb.clone(),
            sqs: platform.aws.sqs.clone(),
            secrets: platform.aws.secrets.clone(),
            tables: vec![
                s.tables.idempotency.clone(),
                s.tables.oauth_state.clone(),
                s.tables.call_sessions.clone(),
            ],
            queues: vec![s.queues.call_summary.clone(), s.queues.pm_sync.clone()],
            secret_ids: SecretName::ALL
                .iter()
                .map(|name| format!("{}{name}", s.secrets_prefix))
                .collect(),
        }
    }
}
