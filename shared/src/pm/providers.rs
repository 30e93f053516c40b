//! The providers this deployment offers (a client id configured for each), and where our own
//! endpoints are as the providers must be told.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::{ProjectManagementProvider, Provider, asana, jira, monday};
use crate::config::Env;
use crate::http_client::{HttpClient, HttpPolicy};
use crate::secrets::Secrets;

/// The configured providers. A provider whose client id is not configured is absent: connecting
/// it is refused with a clear error.
#[derive(Clone, Default)]
pub struct PmProviders {
    providers: HashMap<Provider, Arc<dyn ProjectManagementProvider>>,
}

/// Where our own endpoints are, as the providers must be told (redirect URI, webhook targets).
#[derive(Debug, Clone)]
pub struct PublicUrls {
    /// e.g. https://api.example.com (no trailing slash): webhook targets.
    pub api_base: String,
    /// Where the browser reaches the API (no trailing slash): the dashboard's origin, whose
    /// `/api/*` is the API. The OAuth callback must come back there, where the connect route
    /// set its host-only binding cookie.
    pub browser_base: String,
}

impl PublicUrls {
    pub fn redirect_uri(&self, provider: Provider) -> String {
        format!("{}/api/integrations/{provider}/callback", self.browser_base)
    }

    pub fn webhook_target(&self, provider: Provider, integration_id: Option<Uuid>) -> String {
        match integration_id {
            Some(id) => format!("{}/api/webhooks/{provider}/{id}", self.api_base),
            None => format!("{}/api/webhooks/{provider}", self.api_base),
        }
    }
}

/// The variable naming a provider's OAuth client id; a provider without one is not offered.
fn client_id_variable(provider: Provider) -> &'static str {
    match provider {
        Provider::Jira => "JIRA_CLIENT_ID",
        Provider::Asana => "ASANA_CLIENT_ID",
        Provider::Monday => "MONDAY_CLIENT_ID",
    }
}

/// The client policy for PM APIs: patient with rate limits (workers, not callers, wait).
pub fn pm_http_policy() -> HttpPolicy {
    HttpPolicy {
        request_timeout: Duration::from_secs(30),
        max_retries: 4,
        max_retry_after: Duration::from_secs(30),
        ..HttpPolicy::default()
    }
}

impl PmProviders {
    pub fn new(providers: Vec<Arc<dyn ProjectManagementProvider>>) -> Self {
        Self {
            providers: providers.into_iter().map(|p| (p.provider(), p)).collect(),
        }
    }

    /// Builds every provider whose `<PROVIDER>_CLIENT_ID` is set. Base URLs default to the vendors'
    /// and are overridden (`JIRA_AUTH_URL`, `JIRA_API_URL`, `ASANA_URL`, `MONDAY_AUTH_URL`,
    /// `MONDAY_API_URL`) only to point at fakes.
    /// The providers this deployment offers: those whose `<PROVIDER>_CLIENT_ID` is set (no secret
    /// is needed to know that).
    pub fn offered(env: &Env<impl Fn(&str) -> Option<String>>) -> Vec<Provider> {
        Provider::ALL
            .into_iter()
            .filter(|p| env.optional(client_id_variable(*p)).is_some())
            .collect()
    }

    /// `dashboard_url` is where the browser reaches the OAuth callback (`Platform`); without it
    /// (functions that never build a redirect) the API's own URL stands in.
    pub fn from_env(
        env: &Env<impl Fn(&str) -> Option<String>>,
        secrets: &Secrets,
        dashboard_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        let api_base = env
            .optional("PUBLIC_API_BASE_URL")
            .unwrap_or_else(|| "http://127.0.0.1:3000".into())
            .trim_end_matches('/')
            .to_owned();
        // The dashboard calls the connect route through its own origin (CloudFront's /api/*).
        // Already without its trailing slash (`config::checked_dashboard_url`).
        let browser_base = dashboard_url.map_or_else(|| api_base.clone(), str::to_owned);
        let urls = PublicUrls {
            api_base,
            browser_base,
        };
        // Every granted app secret is read (and so checked) at each cold start, whether or not
        // its provider is enabled here.
        let jira_secret = secrets.jira_client_secret()?;
        let asana_secret = secrets.asana_client_secret()?;
        let monday_secret = secrets.monday_client_secret()?;
        let mut providers: Vec<Arc<dyn ProjectManagementProvider>> = Vec::new();
        if let Some(client_id) = env.optional(client_id_variable(Provider::Jira)) {
            providers.push(Arc::new(jira::Jira::new(
                jira::JiraEndpoints {
                    auth: env
                        .optional("JIRA_AUTH_URL")
                        .unwrap_or_else(|| jira::AUTH_URL.into()),
                    api: env
                        .optional("JIRA_API_URL")
                        .unwrap_or_else(|| jira::API_URL.into()),
                },
                client_id,
                jira_secret,
                urls.clone(),
                HttpClient::new("jira", pm_http_policy())?,
            )));
        }
        if let Some(client_id) = env.optional(client_id_variable(Provider::Asana)) {
            providers.push(Arc::new(asana::Asana::new(
                env.optional("ASANA_URL")
                    .unwrap_or_else(|| asana::BASE_URL.into()),
                client_id,
                asana_secret,
                urls.clone(),
                HttpClient::new("asana", pm_http_policy())?,
            )));
        }
        if let Some(client_id) = env.optional(client_id_variable(Provider::Monday)) {
            providers.push(Arc::new(monday::Monday::new(
                monday::MondayEndpoints {
                    auth: env
                        .optional("MONDAY_AUTH_URL")
                        .unwrap_or_else(|| monday::AUTH_URL.into()),
                    api: env
                        .optional("MONDAY_API_URL")
                        .unwrap_or_else(|| monday::API_URL.into()),
                },
                client_id,
                monday_secret,
                urls.clone(),
                HttpClient::new("monday", pm_http_policy())?,
            )));
        }
        Ok(Self::new(providers))
    }

    pub fn get(&self, provider: Provider) -> Option<&Arc<dyn ProjectManagementProvider>> {
        self.providers.get(&provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_is_offered_when_its_client_id_is_set() {
        let env = Env(|name: &str| (name == "ASANA_CLIENT_ID").then(|| "asana-client".to_owned()));
        assert_eq!(PmProviders::offered(&env), [Provider::Asana]);
        let none = Env(|name: &str| (name == "JIRA_CLIENT_ID").then(String::new));
        assert_eq!(
            PmProviders::offered(&none),
            [],
            "an empty client id is not set"
        );
    }
}
