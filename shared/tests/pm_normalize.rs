//! Normalisation golden tests: each provider's documented payloads (tests/fixtures/pm/<provider>)
//! normalised into the one model. Golden outputs live in tests/fixtures/pm/golden;
//! `UPDATE_GOLDEN=1` rewrites them (review the diff).

use serde_json::Value;
use shared::pm::{asana, jira, monday};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/pm/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap()
}

/// The normalised fields only (the raw copy is the input itself).
fn without_raw(items: Vec<Value>) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|mut v| {
                v.as_object_mut().unwrap().remove("raw");
                v
            })
            .collect(),
    )
}

fn golden(name: &str, actual: Value) {
    let path = format!(
        "{}/tests/fixtures/pm/golden/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {path}: run with UPDATE_GOLDEN=1"));
    assert_eq!(text, expected, "{name} differs from its golden file");
}

const SITE: &str = "https://aurora-studio.atlassian.net";

#[test]
fn jira_issues_and_projects() {
    let mut tasks = Vec::new();
    for page in ["jira/search_jql_page1.json", "jira/search_jql_page2.json"] {
        for issue in fixture(page)["issues"].as_array().unwrap() {
            let t = jira::normalize_issue(issue.clone(), Some(SITE)).unwrap();
            assert_eq!(t.raw, *issue, "the provider's record is kept whole");
            tasks.push(serde_json::to_value(t).unwrap());
        }
    }
    // Status comes from the category, links from the site (never the API's `self`).
    assert_eq!(tasks[0]["status"], "in_progress");
    assert_eq!(tasks[0]["url"], format!("{SITE}/browse/ENG-3"));
    golden("jira_tasks", without_raw(tasks));
    let mut projects = Vec::new();
    for page in [
        "jira/project_search_page1.json",
        "jira/project_search_page2.json",
    ] {
        for p in fixture(page)["values"].as_array().unwrap() {
            projects.push(
                serde_json::to_value(jira::normalize_project(p.clone(), Some(SITE)).unwrap())
                    .unwrap(),
            );
        }
    }
    golden("jira_projects", without_raw(projects));
}

#[test]
fn asana_tasks_and_projects() {
    let mut tasks = Vec::new();
    for page in ["asana/tasks_page1.json", "asana/tasks_page2.json"] {
        for task in fixture(page)["data"].as_array().unwrap() {
            let t = asana::normalize_task(task.clone(), Some("1200000000000101")).unwrap();
            tasks.push(serde_json::to_value(t).unwrap());
        }
    }
    golden("asana_tasks", without_raw(tasks));
    let single = asana::normalize_task(fixture("asana/task.json")["data"].clone(), None).unwrap();
    assert_eq!(single.project_external_id, "1200000000000101");
    let mut projects = Vec::new();
    for page in ["asana/projects_page1.json", "asana/projects_page2.json"] {
        for p in fixture(page)["data"].as_array().unwrap() {
            projects
                .push(serde_json::to_value(asana::normalize_project(p.clone()).unwrap()).unwrap());
        }
    }
    golden("asana_projects", without_raw(projects));
}

#[test]
fn monday_items_and_boards() {
    let board = "1849302175";
    let mut items: Vec<Value> =
        fixture("monday/items_page1.json")["data"]["boards"][0]["items_page"]["items"]
            .as_array()
            .unwrap()
            .clone();
    items.extend(
        fixture("monday/items_page2.json")["data"]["next_items_page"]["items"]
            .as_array()
            .unwrap()
            .clone(),
    );
    let tasks: Vec<Value> = items
        .into_iter()
        .map(|i| serde_json::to_value(monday::normalize_item(i, Some(board)).unwrap()).unwrap())
        .collect();
    // Columns are found by type, whatever the board calls them.
    assert_eq!(tasks[0]["assignee"], "Dana Lee");
    golden("monday_tasks", without_raw(tasks));
    let boards: Vec<Value> = fixture("monday/boards_page1.json")["data"]["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| serde_json::to_value(monday::normalize_board(b.clone()).unwrap()).unwrap())
        .collect();
    golden("monday_projects", without_raw(boards));
}

#[test]
fn webhook_payloads_name_what_to_refetch() {
    let events = fixture("asana/webhook_events.json");
    // Two task events and a comment on a third task.
    assert_eq!(
        asana::tasks_named(&events).unwrap(),
        ["1200000000000202", "1200000000000203", "1200000000000201"]
    );
    assert_eq!(
        asana::tasks_named(&serde_json::json!({"events": []})).unwrap(),
        Vec::<String>::new()
    );
    assert!(asana::tasks_named(&serde_json::json!({"nope": 1})).is_err());
    let jira: jira::Delivery =
        serde_json::from_value(fixture("jira/webhook_issue_updated.json")).unwrap();
    assert_eq!(jira.matched_webhook_ids, [1000]);
    assert_eq!(jira.issue.unwrap().id, "10002");
    let monday: monday::Event =
        serde_json::from_value(fixture("monday/webhook_change_status.json")["event"].clone())
            .unwrap();
    assert_eq!(monday.item_id().as_deref(), Some("1849302201"));
    assert!(monday.trigger_uuid.is_some());
}
