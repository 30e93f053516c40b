//! What this function reads from its environment at cold start: its secrets (`SECRETS`, which
//! template.yaml grants and nothing else) and the variables its state is built from.

use shared::config::Env;
use shared::db::Database;
use shared::error::ApiError;
use shared::jobs::JobQueue;
use shared::platform::Platform;
use shared::pm::PmProviders;
use shared::pm::crypto::TokenCipher;
use shared::pm::oauth::StateStore;
use shared::pm::sync::PmJob;
use shared::secrets::SecretName;
use sqlx::PgPool;

/// The secrets the callback function is granted (template.yaml holds its policy to these): every
/// PM app (to exchange the code) and the key that seals the tokens.
pub const SECRETS: &[SecretName] = &[
    SecretName::TokenEncryption,
    SecretName::JiraApp,
    SecretName::AsanaApp,
    SecretName::MondayApp,
];

pub struct State {
    pub db: Database,
    pub cipher: TokenCipher,
    pub providers: PmProviders,
    pub states: StateStore,
    pub queue: JobQueue<PmJob>,
    /// The dashboard; the browser lands on `{dashboard_url}/integrations?integration=…&status=…`.
    pub dashboard_url: String,
}

impl State {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        Ok(Self {
            db: platform.db.clone(),
            cipher: TokenCipher::from_secrets(&platform.secrets)?,
            // The redirect URI goes through the dashboard's origin, where the binding cookie lives.
            providers: PmProviders::from_env(
                &env,
                &platform.secrets,
                Some(&platform.require_dashboard_url()?),
            )?,
            states: StateStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.oauth_state,
            ),
            queue: JobQueue::new(platform.aws.sqs.clone(), &platform.settings.queues.pm_sync),
            dashboard_url: platform.require_dashboard_url()?,
        })
    }

    pub(crate) async fn pool(&self) -> Result<&PgPool, ApiError> {
        Ok(self.db.pool().await?)
    }
}
