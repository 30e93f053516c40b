//! Jira Cloud over OAuth 2.0 (3LO): wire types, normalisation, the REST v3 client through
//! `api.atlassian.com/ex/jira/{cloudid}`, dynamic webhooks (30-day expiry, refreshed and
//! reconciled) and the verification of their deliveries (HS256 JWT signed with the client secret).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::oauth::OAuthApp;
use super::page_token;
use super::{
    Connection, CreatedWebhook, NormalizedProject, NormalizedTask, Page, PmError,
    ProjectManagementProvider, Provider, PublicUrls, Tenant, WebhookLedger, WebhookReport,
    WebhookRow, WorkStatus, check_status, parse_date, parse_instant, read_json, register_webhook,
};
use crate::http_client::HttpClient;

pub const AUTH_URL: &str = "https://auth.atlassian.com";
pub const API_URL: &str = "https://api.atlassian.com";
const P: Provider = Provider::Jira;
const SCOPES: &[&str] = &[
    "read:jira-work",
    "read:jira-user",
    "manage:jira-webhook",
    "offline_access",
];
/// Without an explicit list, search/jql returns only ids.
const ISSUE_FIELDS: &str = "summary,status,assignee,duedate,updated,project";
const EVENTS: &[&str] = &[
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
];
/// Jira's webhooks live 30 days; refreshed when fewer than this many remain.
pub const REFRESH_WITHIN: chrono::Duration = chrono::Duration::days(7);
const LIFETIME: chrono::Duration = chrono::Duration::days(30);
/// `updated >= -Nm` has minute granularity: overlap so an edit in the boundary minute is not lost.
const INCREMENTAL_OVERLAP_MINUTES: i64 = 2;

mod delivery;

pub use delivery::{DeliveredIssue, Delivery, verify_delivery};

#[derive(Debug, Clone)]
pub struct JiraEndpoints {
    pub auth: String,
    pub api: String,
}

pub struct Jira {
    endpoints: JiraEndpoints,
    oauth: OAuthApp,
    urls: PublicUrls,
    http: HttpClient,
}

impl Jira {
    pub fn new(
        endpoints: JiraEndpoints,
        client_id: String,
        client_secret: SecretString,
        urls: PublicUrls,
        http: HttpClient,
    ) -> Self {
        let oauth = OAuthApp {
            provider: P,
            client_id,
            client_secret,
            authorize_url: format!("{}/authorize", endpoints.auth),
            token_url: format!("{}/oauth/token", endpoints.auth),
            redirect_uri: urls.redirect_uri(P),
            scopes: SCOPES,
            extra_params: &[("audience", "api.atlassian.com"), ("prompt", "consent")],
            pkce: false,
        };
        Self {
            endpoints,
            oauth,
            urls,
            http,
        }
    }

    fn base(&self, conn: &Connection) -> String {
        format!(
            "{}/ex/jira/{}/rest/api/3",
            self.endpoints.api, conn.tenant.external_id
        )
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        conn: &Connection,
        url: String,
        query: &[(&str, String)],
    ) -> Result<T, PmError> {
        let request = conn
            .http
            .request(reqwest::Method::GET, url)
            .bearer_auth(conn.access_token.expose_secret())
            .query(query);
        read_json(P, conn.http.send(request).await?).await
    }

    async fn list_webhooks(&self, conn: &Connection) -> Result<Vec<RegisteredWebhook>, PmError> {
        let mut all = Vec::new();
        let mut start_at = 0usize;
        loop {
            let page: WebhookList = self
                .get(
                    conn,
                    format!("{}/webhook", self.base(conn)),
                    &[
                        ("startAt", start_at.to_string()),
                        ("maxResults", "100".into()),
                    ],
                )
                .await?;
            let n = page.values.len();
            all.extend(page.values);
            if page.is_last.unwrap_or(true) || n == 0 {
                return Ok(all);
            }
            start_at += n;
        }
    }

    async fn delete_webhooks(&self, conn: &Connection, ids: &[i64]) -> Result<(), PmError> {
        if ids.is_empty() {
            return Ok(());
        }
        let request = conn
            .http
            .request(
                reqwest::Method::DELETE,
                format!("{}/webhook", self.base(conn)),
            )
            .bearer_auth(conn.access_token.expose_secret())
            .json(&json!({ "webhookIds": ids }));
        check_status(P, conn.http.send(request).await?).await?;
        Ok(())
    }
}

// ------------------------------------------------------------------------------- wire types

#[derive(Debug, Deserialize)]
pub struct AccessibleResource {
    pub id: String,
    pub url: String,
    pub name: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectSearch {
    #[serde(default)]
    values: Vec<Value>,
    start_at: Option<usize>,
    is_last: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueSearch {
    #[serde(default)]
    issues: Vec<Value>,
    next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookList {
    #[serde(default)]
    values: Vec<RegisteredWebhook>,
    is_last: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisteredWebhook {
    id: i64,
    expiration_date: Option<Value>,
}

/// Jira documents `expirationDate` as a date string and its OpenAPI as epoch milliseconds: both.
fn expiration(value: Option<&Value>) -> Option<DateTime<Utc>> {
    match value? {
        Value::Number(n) => DateTime::from_timestamp_millis(n.as_i64()?),
        Value::String(s) => parse_instant(s).or_else(|| {
            s.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
        }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------- normalisation

/// The status category is what Jira guarantees across workflows; the status name is kept as
/// `provider_status`.
fn status_of(fields: &Value) -> (WorkStatus, String) {
    let name = fields["status"]["name"].as_str().unwrap_or("").to_owned();
    let status = match fields["status"]["statusCategory"]["key"].as_str() {
        Some("done") => WorkStatus::Done,
        Some("indeterminate") => WorkStatus::InProgress,
        Some("new") => WorkStatus::Todo,
        _ => WorkStatus::from_label(&name),
    };
    (status, name)
}

/// Links point at the site (`{site}/browse/KEY`), never at the API's `self`.
fn browse_url(site_url: Option<&str>, key: &str) -> Option<String> {
    site_url.map(|s| format!("{}/browse/{key}", s.trim_end_matches('/')))
}

pub fn normalize_issue(issue: Value, site_url: Option<&str>) -> Option<NormalizedTask> {
    let fields = &issue["fields"];
    let external_id = issue["id"].as_str()?.to_owned();
    let key = issue["key"].as_str().unwrap_or(&external_id).to_owned();
    let project_external_id = fields["project"]["id"].as_str()?.to_owned();
    let (status, provider_status) = status_of(fields);
    Some(NormalizedTask {
        project_external_id,
        name: fields["summary"].as_str().unwrap_or(&key).to_owned(),
        status,
        provider_status,
        due_date: fields["duedate"].as_str().and_then(parse_date),
        assignee: fields["assignee"]["displayName"]
            .as_str()
            .map(str::to_owned),
        url: browse_url(site_url, &key),
        updated_at: fields["updated"].as_str().and_then(parse_instant),
        external_id,
        raw: issue,
    })
}

pub fn normalize_project(project: Value, site_url: Option<&str>) -> Option<NormalizedProject> {
    let external_id = project["id"].as_str()?.to_owned();
    let key = project["key"].as_str().unwrap_or(&external_id).to_owned();
    let archived = project["archived"].as_bool().unwrap_or(false);
    Some(NormalizedProject {
        name: project["name"].as_str().unwrap_or(&key).to_owned(),
        status: if archived {
            WorkStatus::Done
        } else {
            WorkStatus::InProgress
        },
        provider_status: if archived { "archived" } else { "" }.to_owned(),
        due_date: None,
        assignee: project["lead"]["displayName"].as_str().map(str::to_owned),
        url: site_url.map(|s| format!("{}/browse/{key}", s.trim_end_matches('/'))),
        updated_at: None,
        external_id,
        raw: project,
    })
}

/// The JQL for one project's issues, bounded as search/jql requires and oldest change first so a
/// long listing is stable while issues are edited.
fn issues_jql(project_id: &str, window_minutes: Option<i64>) -> String {
    let project = project_id.replace('"', "");
    match window_minutes {
        // Relative minutes avoid JQL's user-timezone date parsing.
        Some(minutes) => {
            format!("project = \"{project}\" AND updated >= \"-{minutes}m\" ORDER BY updated ASC")
        }
        None => format!("project = \"{project}\" ORDER BY updated ASC"),
    }
}

/// How far back an incremental listing looks, fixed at its first page.
fn window_minutes(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - since).num_minutes().max(0) + INCREMENTAL_OVERLAP_MINUTES
}

/// The webhook filter: the supported JQL subset (`project IN (...)`).
fn webhook_jql(project_ids: &[String]) -> String {
    let mut ids: Vec<&str> = project_ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    format!("project IN ({})", ids.join(", "))
}

// ------------------------------------------------------------------------------- the client

#[async_trait::async_trait]
impl ProjectManagementProvider for Jira {
    fn provider(&self) -> Provider {
        P
    }

    fn oauth(&self) -> &OAuthApp {
        &self.oauth
    }

    fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn discover_tenant(&self, access_token: &SecretString) -> Result<Tenant, PmError> {
        let request = self
            .http
            .request(
                reqwest::Method::GET,
                format!("{}/oauth/token/accessible-resources", self.endpoints.api),
            )
            .bearer_auth(access_token.expose_secret());
        let sites: Vec<AccessibleResource> = read_json(P, self.http.send(request).await?).await?;
        // A grant may reach several sites; the first one the grant can read Jira work on is the
        // business's (one integration per provider and business).
        let site = sites
            .into_iter()
            .find(|s| s.scopes.is_empty() || s.scopes.iter().any(|x| x == "read:jira-work"))
            .ok_or_else(|| PmError::api(P, "the grant reaches no Jira site"))?;
        Ok(Tenant {
            external_id: site.id,
            name: site.name,
            site_url: Some(site.url.trim_end_matches('/').to_owned()),
        })
    }

    async fn projects_page(
        &self,
        conn: &Connection,
        page: Option<String>,
    ) -> Result<Page<NormalizedProject>, PmError> {
        let start_at: usize = page.as_deref().unwrap_or("0").parse().unwrap_or(0);
        let found: ProjectSearch = self
            .get(
                conn,
                format!("{}/project/search", self.base(conn)),
                &[
                    ("startAt", start_at.to_string()),
                    ("maxResults", "100".into()),
                ],
            )
            .await?;
        let n = found.values.len();
        let next = match found.is_last {
            Some(false) if n > 0 => Some((found.start_at.unwrap_or(start_at) + n).to_string()),
            _ => None,
        };
        let site = conn.tenant.site_url.as_deref();
        Ok(Page {
            items: found
                .values
                .into_iter()
                .filter_map(|p| normalize_project(p, site))
                .collect(),
            next,
        })
    }

    async fn tasks_page(
        &self,
        conn: &Connection,
        project_id: &str,
        since: Option<DateTime<Utc>>,
        page: Option<String>,
    ) -> Result<Page<NormalizedTask>, PmError> {
        let (window, next) = match page.as_deref() {
            Some(token) => {
                let (window, next) = page_token::read_windowed(token);
                (window, Some(next.to_owned()))
            }
            None => (since.map(|s| window_minutes(s, Utc::now())), None),
        };
        let mut query = vec![
            ("jql", issues_jql(project_id, window)),
            ("fields", ISSUE_FIELDS.to_owned()),
            ("maxResults", "100".to_owned()),
        ];
        if let Some(token) = next {
            query.push(("nextPageToken", token));
        }
        let found: IssueSearch = self
            .get(conn, format!("{}/search/jql", self.base(conn)), &query)
            .await?;
        let site = conn.tenant.site_url.as_deref();
        Ok(Page {
            items: found
                .issues
                .into_iter()
                .filter_map(|i| normalize_issue(i, site))
                .collect(),
            next: found
                .next_page_token
                .filter(|t| !t.is_empty())
                .map(|t| page_token::windowed(window, &t)),
        })
    }

    async fn fetch_task(
        &self,
        conn: &Connection,
        task_id: &str,
    ) -> Result<Option<NormalizedTask>, PmError> {
        let request = conn
            .http
            .request(
                reqwest::Method::GET,
                format!("{}/issue/{}", self.base(conn), urlencode(task_id)),
            )
            .bearer_auth(conn.access_token.expose_secret())
            .query(&[("fields", ISSUE_FIELDS)]);
        let response = conn.http.send(request).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let issue: Value = read_json(P, response).await?;
        // Only a 404 means gone; an issue we cannot read is an error, never a deletion.
        normalize_issue(issue, conn.tenant.site_url.as_deref())
            .map(Some)
            .ok_or_else(|| PmError::api(P, "issue without an id or project"))
    }

    async fn reconcile_webhooks(
        &self,
        conn: &Connection,
        project_ids: &[String],
        existing: &[WebhookRow],
        ledger: &dyn WebhookLedger,
    ) -> Result<WebhookReport, PmError> {
        let mut report = WebhookReport::default();
        // Refresh ignores unknown ids silently: what the provider still has is read first.
        let live: Vec<RegisteredWebhook> = self.list_webhooks(conn).await?;
        let live_ids: HashSet<i64> = live.iter().map(|w| w.id).collect();
        let wanted = (!project_ids.is_empty()).then(|| webhook_jql(project_ids));
        let mut kept: Option<(&WebhookRow, i64)> = None;
        let mut obsolete = Vec::new();
        for row in existing {
            let id = row
                .external_webhook_id
                .as_deref()
                .and_then(|s| s.parse::<i64>().ok());
            match id {
                Some(id)
                    if live_ids.contains(&id)
                        && Some(&row.resource_id) == wanted.as_ref()
                        && kept.is_none() =>
                {
                    kept = Some((row, id))
                }
                Some(id) if live_ids.contains(&id) => {
                    // The project set changed (or a duplicate): a filter cannot be edited.
                    obsolete.push(id);
                    ledger.forget(row.id).await?;
                    report.removed += 1;
                }
                _ => {
                    ledger.forget(row.id).await?;
                    report.removed += 1;
                }
            }
        }
        self.delete_webhooks(conn, &obsolete).await?;
        match (kept, wanted) {
            (Some((row, id)), Some(_)) => {
                let due = row
                    .expires_at
                    .or_else(|| {
                        live.iter()
                            .find(|w| w.id == id)
                            .and_then(|w| expiration(w.expiration_date.as_ref()))
                    })
                    .is_none_or(|e| e - Utc::now() < REFRESH_WITHIN);
                if due {
                    let request = conn
                        .http
                        .request(
                            reqwest::Method::PUT,
                            format!("{}/webhook/refresh", self.base(conn)),
                        )
                        .bearer_auth(conn.access_token.expose_secret())
                        .json(&json!({ "webhookIds": [id] }));
                    let body: Value = read_json(P, conn.http.send(request).await?).await?;
                    let expires = expiration(body.get("expirationDate"))
                        .unwrap_or_else(|| Utc::now() + LIFETIME);
                    ledger.extended(row.id, expires).await?;
                    report.refreshed += 1;
                }
            }
            (None, Some(jql)) => {
                let request = conn
                    .http
                    .request(
                        reqwest::Method::POST,
                        format!("{}/webhook", self.base(conn)),
                    )
                    .bearer_auth(conn.access_token.expose_secret())
                    .json(&json!({
                        "url": self.urls.webhook_target(P, None),
                        "webhooks": [{ "events": EVENTS, "jqlFilter": jql }],
                    }));
                register_webhook(ledger, &jql, std::time::Duration::ZERO, |_| async {
                    let body: Value = read_json(P, conn.http.send(request).await?).await?;
                    let first = &body["webhookRegistrationResult"][0];
                    let id = first["createdWebhookId"].as_i64().ok_or_else(|| {
                        PmError::api(P, format!("webhook not registered: {}", first["errors"]))
                    })?;
                    Ok(CreatedWebhook {
                        id: id.to_string(),
                        expires_at: Some(Utc::now() + LIFETIME),
                        secret: None,
                    })
                })
                .await?;
                report.created += 1;
            }
            (_, None) => {}
        }
        Ok(report)
    }

    async fn remove_webhooks(
        &self,
        conn: &Connection,
        existing: &[WebhookRow],
    ) -> Result<usize, PmError> {
        let ids: Vec<i64> = existing
            .iter()
            .filter_map(|r| r.external_webhook_id.as_deref()?.parse().ok())
            .collect();
        self.delete_webhooks(conn, &ids).await?;
        Ok(ids.len())
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_jql_is_relative_with_overlap_and_bounded() {
        let now = Utc::now();
        assert_eq!(
            issues_jql(
                "10000",
                Some(window_minutes(now - chrono::Duration::minutes(60), now))
            ),
            "project = \"10000\" AND updated >= \"-62m\" ORDER BY updated ASC"
        );
        assert_eq!(
            issues_jql("1\"0", None),
            "project = \"10\" ORDER BY updated ASC"
        );
        assert_eq!(
            webhook_jql(&["10001".into(), "10000".into()]),
            "project IN (10000, 10001)"
        );
    }

    #[test]
    fn expiration_dates_read_in_both_documented_forms() {
        let s = expiration(Some(&json!("2026-12-20T10:00:00.000+0000"))).unwrap();
        let n = expiration(Some(&json!(s.timestamp_millis()))).unwrap();
        assert_eq!(s, n);
        assert_eq!(expiration(None), None);
    }
}
