//! A generated Jira Cloud site: the OAuth 2.0 (3LO) endpoints and the REST v3 calls the integration
//! makes, answering with Jira's documented shapes. Issues are generated on request from their
//! position, so a site of any size costs no memory: the local run serves a small one, the sync
//! benchmark 100,000 issues. Mounted by `fake-vendors` under /_fake/jira and by `pm-sync-bench`.
//! `auth` and `api` below are the two base URLs (`JIRA_AUTH_URL`, `JIRA_API_URL`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

pub const CLOUD_ID: &str = "5e6f7a8b-0000-4000-8000-00000000fa4e";
pub const SITE_URL: &str = "https://aurora-fake.atlassian.net";

#[derive(Debug, Clone)]
pub struct FakeJira {
    pub projects: usize,
    pub issues_per_project: usize,
    /// Issues per search/jql page (Jira's own default is 50, its maximum 100 with these fields).
    pub page_size: usize,
}

#[derive(Default)]
struct Webhooks {
    next_id: i64,
    registered: Vec<Value>,
}

#[derive(Clone)]
struct Site {
    config: Arc<FakeJira>,
    webhooks: Arc<Mutex<Webhooks>>,
}

pub fn router(config: FakeJira) -> Router {
    let site = Site {
        config: Arc::new(config),
        webhooks: Arc::new(Mutex::new(Webhooks {
            next_id: 1000,
            registered: Vec::new(),
        })),
    };
    let api = "/api/ex/jira/{cloud}/rest/api/3";
    Router::new()
        .route("/auth/authorize", get(authorize))
        .route("/auth/oauth/token", post(token))
        .route("/api/oauth/token/accessible-resources", get(resources))
        .route(&format!("{api}/project/search"), get(projects))
        .route(&format!("{api}/search/jql"), get(search))
        .route(&format!("{api}/issue/{{id}}"), get(issue))
        .route(
            &format!("{api}/webhook"),
            get(list_webhooks).post(register).delete(delete_webhooks),
        )
        .route(&format!("{api}/webhook/refresh"), put(refresh_webhooks))
        .with_state(site)
}

/// The consent screen, approved at once: back to the app with a code.
async fn authorize(Query(q): Query<HashMap<String, String>>) -> Response {
    let (Some(redirect), Some(state)) = (q.get("redirect_uri"), q.get("state")) else {
        return (
            StatusCode::BAD_REQUEST,
            "redirect_uri and state are required",
        )
            .into_response();
    };
    let sep = if redirect.contains('?') { '&' } else { '?' };
    (
        StatusCode::FOUND,
        [(
            header::LOCATION,
            format!("{redirect}{sep}code=fake-jira-code&state={state}"),
        )],
    )
        .into_response()
}

async fn token(body: String) -> Json<Value> {
    let grant = if body.contains("grant_type=refresh_token") {
        "refreshed"
    } else {
        "issued"
    };
    let n = uuid::Uuid::new_v4().simple().to_string();
    Json(json!({
        "access_token": format!("fake-jira-access-{grant}-{n}"),
        "refresh_token": format!("fake-jira-refresh-{n}"),
        "expires_in": 3600,
        "token_type": "Bearer",
        "scope": "read:jira-work read:jira-user manage:jira-webhook offline_access",
    }))
}

async fn resources() -> Json<Value> {
    Json(json!([{
        "id": CLOUD_ID, "url": SITE_URL, "name": "aurora-fake",
        "scopes": ["read:jira-work", "read:jira-user", "manage:jira-webhook"],
        "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
    }]))
}

fn project(p: usize) -> Value {
    let id = (10_000 + p).to_string();
    json!({
        "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
        "self": format!("https://api.atlassian.com/ex/jira/{CLOUD_ID}/rest/api/3/project/{id}"),
        "id": id, "key": format!("P{p}"), "name": format!("Project {p}"),
        "projectTypeKey": "software", "simplified": true, "style": "next-gen", "isPrivate": false,
    })
}

async fn projects(
    State(site): State<Site>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let start: usize = q.get("startAt").and_then(|s| s.parse().ok()).unwrap_or(0);
    let max: usize = q
        .get("maxResults")
        .and_then(|s| s.parse().ok())
        .unwrap_or(50)
        .min(100);
    let total = site.config.projects;
    let end = (start + max).min(total);
    let values: Vec<Value> = (start..end).map(project).collect();
    Json(json!({
        "self": "https://api.atlassian.com/rest/api/3/project/search",
        "maxResults": max, "startAt": start, "total": total, "isLast": end >= total, "values": values,
    }))
}

const CATEGORIES: [(&str, &str, &str); 3] = [
    ("new", "To Do", "blue-gray"),
    ("indeterminate", "In Progress", "yellow"),
    ("done", "Done", "green"),
];

fn issue_json(p: usize, i: usize) -> Value {
    let id = (p * 1_000_000 + i + 1).to_string();
    let (key, name, color) = CATEGORIES[i % 3];
    json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": id,
        "self": format!("https://api.atlassian.com/ex/jira/{CLOUD_ID}/rest/api/3/issue/{id}"),
        "key": format!("P{p}-{}", i + 1),
        "fields": {
            "summary": format!("Task {} of project {p}", i + 1),
            "status": {"name": name, "id": (i % 3 + 1).to_string(),
                "statusCategory": {"id": i % 3 + 2, "key": key, "colorName": color, "name": name}},
            "assignee": if i % 4 == 0 { Value::Null } else {
                json!({"accountId": format!("712020:{i:08}"), "displayName": "Dana Lee", "active": true})
            },
            "duedate": if i % 5 == 0 { Value::Null } else {
                Value::String(format!("2026-12-{:02}", i % 28 + 1))
            },
            "updated": "2026-11-20T10:00:00.000+0000",
            "project": {"id": (10_000 + p).to_string(), "key": format!("P{p}"), "name": format!("Project {p}"),
                "projectTypeKey": "software"},
        },
    })
}

/// `project = "10003" ...` → project index 3.
fn project_of(jql: &str) -> Option<usize> {
    let id: usize = jql.split('"').nth(1)?.parse().ok()?;
    id.checked_sub(10_000)
}

async fn search(State(site): State<Site>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(p) = q.get("jql").and_then(|j| project_of(j)) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errorMessages": ["Unbounded JQL queries are not allowed here."], "errors": {}})),
        )
            .into_response();
    };
    if p >= site.config.projects {
        return Json(json!({"issues": [], "isLast": true})).into_response();
    }
    let start: usize = q
        .get("nextPageToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let size = q
        .get("maxResults")
        .and_then(|s| s.parse().ok())
        .unwrap_or(50usize)
        .min(site.config.page_size);
    let end = (start + size).min(site.config.issues_per_project);
    let issues: Vec<Value> = (start..end).map(|i| issue_json(p, i)).collect();
    let mut page = json!({"issues": issues, "isLast": end >= site.config.issues_per_project});
    if end < site.config.issues_per_project {
        page["nextPageToken"] = json!(end.to_string());
    }
    Json(page).into_response()
}

async fn issue(State(site): State<Site>, Path((_cloud, id)): Path<(String, String)>) -> Response {
    let n: usize = id.parse().unwrap_or(0);
    let (p, i) = (n / 1_000_000, (n % 1_000_000).wrapping_sub(1));
    if n == 0 || p >= site.config.projects || i >= site.config.issues_per_project {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}})),
        )
            .into_response();
    }
    Json(issue_json(p, i)).into_response()
}

async fn list_webhooks(State(site): State<Site>) -> Json<Value> {
    let hooks = site.webhooks.lock().unwrap();
    Json(
        json!({"maxResults": 100, "startAt": 0, "total": hooks.registered.len(), "isLast": true,
        "values": hooks.registered}),
    )
}

async fn register(State(site): State<Site>, Json(body): Json<Value>) -> Json<Value> {
    let mut hooks = site.webhooks.lock().unwrap();
    let mut results = Vec::new();
    for w in body["webhooks"].as_array().cloned().unwrap_or_default() {
        hooks.next_id += 1;
        let id = hooks.next_id;
        hooks.registered.push(json!({"id": id, "jqlFilter": w["jqlFilter"], "events": w["events"],
            "expirationDate": (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string(),
            "url": body["url"]}));
        results.push(json!({"createdWebhookId": id}));
    }
    Json(json!({"webhookRegistrationResult": results}))
}

async fn delete_webhooks(State(site): State<Site>, Json(body): Json<Value>) -> StatusCode {
    let ids: Vec<i64> = body["webhookIds"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    site.webhooks
        .lock()
        .unwrap()
        .registered
        .retain(|w| !ids.contains(&w["id"].as_i64().unwrap_or_default()));
    StatusCode::ACCEPTED
}

async fn refresh_webhooks() -> Json<Value> {
    Json(
        json!({"expirationDate": (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_issues_normalise_and_name_their_project() {
        let t = shared::pm::jira::normalize_issue(issue_json(3, 4), Some(SITE_URL)).unwrap();
        assert_eq!(t.project_external_id, "10003");
        assert_eq!(t.external_id, "3000005");
        assert_eq!(
            t.url.as_deref(),
            Some("https://aurora-fake.atlassian.net/browse/P3-5")
        );
        assert_eq!(
            project_of("project = \"10003\" ORDER BY updated ASC"),
            Some(3)
        );
    }
}
