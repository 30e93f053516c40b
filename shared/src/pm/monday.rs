//! monday.com: GraphQL over `POST /v2` with the API version pinned; errors arrive inside HTTP 200
//! (`errors`, with `retry_in_seconds` on budget limits) and are read here; boards are projects and
//! items are tasks (status, date and people are board-specific columns, read by type); webhooks are
//! per board and event, verified by the JWT monday signs with the app's signing secret.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::oauth::OAuthApp;
use super::page_token;
use super::{
    Connection, CreatedWebhook, NormalizedProject, NormalizedTask, Page, PmError,
    ProjectManagementProvider, Provider, PublicUrls, Tenant, WebhookLedger, WebhookReport,
    WebhookRow, WorkStatus, parse_date, parse_instant, read_json, register_webhook,
};
use crate::http_client::HttpClient;

pub const AUTH_URL: &str = "https://auth.monday.com";
pub const API_URL: &str = "https://api.monday.com/v2";
pub const API_VERSION: &str = "2026-07";
const P: Provider = Provider::Monday;
const SCOPES: &[&str] = &[
    "me:read",
    "account:read",
    "boards:read",
    "users:read",
    "workspaces:read",
    "webhooks:read",
    "webhooks:write",
];
const BOARDS_PER_PAGE: usize = 100;
const ITEMS_PER_PAGE: usize = 500;
/// Cursors live 60 minutes from the first page; past this the listing starts again.
const CURSOR_LIFETIME: Duration = Duration::from_secs(55 * 60);
/// A budget wait longer than this is left to the queue's redelivery.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);
const EVENTS: &[&str] = &[
    "create_item",
    "change_column_value",
    "change_name",
    "item_archived",
    "item_deleted",
];
const ITEM_FIELDS: &str = "id name state url updated_at group { title } board { id } column_values(types: [status, date, people]) { id type text value }";

#[derive(Debug, Clone)]
pub struct MondayEndpoints {
    pub auth: String,
    pub api: String,
}

pub struct Monday {
    endpoints: MondayEndpoints,
    oauth: OAuthApp,
    urls: PublicUrls,
    http: HttpClient,
}

impl Monday {
    pub fn new(
        endpoints: MondayEndpoints,
        client_id: String,
        client_secret: SecretString,
        urls: PublicUrls,
        http: HttpClient,
    ) -> Self {
        let oauth = OAuthApp {
            provider: P,
            client_id,
            client_secret,
            authorize_url: format!("{}/oauth2/authorize", endpoints.auth),
            token_url: format!("{}/oauth_ms/oauth/token", endpoints.auth),
            redirect_uri: urls.redirect_uri(P),
            scopes: SCOPES,
            extra_params: &[("force_install_if_needed", "true")],
            pkce: true,
        };
        Self {
            endpoints,
            oauth,
            urls,
            http,
        }
    }

    /// One GraphQL operation. Queries are repeatable; a mutation is retried only when surely not
    /// processed. Errors inside a 200 are classified; a short budget wait is taken here.
    async fn graphql(
        &self,
        http: &HttpClient,
        token: &SecretString,
        query: &str,
        variables: Value,
        mutation: bool,
    ) -> Result<Value, PmError> {
        let mut waits = 0;
        loop {
            let request = http
                .request(reqwest::Method::POST, &self.endpoints.api)
                .header("Authorization", token.expose_secret())
                .header("API-Version", API_VERSION)
                .json(&json!({ "query": query, "variables": variables }));
            let response = if mutation {
                http.send(request).await?
            } else {
                http.send_repeatable(request).await?
            };
            let body: Value = read_json(P, response).await?;
            match graphql_error(&body) {
                None => return Ok(body["data"].clone()),
                Some(PmError::RateLimited { retry_in, .. })
                    if retry_in <= MAX_INLINE_WAIT && waits < 3 =>
                {
                    waits += 1;
                    tracing::warn!(
                        retry_in_ms = retry_in.as_millis() as u64,
                        "monday budget exhausted; waiting"
                    );
                    tokio::time::sleep(retry_in).await;
                }
                Some(e) => return Err(e),
            }
        }
    }

    async fn delete_webhook(&self, conn: &Connection, id: &str) -> Result<(), PmError> {
        self.graphql(
            &conn.http,
            &conn.access_token,
            "mutation ($id: ID!) { delete_webhook(id: $id) { id } }",
            json!({ "id": id }),
            true,
        )
        .await
        .map(|_| ())
    }

    async fn conn_graphql(
        &self,
        conn: &Connection,
        query: &str,
        variables: Value,
    ) -> Result<Value, PmError> {
        self.graphql(&conn.http, &conn.access_token, query, variables, false)
            .await
    }
}

/// The error a GraphQL body carries, if any: `errors[]` (current API) or the legacy top-level
/// `error_code`.
pub fn graphql_error(body: &Value) -> Option<PmError> {
    let first = body["errors"]
        .as_array()
        .and_then(|e| e.first())
        .cloned()
        .or_else(|| {
            body.get("error_code").map(|code| {
                json!({"message": body["error_message"], "extensions": {"code": code,
                "retry_in_seconds": body["error_data"]["retry_in_seconds"]}})
            })
        })?;
    let code = first["extensions"]["code"].as_str().unwrap_or("");
    let message = first["message"].as_str().unwrap_or("").to_owned();
    let retry = first["extensions"]["retry_in_seconds"]
        .as_u64()
        .or_else(|| first["extensions"]["error_data"]["retry_in_seconds"].as_u64());
    let lower = message.to_lowercase();
    Some(if let Some(secs) = retry {
        PmError::RateLimited {
            provider: P,
            retry_in: Duration::from_secs(secs),
        }
    } else if code == "CursorExpiredError"
        || (lower.contains("cursor") && lower.contains("expired"))
    {
        PmError::CursorExpired { provider: P }
    } else if matches!(
        code,
        "UserUnauthorizedException" | "Unauthorized" | "UNAUTHORIZED" | "USER_UNAUTHORIZED"
    ) {
        PmError::Unauthorized {
            provider: P,
            detail: message,
        }
    } else {
        PmError::api(P, format!("{code}: {message}"))
    })
}

// ---------------------------------------------------------------------------- normalisation

fn column_text<'a>(item: &'a Value, kind: &str) -> Option<&'a str> {
    item["column_values"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
        .and_then(|c| c["text"].as_str())
        .filter(|t| !t.is_empty())
}

pub fn normalize_board(board: Value) -> Option<NormalizedProject> {
    let external_id = board["id"].as_str()?.to_owned();
    let state = board["state"].as_str().unwrap_or("active").to_owned();
    Some(NormalizedProject {
        name: board["name"].as_str().unwrap_or("").to_owned(),
        status: if state == "active" {
            WorkStatus::InProgress
        } else {
            WorkStatus::Done
        },
        provider_status: state,
        due_date: None,
        assignee: None,
        url: board["url"].as_str().map(str::to_owned),
        updated_at: board["updated_at"].as_str().and_then(parse_instant),
        external_id,
        raw: board,
    })
}

/// An item; None for one monday reports deleted (it no longer exists for us).
pub fn normalize_item(item: Value, board_id: Option<&str>) -> Option<NormalizedTask> {
    let external_id = item["id"].as_str()?.to_owned();
    let state = item["state"].as_str().unwrap_or("active");
    if state == "deleted" {
        return None;
    }
    let project_external_id = board_id
        .map(str::to_owned)
        .or_else(|| item["board"]["id"].as_str().map(str::to_owned))?;
    let label = column_text(&item, "status").unwrap_or("").to_owned();
    let (status, provider_status) = if state == "archived" {
        (WorkStatus::Done, "archived".to_owned())
    } else {
        (WorkStatus::from_label(&label), label)
    };
    Some(NormalizedTask {
        project_external_id,
        name: item["name"].as_str().unwrap_or("").to_owned(),
        status,
        provider_status,
        due_date: column_text(&item, "date").and_then(parse_date),
        assignee: column_text(&item, "people").map(str::to_owned),
        url: item["url"].as_str().map(str::to_owned),
        updated_at: item["updated_at"].as_str().and_then(parse_instant),
        external_id,
        raw: item,
    })
}

// ------------------------------------------------------------------------------- the client

#[async_trait::async_trait]
impl ProjectManagementProvider for Monday {
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
        let data = self
            .graphql(
                &self.http,
                access_token,
                "query { me { id name account { id slug name } } }",
                json!({}),
                false,
            )
            .await?;
        let account = &data["me"]["account"];
        let id = match &account["id"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(PmError::api(P, "me.account.id missing")),
        };
        Ok(Tenant {
            external_id: id,
            name: account["name"]
                .as_str()
                .or_else(|| account["slug"].as_str())
                .map(str::to_owned),
            site_url: account["slug"]
                .as_str()
                .map(|s| format!("https://{s}.monday.com")),
        })
    }

    async fn projects_page(
        &self,
        conn: &Connection,
        page: Option<String>,
    ) -> Result<Page<NormalizedProject>, PmError> {
        let number: u32 = page.as_deref().unwrap_or("1").parse().unwrap_or(1);
        let data = self
            .conn_graphql(
                conn,
                "query ($page: Int!, $limit: Int!) { boards(limit: $limit, page: $page, state: active) { id name state url updated_at type workspace_id } }",
                json!({ "page": number, "limit": BOARDS_PER_PAGE }),
            )
            .await?;
        let boards = data["boards"].as_array().cloned().unwrap_or_default();
        let next = (boards.len() == BOARDS_PER_PAGE).then(|| (number + 1).to_string());
        Ok(Page {
            items: boards
                .into_iter()
                // Subitem boards and documents are not projects.
                .filter(|b| b["type"].as_str().is_none_or(|t| t == "board"))
                .filter_map(normalize_board)
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
        let (first_page_at, items, cursor) = match page.as_deref() {
            None => {
                let params = match since {
                    Some(since) => json!({"rules": [{
                        "column_id": "__last_updated__",
                        "compare_value": ["EXACT", since.to_rfc3339_opts(SecondsFormat::Secs, true)],
                        "operator": "greater_than_or_equals",
                        "compare_attribute": "UPDATED_AT",
                    }]}),
                    None => Value::Null,
                };
                let query = format!(
                    "query ($board: [ID!], $limit: Int!, $params: ItemsQuery) {{ boards(ids: $board) {{ items_page(limit: $limit, query_params: $params) {{ cursor items {{ {ITEM_FIELDS} }} }} }} }}"
                );
                let data = self
                    .conn_graphql(
                        conn,
                        &query,
                        json!({"board": [project_id], "limit": ITEMS_PER_PAGE, "params": params}),
                    )
                    .await?;
                let page = &data["boards"][0]["items_page"];
                (Utc::now(), page["items"].clone(), page["cursor"].clone())
            }
            Some(token) => {
                let (first_page_at, cursor) = page_token::read_stamped(token)
                    .ok_or_else(|| PmError::api(P, "unreadable page token"))?;
                if (Utc::now() - first_page_at).to_std().unwrap_or_default() > CURSOR_LIFETIME {
                    return Err(PmError::CursorExpired { provider: P });
                }
                let query = format!(
                    "query ($cursor: String!, $limit: Int!) {{ next_items_page(cursor: $cursor, limit: $limit) {{ cursor items {{ {ITEM_FIELDS} }} }} }}"
                );
                let data = self
                    .conn_graphql(
                        conn,
                        &query,
                        json!({"cursor": cursor, "limit": ITEMS_PER_PAGE}),
                    )
                    .await?;
                let page = &data["next_items_page"];
                (first_page_at, page["items"].clone(), page["cursor"].clone())
            }
        };
        let items = items.as_array().cloned().unwrap_or_default();
        Ok(Page {
            items: items
                .into_iter()
                // Not filtered again here: the page guard must see what monday sent, and an
                // item outside the window is only upserted once more (the version check holds).
                .filter_map(|i| normalize_item(i, Some(project_id)))
                .collect(),
            next: cursor
                .as_str()
                .filter(|c| !c.is_empty())
                .map(|c| page_token::stamped(first_page_at, c)),
        })
    }

    async fn fetch_task(
        &self,
        conn: &Connection,
        task_id: &str,
    ) -> Result<Option<NormalizedTask>, PmError> {
        let query = format!("query ($ids: [ID!]) {{ items(ids: $ids) {{ {ITEM_FIELDS} }} }}");
        let data = self
            .conn_graphql(conn, &query, json!({ "ids": [task_id] }))
            .await?;
        let Some(item) = data["items"].as_array().and_then(|i| i.first()).cloned() else {
            // monday answers an unknown or deleted id with no item.
            return Ok(None);
        };
        if item["state"] == "deleted" {
            return Ok(None);
        }
        normalize_item(item, None)
            .map(Some)
            .ok_or_else(|| PmError::api(P, "item without an id or board"))
    }

    async fn reconcile_webhooks(
        &self,
        conn: &Connection,
        project_ids: &[String],
        existing: &[WebhookRow],
        ledger: &dyn WebhookLedger,
    ) -> Result<WebhookReport, PmError> {
        let mut report = WebhookReport::default();
        let mut live: HashSet<String> = HashSet::new();
        for board in project_ids {
            let data = self
                .conn_graphql(
                    conn,
                    "query ($board: ID!) { webhooks(board_id: $board, app_webhooks_only: true) { id event } }",
                    json!({ "board": board }),
                )
                .await?;
            for hook in data["webhooks"].as_array().into_iter().flatten() {
                if let Some(id) = hook["id"].as_str() {
                    live.insert(id.to_owned());
                }
            }
        }
        let wanted: Vec<(String, &str)> = project_ids
            .iter()
            .flat_map(|b| EVENTS.iter().map(move |e| (format!("{b}:{e}"), *e)))
            .collect();
        let mut covered = HashSet::new();
        for row in existing {
            let alive = row
                .external_webhook_id
                .as_deref()
                .is_some_and(|id| live.contains(id));
            let is_wanted = wanted.iter().any(|(r, _)| *r == row.resource_id);
            if alive && is_wanted {
                covered.insert(row.resource_id.clone());
                continue;
            }
            if let Some(id) = &row.external_webhook_id
                && (alive || !is_wanted)
            {
                // A board no longer listed was not looked up: its webhook is deleted blindly,
                // and one monday no longer has is no failure.
                match self.delete_webhook(conn, id).await {
                    Err(e) if alive => return Err(e),
                    Err(e) => {
                        tracing::warn!(webhook = %id, error = %e, "monday webhook not deleted")
                    }
                    Ok(()) => {}
                }
            }
            ledger.forget(row.id).await?;
            report.removed += 1;
        }
        let target = self.urls.webhook_target(P, Some(conn.integration_id));
        for (resource, event) in wanted.iter().filter(|(r, _)| !covered.contains(r)) {
            let board = resource.split(':').next().unwrap_or_default();
            // monday posts a challenge to the target (another Lambda) before answering this.
            register_webhook(ledger, resource, Duration::ZERO, |_| async {
                let data = self
                    .graphql(
                        &conn.http,
                        &conn.access_token,
                        "mutation ($board: ID!, $url: String!, $event: WebhookEventType!) { create_webhook(board_id: $board, url: $url, event: $event) { id board_id } }",
                        json!({ "board": board, "url": target, "event": event }),
                        true,
                    )
                    .await?;
                Ok(CreatedWebhook {
                    id: data["create_webhook"]["id"]
                        .as_str()
                        .ok_or_else(|| PmError::api(P, "create_webhook returned no id"))?
                        .to_owned(),
                    expires_at: None,
                    secret: None,
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
        for id in existing
            .iter()
            .filter_map(|r| r.external_webhook_id.as_deref())
        {
            self.delete_webhook(conn, id).await?;
            removed += 1;
        }
        Ok(removed)
    }
}

// ------------------------------------------------------------------------- webhook deliveries

/// Verifies the `Authorization` JWT (with or without `Bearer `), signed with the app's signing
/// secret (see `verify_delivery_jwt`). Returns the account it names, if it names one.
pub fn verify_delivery(
    signing_secret: &SecretString,
    authorization: Option<&str>,
) -> Result<Option<String>, String> {
    let header = authorization.ok_or("missing Authorization")?.trim();
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .unwrap_or(header);
    let claims = super::verify_delivery_jwt(signing_secret, token)?;
    Ok(match claims.get("accountId") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// A delivery's event: the item it concerns and its dedupe key.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub pulse_id: Option<Value>,
    pub trigger_uuid: Option<String>,
}

impl Event {
    pub fn item_id(&self) -> Option<String> {
        match self.pulse_id.as_ref()? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_in_a_200_are_classified() {
        let budget = json!({"errors": [{"message": "Complexity budget exhausted",
            "extensions": {"code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 12}}]});
        assert!(matches!(
            graphql_error(&budget),
            Some(PmError::RateLimited { retry_in, .. }) if retry_in == Duration::from_secs(12)
        ));
        let cursor = json!({"errors": [{"message": "The cursor provided for pagination has expired.",
            "extensions": {"code": "CursorExpiredError"}}]});
        assert!(matches!(
            graphql_error(&cursor),
            Some(PmError::CursorExpired { .. })
        ));
        let legacy = json!({"error_code": "ComplexityException", "error_message": "x",
            "error_data": {"retry_in_seconds": 3}});
        assert!(matches!(
            graphql_error(&legacy),
            Some(PmError::RateLimited { .. })
        ));
        let other = json!({"errors": [{"message": "Parse error", "extensions": {"code": "GRAPHQL_PARSE"}}]});
        assert!(matches!(graphql_error(&other), Some(PmError::Api { .. })));
        assert!(graphql_error(&json!({"data": {"boards": []}})).is_none());
    }
}
