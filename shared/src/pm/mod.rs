//! Project-management integrations: Jira Cloud, Asana and monday.com, each connected per business
//! by OAuth 2.0 and synced into one normalised model (the `projects` and `tasks` tables).
//!
//! - `ProjectManagementProvider` is what every provider implements; `jira`, `asana` and `monday`
//!   are one module per vendor contract (wire types, normalisation, client, webhook verification).
//!   Adding a provider is one module plus its line in `Provider` and `PmProviders::from_env`.
//! - `oauth` runs the authorization-code flow (state in DynamoDB, PKCE, the `oauth2` crate) and
//!   refreshes tokens; `store` keeps integrations, encrypted tokens (`crypto`) and synced rows;
//!   `sync` is the `pm-sync` queue's worker; `deliveries` is what the
//!   webhook receivers (`functions/pm-webhook-*`) share. `providers` builds the configured
//!   providers; `wire` holds the HTTP and JWT helpers every vendor module uses.

pub mod asana;
pub mod crypto;
pub mod deliveries;
pub mod jira;
pub mod monday;
pub mod oauth;
pub mod page_token;
mod providers;
pub mod store;
pub mod sync;
mod wire;

pub use providers::{PmProviders, PublicUrls, pm_http_policy};
pub(crate) use wire::{check_status, read_json};
pub use wire::{parse_date, parse_instant, verify_delivery_jwt};

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::http_client::{HttpClient, HttpError};

/// The providers a business can connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Jira,
    Asana,
    Monday,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Jira, Provider::Asana, Provider::Monday];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Jira => "jira",
            Provider::Asana => "asana",
            Provider::Monday => "monday",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The product's name as its users write it.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Jira => "Jira",
            Provider::Asana => "Asana",
            Provider::Monday => "monday.com",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The normalised status every provider's states map to (`projects.status`, `tasks.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkStatus {
    Todo,
    InProgress,
    Done,
}

impl WorkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkStatus::Todo => "todo",
            WorkStatus::InProgress => "in_progress",
            WorkStatus::Done => "done",
        }
    }

    /// A free-text status label (an Asana section, a monday status column) read the way a person
    /// would: "Done"/"Complete" is done, "To do"/"Not started"/empty is to do, anything else
    /// ("Working on it", "Stuck", "In review") is in progress.
    pub fn from_label(label: &str) -> Self {
        let l = label.trim().to_lowercase();
        const DONE_LABELS: &[&str] = &[
            "done",
            "complete",
            "completed",
            "finished",
            "closed",
            "shipped",
            "delivered",
        ];
        const TO_DO_LABELS: &[&str] = &[
            "",
            "to do",
            "todo",
            "to-do",
            "not started",
            "backlog",
            "new",
            "open",
            "planned",
            "ideas",
            "upcoming",
        ];
        if DONE_LABELS
            .iter()
            .any(|d| l == *d || l.starts_with(&format!("{d} ")))
        {
            WorkStatus::Done
        } else if TO_DO_LABELS.contains(&l.as_str()) {
            WorkStatus::Todo
        } else {
            WorkStatus::InProgress
        }
    }
}

/// The site, workspace or account a token reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Jira cloudid, Asana workspace gid, monday account id.
    pub external_id: String,
    pub name: Option<String>,
    /// Jira's site URL (issue links, delivery routing).
    pub site_url: Option<String>,
}

/// A project (Jira project, Asana project, monday board) in the normalised model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormalizedProject {
    pub external_id: String,
    pub name: String,
    pub status: WorkStatus,
    pub provider_status: String,
    pub due_date: Option<NaiveDate>,
    pub assignee: Option<String>,
    pub url: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    /// The provider's own record, kept for debugging.
    pub raw: serde_json::Value,
}

/// A task (Jira issue, Asana task, monday item) in the normalised model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormalizedTask {
    pub project_external_id: String,
    pub external_id: String,
    pub name: String,
    pub status: WorkStatus,
    pub provider_status: String,
    pub due_date: Option<NaiveDate>,
    pub assignee: Option<String>,
    pub url: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub raw: serde_json::Value,
}

/// One page of a listing and the provider's token for the next (None on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// An authorised connection to one tenant, as a sync or a webhook refetch uses it.
#[derive(Clone)]
pub struct Connection {
    pub integration_id: Uuid,
    pub business_id: Uuid,
    pub tenant: Tenant,
    pub access_token: SecretString,
    /// The provider's client with a circuit breaker of this tenant's own.
    pub http: HttpClient,
}

/// A webhook registration as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: Uuid,
    pub resource_id: String,
    pub external_webhook_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Where a provider records the webhooks it registers while reconciling (implemented by `store`).
#[async_trait::async_trait]
pub trait WebhookLedger: Send + Sync {
    /// Records a registration about to be created and returns its row id; an Asana handshake is
    /// accepted for it until `handshake_window` has passed.
    async fn begin(&self, resource_id: &str, handshake_window: Duration) -> Result<Uuid, PmError>;
    /// The provider created it.
    async fn created(
        &self,
        row: Uuid,
        external_webhook_id: &str,
        expires_at: Option<DateTime<Utc>>,
        secret: Option<&str>,
    ) -> Result<(), PmError>;
    /// New expiry after a refresh.
    async fn extended(&self, row: Uuid, expires_at: DateTime<Utc>) -> Result<(), PmError>;
    /// The registration is gone (failed creation, or deleted at the provider).
    async fn forget(&self, row: Uuid) -> Result<(), PmError>;
}

/// What a provider answered to a webhook creation.
pub struct CreatedWebhook {
    pub id: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// Asana returns the handshake secret in the creation answer too.
    pub secret: Option<String>,
}

/// Records a registration, creates it at the provider with `create` (given the row id, which a
/// target may carry), and records the answer; a failed creation leaves no row behind.
pub async fn register_webhook<Fut>(
    ledger: &dyn WebhookLedger,
    resource_id: &str,
    handshake_window: Duration,
    create: impl FnOnce(Uuid) -> Fut,
) -> Result<(), PmError>
where
    Fut: std::future::Future<Output = Result<CreatedWebhook, PmError>>,
{
    let row = ledger.begin(resource_id, handshake_window).await?;
    match create(row).await {
        Ok(c) => {
            ledger
                .created(row, &c.id, c.expires_at, c.secret.as_deref())
                .await
        }
        Err(e) => {
            ledger.forget(row).await?;
            Err(e)
        }
    }
}

/// What reconciling webhooks did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebhookReport {
    pub created: usize,
    pub refreshed: usize,
    pub removed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PmError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// 401 from the API, or a refused token refresh: the grant is no longer good.
    #[error("{provider}: access refused: {detail}")]
    Unauthorized { provider: Provider, detail: String },
    /// Rate limited for longer than is worth waiting inside this invocation.
    #[error("{provider}: rate limited; retry in {retry_in:?}")]
    RateLimited {
        provider: Provider,
        retry_in: Duration,
    },
    /// monday's items_page cursor outlived its 60 minutes: page again from the start.
    #[error("{provider}: pagination cursor expired")]
    CursorExpired { provider: Provider },
    /// An answer with an unexpected status (not 401 or 429; a 403 is one resource's permission).
    #[error("{provider}: HTTP {status}: {body}")]
    Status {
        provider: Provider,
        status: http::StatusCode,
        body: String,
    },
    #[error("{provider}: {detail}")]
    Api { provider: Provider, detail: String },
    #[error("{provider}: pagination stopped: {detail}")]
    Paging { provider: Provider, detail: String },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Other(String),
}

/// What the business reads while an integration waits for them to connect it again
/// (`integrations.last_error` with the status `needs_reconsent`): fixed words, like a failed
/// sync's (`PmError::for_owner`); the token endpoint's reason goes to the log.
pub fn reconsent_words(provider: Provider) -> String {
    format!(
        "{} no longer accepts our access: connect it again",
        provider.name()
    )
}

impl PmError {
    pub fn api(provider: Provider, detail: impl Into<String>) -> Self {
        PmError::Api {
            provider,
            detail: detail.into(),
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, PmError::Unauthorized { .. })
    }

    /// What went wrong, in fixed words a business reads: what the provider answered, or that
    /// something failed on our side; never a provider's answer, a token endpoint's reason or our
    /// own errors (those go to the log with the whole error). `for_owner` adds what happens next
    /// for a sync; the disconnect route's warnings use it as it is.
    pub fn what_went_wrong(&self) -> String {
        match self {
            PmError::Http(e) => match Provider::parse(e.service()) {
                Some(p) => e.for_owner(p.name()),
                None => e.for_owner(e.service()),
            },
            PmError::Status {
                provider, status, ..
            } => crate::http_client::answered(provider.name(), *status),
            PmError::Unauthorized { provider, .. } => {
                format!("{} refused our access", provider.name())
            }
            PmError::RateLimited { provider, .. } => {
                format!("{} asked us to slow down", provider.name())
            }
            PmError::CursorExpired { provider } => {
                format!("listing {} took longer than it allows", provider.name())
            }
            PmError::Api { provider, .. } => {
                format!("{} sent an answer we could not use", provider.name())
            }
            PmError::Paging { provider, detail } => {
                format!("{}: pagination stopped: {detail}", provider.name())
            }
            PmError::Db(_) | PmError::Other(_) => "an error on our side".into(),
        }
    }

    /// What the business reads about a failed sync (`integrations.last_error`): what went wrong
    /// (`what_went_wrong`) and what happens next.
    pub fn for_owner(&self) -> String {
        let cause = self.what_went_wrong();
        match self {
            // Also a 401 outside the refresh-and-retry (a webhook call): say what to do if it
            // lasts, not that the grant is certainly dead.
            PmError::Unauthorized { .. } => format!("{cause}; if this goes on, connect it again"),
            PmError::RateLimited { .. } | PmError::Api { .. } => {
                format!("{cause}; the next sync tries again")
            }
            PmError::CursorExpired { .. } => format!("{cause}; the next sync starts again"),
            PmError::Db(_) | PmError::Other(_) => {
                "the sync failed on our side; the next sync tries again".into()
            }
            PmError::Http(_) | PmError::Status { .. } | PmError::Paging { .. } => cause,
        }
    }
}

/// The seed's provider interface. Every method takes what it needs explicitly; pagination is one
/// page per call so the sync engine owns the loop, its guards and the bulk upserts.
#[async_trait::async_trait]
pub trait ProjectManagementProvider: Send + Sync {
    fn provider(&self) -> Provider;
    /// OAuth endpoints, scopes and whether PKCE is used.
    fn oauth(&self) -> &oauth::OAuthApp;
    /// The shared client for this vendor (a connection takes it with its own breaker).
    fn http(&self) -> &HttpClient;
    /// After the code exchange: the tenant the token reaches.
    async fn discover_tenant(&self, access_token: &SecretString) -> Result<Tenant, PmError>;
    /// One page of the tenant's projects.
    async fn projects_page(
        &self,
        conn: &Connection,
        page: Option<String>,
    ) -> Result<Page<NormalizedProject>, PmError>;
    /// One page of a project's tasks; only those changed since `since` when it is given.
    async fn tasks_page(
        &self,
        conn: &Connection,
        project_id: &str,
        since: Option<DateTime<Utc>>,
        page: Option<String>,
    ) -> Result<Page<NormalizedTask>, PmError>;
    /// A task's current state, or None when it no longer exists (webhooks only name items).
    async fn fetch_task(
        &self,
        conn: &Connection,
        task_id: &str,
    ) -> Result<Option<NormalizedTask>, PmError>;
    /// Makes the provider's webhooks cover `project_ids`: registers missing ones, refreshes
    /// expiring ones, recreates ones the provider deleted.
    async fn reconcile_webhooks(
        &self,
        conn: &Connection,
        project_ids: &[String],
        existing: &[WebhookRow],
        ledger: &dyn WebhookLedger,
    ) -> Result<WebhookReport, PmError>;
    /// Deletes the given registrations at the provider (integration removal).
    async fn remove_webhooks(
        &self,
        conn: &Connection,
        existing: &[WebhookRow],
    ) -> Result<usize, PmError>;
    /// Revokes the grant where the provider supports it; false where it cannot.
    async fn revoke(&self, _refresh_token: &SecretString) -> Result<bool, PmError> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_sync_reads_what_went_wrong_never_the_detail() {
        let api = PmError::api(Provider::Monday, "ComplexityException: budget exhausted");
        assert_eq!(
            api.for_owner(),
            "monday.com sent an answer we could not use; the next sync tries again"
        );
        let status = PmError::Status {
            provider: Provider::Asana,
            status: http::StatusCode::BAD_GATEWAY,
            body: "<html>upstream trace</html>".into(),
        };
        assert_eq!(status.for_owner(), "Asana answered 502 Bad Gateway");
        let refresh = PmError::Other(
            "jira token refresh failed: https://auth.atlassian.com/oauth/token: HTTP 500".into(),
        );
        assert_eq!(
            refresh.for_owner(),
            "the sync failed on our side; the next sync tries again"
        );
        // Without the sync's next step, for the disconnect route's warnings.
        assert_eq!(
            api.what_went_wrong(),
            "monday.com sent an answer we could not use"
        );
        assert_eq!(refresh.what_went_wrong(), "an error on our side");
        let refused = PmError::Unauthorized {
            provider: Provider::Jira,
            detail: "HTTP 401: {\"message\":\"token revoked\"}".into(),
        };
        assert!(!refused.for_owner().contains("revoked"));
    }

    #[test]
    fn labels_read_as_a_person_would() {
        for (label, status) in [
            ("Done", WorkStatus::Done),
            ("Completed", WorkStatus::Done),
            ("", WorkStatus::Todo),
            ("To Do", WorkStatus::Todo),
            ("Not Started", WorkStatus::Todo),
            ("Working on it", WorkStatus::InProgress),
            ("Stuck", WorkStatus::InProgress),
            ("In Review", WorkStatus::InProgress),
            ("Donegal office", WorkStatus::InProgress),
        ] {
            assert_eq!(WorkStatus::from_label(label), status, "{label:?}");
        }
    }
}

/// Compile-time guard: the handlers' futures must be `Send` for any borrow (the Lambda runtime and
/// the gateway spawn them); a closure in the OAuth bridge once broke this far from its cause.
#[allow(dead_code)]
mod send_checks {
    use super::*;
    fn s<T: Send>(_: T) {}
    fn a<'x>(app: &'x oauth::OAuthApp, http: &'x HttpClient) {
        s(app.exchange_code(http, "c", None));
    }
    fn b<'x>(app: &'x oauth::OAuthApp, http: &'x HttpClient, t: &'x SecretString) {
        s(app.refresh(http, t));
    }
    fn c<'x>(t: &'x store::Tokens, r: &'x store::IntegrationRow) {
        s(t.access_token(r, false));
    }
    fn d<'x>(p: &'x sqlx::PgPool, c: &'x Connection, x: &'x [NormalizedTask]) {
        s(store::upsert_tasks(p, c, Provider::Jira, x, Utc::now()));
    }
}
