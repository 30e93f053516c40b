//! Everything a function needs from its environment, built once per cold start: settings, the AWS
//! SDK configuration and clients, the secrets, and a verified database pool. Any missing or broken
//! piece fails the start with a message that names it.

use std::sync::Arc;

use anyhow::Context;
use aws_config::SdkConfig;

use crate::aws::AwsClients;
use crate::config::Settings;
use crate::db::Database;
use crate::secrets::Secrets;

#[derive(Clone)]
pub struct Platform {
    pub settings: Settings,
    pub sdk: SdkConfig,
    pub aws: AwsClients,
    pub secrets: Arc<Secrets>,
    pub db: Database,
}

impl Platform {
    pub async fn load() -> anyhow::Result<Self> {
        let settings = Settings::from_env().context("configuration")?;
        let sdk = crate::aws::sdk_config().await;
        let aws = AwsClients::new(&sdk);
        let secrets = Secrets::load(&aws.secrets, &settings.app_secret_id)
            .await
            .context("secrets")?;
        let db = Database::connect(&settings.database, &sdk, settings.db_connect_timeout)
            .await
            .context("database")?;
        tracing::info!(database = db.target(), "platform ready");
        Ok(Self {
            settings,
            sdk,
            aws,
            secrets: Arc::new(secrets),
            db,
        })
    }
}
