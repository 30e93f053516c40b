//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else: the admin token key, to show a platform admin each
//! check) and the variables its state is built from.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use shared::admin::auth::TokenKeys;
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
    /// Verifies the platform admin's token that shows the details.
    pub(crate) tokens: TokenKeys,
    /// The last public answer and when it was checked.
    pub(crate) public: Mutex<Option<(Instant, bool)>>,
}

/// How long a public answer is reused.
pub const PUBLIC_FOR: Duration = Duration::from_secs(5);

impl State {
    pub(crate) fn recent_public_answer(&self) -> Option<bool> {
        let last = *self.public.lock().unwrap_or_else(|p| p.into_inner());
        last.filter(|(at, _)| at.elapsed() < PUBLIC_FOR)
            .map(|(_, up)| up)
    }

    pub(crate) fn remember_public_answer(&self, up: bool) {
        *self.public.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), up));
    }
}

/// The secret this function reads: the admin token key (no other secret's value).
pub const SECRETS: &[SecretName] = &[SecretName::AdminJwt];

impl State {
    pub fn new(platform: &Platform) -> anyhow::Result<Self> {
        let s = &platform.settings;
        Ok(Self {
            tokens: TokenKeys::new(
                &platform.secrets.jwt_signing_key()?,
                shared::admin::auth::DEFAULT_TOKEN_TTL,
            ),
            public: Mutex::new(None),
            db: platform.db.clone(),
            dynamodb: platform.aws.dynamodb.clone(),
            sqs: platform.aws.sqs.clone(),
            secrets: platform.aws.secrets.clone(),
            tables: vec![
                s.tables.idempotency.clone(),
                s.tables.oauth_state.clone(),
                s.tables.call_sessions.clone(),
                s.tables.rate_limits.clone(),
            ],
            queues: vec![
                s.queues.call_summary.clone(),
                s.queues.pm_sync.clone(),
                s.queues.knowledge.clone(),
            ],
            secret_ids: SecretName::ALL
                .iter()
                .map(|name| format!("{}{name}", s.secrets_prefix))
                .collect(),
        })
    }
}
