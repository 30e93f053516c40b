//! Asana: wire types, normalisation, the REST client (offset paging, `opt_fields` always named,
//! `modified_since` for incremental syncs), per-project webhooks whose target carries our ids, and
//! the verification of deliveries (`X-Hook-Signature`, HMAC-SHA256 of the raw body).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

use super::oauth::OAuthApp;
use super::{
    Connection, CreatedWebhook, NormalizedProject, NormalizedTask, Page, PmError,
    ProjectManagementProvider, Provider, PublicUrls, Tenant, WebhookLedger, WebhookReport,
    WebhookRow, WorkStatus, check_status, parse_date, parse_instant, read_json, register_webhook,
};
use crate::http_client::HttpClient;

pub const BASE_URL: &str = "https://app.asana.com";
const P: Provider = Provider::Asana;
const SCOPES: &[&str] = &[
    "workspaces:read",
    "projects:read",
    "tasks:read",
    "users:read",
    "webhooks:read",
    "webhooks:write",
    "webhooks:delete",
];
const PROJECT_FIELDS: &str = "name,archived,completed,completed_at,due_on,owner.name,permalink_url,modified_at,current_status_update.status_type";
const TASK_FIELDS: &str = "name,completed,completed_at,due_on,due_at,assignee.name,modified_at,permalink_url,memberships.section.name,memberships.project.gid";
/// How long a handshake for a webhook we are creating is accepted.
const HANDSHAKE_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

pub struct Asana {
    base: String,
    oauth: OAuthApp,
    urls: PublicUrls,
    http: HttpClient,
}

impl Asana {
    pub fn new(
        base: String,
        client_id: String,
        client_secret: SecretString,
        urls: PublicUrls,
        http: HttpClient,
    ) -> Self {
        let oauth = OAuthApp {
            provider: P,
            client_id,
            client_secret,
            authorize_url: format!("{base}/-/oauth_authorize"),
            token_url: format!("{base}/-/oauth_token"),
            redirect_uri: urls.redirect_uri(P),
            scopes: SCOPES,
            extra_params: &[],
            pkce: true,
        };
        Self {
            base,
            oauth,
            urls,
            http,
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/1.0{path}", self.base)
    }

    async fn get_list(
        &self,
        http: &HttpClient,
        token: &SecretString,
        path: &str,
        query: &[(&str, String)],
        offset: Option<String>,
    ) -> Result<List, PmError> {
        let mut request = http
            .request(reqwest::Method::GET, self.api(path))
            .bearer_auth(token.expose_secret())
            .query(query)
            .query(&[("limit", "100")]);
        if let Some(offset) = offset {
            request = request.query(&[("offset", offset)]);
        }
        read_json(P, http.send(request).await?).await
    }

    /// Every webhook of the workspace, by the resource it watches.
    async fn live_webhooks(&self, conn: &Connection) -> Result<HashMap<String, String>, PmError> {
        let mut live = HashMap::new();
        let mut offset = None;
        let mut seen = HashSet::new();
        loop {
            let page = self
                .get_list(
                    &conn.http,
                    &conn.access_token,
                    "/webhooks",
                    &[
                        ("workspace", conn.tenant.external_id.clone()),
                        ("opt_fields", "resource.gid,target,active".into()),
                    ],
                    offset,
                )
                .await?;
            for hook in page.data {
                if let (Some(gid), Some(resource)) =
                    (hook["gid"].as_str(), hook["resource"]["gid"].as_str())
                {
                    live.insert(gid.to_owned(), resource.to_owned());
                }
            }
            offset = page.next_page.and_then(|p| p.offset);
            match &offset {
                Some(o) if seen.insert(o.clone()) => {}
                _ => return Ok(live),
            }
        }
    }

    async fn delete_webhook(&self, conn: &Connection, gid: &str) -> Result<(), PmError> {
        let request = conn
            .http
            .request(
                reqwest::Method::DELETE,
                self.api(&format!("/webhooks/{gid}")),
            )
            .bearer_auth(conn.access_token.expose_secret());
        let response = conn.http.send(request).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        check_status(P, response).await.map(|_| ())
    }
}

// ------------------------------------------------------------------------------- wire types

#[derive(Debug, Deserialize)]
struct List {
    #[serde(default)]
    data: Vec<Value>,
    next_page: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
struct NextPage {
    offset: Option<String>,
}

#[derive(Debug, Deserialize)]
struct One {
    data: Value,
}

// ---------------------------------------------------------------------------- normalisation

pub fn normalize_project(project: Value) -> Option<NormalizedProject> {
    let external_id = project["gid"].as_str()?.to_owned();
    let done = project["completed"].as_bool().unwrap_or(false)
        || project["archived"].as_bool().unwrap_or(false);
    Some(NormalizedProject {
        name: project["name"].as_str().unwrap_or("").to_owned(),
        status: if done {
            WorkStatus::Done
        } else {
            WorkStatus::InProgress
        },
        provider_status: project["current_status_update"]["status_type"]
            .as_str()
            .unwrap_or(if done { "completed" } else { "" })
            .to_owned(),
        due_date: project["due_on"].as_str().and_then(parse_date),
        assignee: project["owner"]["name"].as_str().map(str::to_owned),
        url: project["permalink_url"].as_str().map(str::to_owned),
        updated_at: project["modified_at"].as_str().and_then(parse_instant),
        external_id,
        raw: project,
    })
}

/// A task as listed under `project_id` (its section there names its stage) or, fetched alone,
/// under its first project.
pub fn normalize_task(task: Value, project_id: Option<&str>) -> Option<NormalizedTask> {
    let external_id = task["gid"].as_str()?.to_owned();
    let memberships = task["memberships"].as_array().cloned().unwrap_or_default();
    let membership = memberships
        .iter()
        .find(|m| project_id.is_some() && m["project"]["gid"].as_str() == project_id)
        .or_else(|| memberships.first());
    let project_external_id = project_id
        .map(str::to_owned)
        .or_else(|| membership?["project"]["gid"].as_str().map(str::to_owned))?;
    let section = membership
        .and_then(|m| m["section"]["name"].as_str())
        .unwrap_or("")
        .to_owned();
    let completed = task["completed"].as_bool().unwrap_or(false);
    let (status, provider_status) = if completed {
        (WorkStatus::Done, "completed".to_owned())
    } else {
        // A section named "Done" with the task not ticked off is still not finished.
        let s = WorkStatus::from_label(&section);
        (
            if s == WorkStatus::Done {
                WorkStatus::InProgress
            } else {
                s
            },
            section,
        )
    };
    Some(NormalizedTask {
        project_external_id,
        name: task["name"].as_str().unwrap_or("").to_owned(),
        status,
        provider_status,
        due_date: task["due_on"]
            .as_str()
            .or_else(|| task["due_at"].as_str())
            .and_then(parse_date),
        assignee: task["assignee"]["name"].as_str().map(str::to_owned),
        url: task["permalink_url"].as_str().map(str::to_owned),
        updated_at: task["modified_at"].as_str().and_then(parse_instant),
        external_id,
        raw: task,
    })
}

// ------------------------------------------------------------------------------- the client

#[async_trait::async_trait]
impl ProjectManagementProvider for Asana {
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
        let page = self
            .get_list(
                &self.http,
                access_token,
                "/workspaces",
                &[("opt_fields", "name".into())],
                None,
            )
            .await?;
        let first = page
            .data
            .into_iter()
            .next()
            .ok_or_else(|| PmError::api(P, "the grant reaches no workspace"))?;
        Ok(Tenant {
            external_id: first["gid"]
                .as_str()
                .ok_or_else(|| PmError::api(P, "workspace without a gid"))?
                .to_owned(),
            name: first["name"].as_str().map(str::to_owned),
            site_url: None,
        })
    }

    async fn projects_page(
        &self,
        conn: &Connection,
        page: Option<String>,
    ) -> Result<Page<NormalizedProject>, PmError> {
        let list = self
            .get_list(
                &conn.http,
                &conn.access_token,
                &format!("/workspaces/{}/projects", conn.tenant.external_id),
                &[
                    ("archived", "false".into()),
                    ("opt_fields", PROJECT_FIELDS.into()),
                ],
                page,
            )
            .await?;
        Ok(Page {
            items: list
                .data
                .into_iter()
                .filter_map(normalize_project)
                .collect(),
            next: list.next_page.and_then(|p| p.offset),
        })
    }

    async fn tasks_page(
        &self,
        conn: &Connection,
        project_id: &str,
        since: Option<DateTime<Utc>>,
        page: Option<String>,
    ) -> Result<Page<NormalizedTask>, PmError> {
        let list = match since {
            None => {
                self.get_list(
                    &conn.http,
                    &conn.access_token,
                    &format!("/projects/{project_id}/tasks"),
                    &[("opt_fields", TASK_FIELDS.into())],
                    page,
                )
                .await?
            }
            Some(since) => {
                self.get_list(
                    &conn.http,
                    &conn.access_token,
                    "/tasks",
                    &[
                        ("project", project_id.to_owned()),
                        (
                            "modified_since",
                            since.to_rfc3339_opts(SecondsFormat::Secs, true),
                        ),
                        ("opt_fields", TASK_FIELDS.into()),
                    ],
                    page,
                )
                .await?
            }
        };
        Ok(Page {
            items: list
                .data
                .into_iter()
                .filter_map(|t| normalize_task(t, Some(project_id)))
                .collect(),
            next: list.next_page.and_then(|p| p.offset),
        })
    }

    async fn fetch_task(
        &self,
        conn: &Connection,
        task_id: &str,
    ) -> Result<Option<NormalizedTask>, PmError> {
        let request = conn
            .http
            .request(reqwest::Method::GET, self.api(&format!("/tasks/{task_id}")))
            .bearer_auth(conn.access_token.expose_secret())
            .query(&[("opt_fields", TASK_FIELDS)]);
        let response = conn.http.send(request).await?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let one: One = read_json(P, response).await?;
        // Only a 404 means gone; a task we cannot place is an error, never a deletion.
        normalize_task(one.data, None)
            .map(Some)
            .ok_or_else(|| PmError::api(P, "task without a gid or project"))
    }

    async fn reconcile_webhooks(
        &self,
        conn: &Connection,
        project_ids: &[String],
        existing: &[WebhookRow],
        ledger: &dyn WebhookLedger,
    ) -> Result<WebhookReport, PmError> {
        let mut report = WebhookReport::default();
        let live = self.live_webhooks(conn).await?;
        let wanted: HashSet<&str> = project_ids.iter().map(String::as_str).collect();
        let mut covered = HashSet::new();
        for row in existing {
            let alive = row
                .external_webhook_id
                .as_deref()
                .is_some_and(|gid| live.contains_key(gid));
            if alive && wanted.contains(row.resource_id.as_str()) {
                covered.insert(row.resource_id.clone());
                continue;
            }
            if alive && let Some(gid) = &row.external_webhook_id {
                self.delete_webhook(conn, gid).await?;
            }
            // Gone at Asana (deleted after 24 h of failures, or by a user), pending forever, or
            // for a project no longer listed.
            ledger.forget(row.id).await?;
            report.removed += 1;
        }
        for project in project_ids.iter().filter(|p| !covered.contains(*p)) {
            register_webhook(ledger, project, HANDSHAKE_WINDOW, |row| async move {
                // The handshake arrives at the receiver (another Lambda) while this POST waits;
                // the row id in the target tells it which registration it completes.
                let target = format!(
                    "{}?hook={row}",
                    self.urls.webhook_target(P, Some(conn.integration_id))
                );
                let request = conn
                    .http
                    .request(reqwest::Method::POST, self.api("/webhooks"))
                    .bearer_auth(conn.access_token.expose_secret())
                    .json(&json!({"data": {
                        "resource": project,
                        "target": target,
                        "filters": [
                            {"resource_type": "task", "action": "changed"},
                            {"resource_type": "task", "action": "added"},
                            {"resource_type": "task", "action": "deleted"},
                        ],
                    }}));
                let body: Value = read_json(P, conn.http.send(request).await?).await?;
                Ok(CreatedWebhook {
                    id: body["data"]["gid"]
                        .as_str()
                        .ok_or_else(|| PmError::api(P, "webhook created without a gid"))?
                        .to_owned(),
                    expires_at: None,
                    secret: body["X-Hook-Secret"].as_str().map(str::to_owned),
                })
            })
            .await?;
            report.created += 1;
        }
        Ok(report)
    }

    async fn remove_webhooks(
        &self,
        conn: &Connection,
        existing: &[WebhookRow],
    ) -> Result<usize, PmError> {
        let mut removed = 0;
        for gid in existing
            .iter()
            .filter_map(|r| r.external_webhook_id.as_deref())
        {
            self.delete_webhook(conn, gid).await?;
            removed += 1;
        }
        Ok(removed)
    }

    async fn revoke(&self, refresh_token: &SecretString) -> Result<bool, PmError> {
        let request = self
            .http
            .request(
                reqwest::Method::POST,
                format!("{}/-/oauth_revoke", self.base),
            )
            .form(&[
                ("client_id", self.oauth.client_id.as_str()),
                ("client_secret", self.oauth.client_secret.expose_secret()),
                ("token", refresh_token.expose_secret()),
            ]);
        check_status(P, self.http.send(request).await?).await?;
        Ok(true)
    }
}

// ------------------------------------------------------------------------- webhook deliveries

/// `X-Hook-Signature`: lowercase hex HMAC-SHA256 of the raw body keyed by the handshake secret,
/// compared in constant time.
pub fn verify_signature(secret: &SecretString, body: &[u8], signature: Option<&str>) -> bool {
    let Some(Ok(expected)) = signature.map(|s| hex::decode(s.trim())) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The tasks a delivery names: task events, and the task a story or subtask event hangs on.
/// Events are compact (ids only) and at-most-once: each named task is refetched.
pub fn tasks_named(body: &Value) -> Result<Vec<String>, String> {
    let events = body["events"]
        .as_array()
        .ok_or("the body has no events array")?;
    let mut ids: Vec<String> = Vec::new();
    for event in events {
        let task = if event["resource"]["resource_type"] == "task" {
            event["resource"]["gid"].as_str()
        } else if event["parent"]["resource_type"] == "task" {
            event["parent"]["gid"].as_str()
        } else {
            None
        };
        if let Some(gid) = task
            && !ids.iter().any(|i| i == gid)
        {
            ids.push(gid.to_owned());
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_over_the_raw_body() {
        let secret = SecretString::from("hook-secret");
        let body = br#"{"events":[]}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"hook-secret").unwrap();
        mac.update(body);
        let good = hex::encode(mac.finalize().into_bytes());
        assert!(verify_signature(&secret, body, Some(&good)));
        assert!(!verify_signature(
            &secret,
            br#"{"events":[1]}"#,
            Some(&good)
        ));
        assert!(!verify_signature(
            &SecretString::from("other"),
            body,
            Some(&good)
        ));
        assert!(!verify_signature(&secret, body, Some("zz")));
        assert!(!verify_signature(&secret, body, None));
    }

    #[test]
    fn a_done_section_without_the_tick_is_still_in_progress() {
        let task = json!({"gid": "1", "name": "x", "completed": false,
            "memberships": [{"project": {"gid": "p"}, "section": {"name": "Done"}}]});
        let t = normalize_task(task, Some("p")).unwrap();
        assert_eq!(t.status, WorkStatus::InProgress);
        assert_eq!(t.provider_status, "Done");
    }
}
