//! Everything a function needs from its environment, built once per cold start: settings, the AWS
//! SDK configuration and clients, the secrets granted to it, and a verified database pool. Any
//! missing or broken piece fails the start with a message that names it.

use std::sync::Arc;

use anyhow::Context;
use aws_config::SdkConfig;

use crate::aws::AwsClients;
use crate::config::{DashboardUrlSource, Settings};
use crate::db::Database;
use crate::secrets::{SecretName, Secrets};

#[derive(Clone)]
pub struct Platform {
    pub settings: Settings,
    pub sdk: SdkConfig,
    pub aws: AwsClients,
    pub secrets: Arc<Secrets>,
    pub db: Database,
    /// The dashboard's base URL, without a trailing slash; `None` where neither `DASHBOARD_URL`
    /// nor `DASHBOARD_URL_PARAMETER` is set (functions that link to no page).
    pub dashboard_url: Option<String>,
}

/// What a cold start does when the database cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseAtStartup {
    /// Fail the start, naming the target: most functions can do nothing useful without it.
    Required,
    /// Log a warning and start anyway: for functions that must answer even then (the
    /// personalization webhook answers with defaults). The pool connects on first use.
    Optional,
}

impl Platform {
    /// The platform of a function that is granted `grants` (its config's `SECRETS`).
    pub async fn load(grants: &[SecretName]) -> anyhow::Result<Self> {
        Self::load_with(grants, DatabaseAtStartup::Required).await
    }

    pub async fn load_with(
        grants: &[SecretName],
        database: DatabaseAtStartup,
    ) -> anyhow::Result<Self> {
        Self::from_settings(
            Settings::from_env().context("configuration")?,
            grants,
            database,
        )
        .await
    }

    pub async fn from_settings(
        settings: Settings,
        grants: &[SecretName],
        database: DatabaseAtStartup,
    ) -> anyhow::Result<Self> {
        let sdk = crate::aws::sdk_config_with(settings.aws_timeouts).await;
        let aws = AwsClients::new(&sdk);
        // Read side by side: both are one round trip at cold start.
        let (secrets, dashboard_url) = tokio::try_join!(
            async {
                Secrets::load(&aws.secrets, &settings.secrets_prefix, grants)
                    .await
                    .context("secrets")
            },
            resolve_dashboard_url(&sdk, &settings.dashboard_url),
        )?;
        let db = Database::connect_lazy(
            &settings.database,
            &sdk,
            settings.db_connect_timeout,
            settings.db_statement_timeout,
        )
        .await
        .context("database")?;
        let check = match database {
            DatabaseAtStartup::Required => settings.db_connect_timeout,
            // Waiting long for a database we can do without would only delay the call.
            DatabaseAtStartup::Optional => settings
                .db_connect_timeout
                .min(std::time::Duration::from_secs(1)),
        };
        // Opening the first connection here also keeps the TLS handshake off the first request.
        if let Err(e) = db.verify(check).await {
            match database {
                DatabaseAtStartup::Required => {
                    return Err(anyhow::Error::new(e).context("database"));
                }
                DatabaseAtStartup::Optional => {
                    tracing::warn!(error = %e, "database unreachable at start-up; continuing")
                }
            }
        }
        tracing::info!(database = db.target(), "platform ready");
        Ok(Self {
            settings,
            sdk,
            aws,
            secrets: Arc::new(secrets),
            db,
            dashboard_url,
        })
    }

    /// The dashboard's base URL (no trailing slash), for a function that links to its pages;
    /// an error naming the variables when the function was deployed without them.
    pub fn require_dashboard_url(&self) -> anyhow::Result<String> {
        self.dashboard_url.clone().context(
            "missing environment variable DASHBOARD_URL or DASHBOARD_URL_PARAMETER \
             (this function links to the dashboard)",
        )
    }

    /// The same platform with only `grants` of its secrets, none read yet: what one function gets
    /// when several run in one process (the local gateway, tests).
    pub fn granted(&self, grants: &[SecretName]) -> anyhow::Result<Self> {
        Ok(Self {
            secrets: Arc::new(self.secrets.restricted_to(grants)?),
            ..self.clone()
        })
    }
}

async fn resolve_dashboard_url(
    sdk: &SdkConfig,
    source: &DashboardUrlSource,
) -> anyhow::Result<Option<String>> {
    match source {
        DashboardUrlSource::Fixed(url) => Ok(Some(url.clone())),
        DashboardUrlSource::Unset => Ok(None),
        DashboardUrlSource::Parameter(name) => {
            let value = crate::aws::read_parameter(sdk, name)
                .await
                .with_context(|| format!("dashboard URL parameter {name}"))?;
            Ok(Some(crate::config::checked_dashboard_url(
                "DASHBOARD_URL_PARAMETER",
                &value,
            )?))
        }
    }
}
