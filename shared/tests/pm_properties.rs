//! Properties of what Jira, Asana and monday.com send us: delivery verification, delivery bodies,
//! the vendors' timestamps and the records their pages hold. Whatever arrives is read or refused,
//! never a panic; what verifies is exactly what was signed. CI runs `PROPTEST_CASES` cases (256
//! unless set), as `properties.rs` does.

use chrono::{NaiveDate, TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;
use shared::pm::{asana, jira, monday, parse_date, parse_instant, verify_delivery_jwt};

use crate::strategies::{any_json, any_text};

const SECRET: &str = "pm-property-secret";

fn secret() -> SecretString {
    SecretString::from(SECRET)
}

fn jwt(key: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

fn in_an_hour() -> i64 {
    Utc::now().timestamp() + 3600
}

/// Vendor-shaped records: the fields the normalizers read, each present, absent, of the right
/// type or of any other.
fn record(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        any_json(),
        any_text().prop_map(Value::from),
        "[0-9]{1,12}".prop_map(Value::from),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{3})?(Z|[+-][0-9]{4}|[+-][0-9]{2}:[0-9]{2}))?"
            .prop_map(Value::from),
    ];
    prop::collection::vec(prop::option::of(field), fields.len()).prop_map(move |values| {
        Value::Object(
            fields
                .iter()
                .zip(values)
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    // Jira and monday sign deliveries with an HS256 JWT: a token we signed verifies through both
    // receivers' readers, one changed character does not, and no header at all panics.
    #[test]
    fn delivery_jwts_verify_what_was_signed_and_nothing_else(
        account in "[0-9]{1,9}",
        flip in any::<prop::sample::Index>(),
        header in any_text(),
    ) {
        let claims = json!({"exp": in_an_hour(), "accountId": account.parse::<i64>().unwrap()});
        let token = jwt(SECRET, &claims);
        prop_assert!(verify_delivery_jwt(&secret(), &token).is_ok());
        let bearer = format!("Bearer {token}");
        prop_assert!(jira::verify_delivery(&secret(), Some(&bearer)).is_ok());
        prop_assert_eq!(
            monday::verify_delivery(&secret(), Some(&token)).unwrap(),
            Some(account.parse::<i64>().unwrap().to_string())
        );
        let mut changed = token.clone().into_bytes();
        let i = flip.index(changed.len());
        changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        if changed != token {
            prop_assert!(verify_delivery_jwt(&secret(), &changed).is_err());
        }
        prop_assert!(verify_delivery_jwt(&secret(), &jwt("another-secret", &claims)).is_err());
        let _ = jira::verify_delivery(&secret(), Some(&header));
        let _ = monday::verify_delivery(&secret(), Some(&header));
        let _ = verify_delivery_jwt(&secret(), &header);
    }

    // Asana signs the body with HMAC-SHA256 (hex): the right signature verifies, a changed body or
    // any other header does not, and nothing panics.
    #[test]
    fn asana_signatures_verify_the_body_signed_and_nothing_else(
        body in prop::collection::vec(any::<u8>(), 0..256),
        extra in any::<u8>(),
        header in any_text(),
    ) {
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(&body);
        let signature = hex::encode(mac.finalize().into_bytes());
        prop_assert!(asana::verify_signature(&secret(), &body, Some(&signature)));
        let mut changed = body.clone();
        changed.push(extra);
        prop_assert!(!asana::verify_signature(&secret(), &changed, Some(&signature)));
        prop_assert_eq!(
            asana::verify_signature(&secret(), &body, Some(&header)),
            header.trim() == signature
        );
        prop_assert!(!asana::verify_signature(&secret(), &body, None));
    }

    // Delivery bodies: any JSON is read or refused; what is read names exactly what was sent.
    #[test]
    fn delivery_bodies_are_read_or_refused_and_name_what_was_sent(
        body in any_json(),
        cloud in "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        issue in "[0-9]{1,9}",
        tasks in prop::collection::vec(("[0-9]{1,16}", any::<bool>()), 0..6),
        pulse in any::<u32>(),
    ) {
        // Anything at all.
        if let Ok(d) = serde_json::from_value::<jira::Delivery>(body.clone()) {
            if let Some(issue) = d.issue {
                let _ = issue.origin();
            }
        }
        let _ = asana::tasks_named(&body);
        if let Ok(e) = serde_json::from_value::<monday::Event>(body.clone()) {
            let _ = e.item_id();
        }
        // Jira: the cloud id in the issue's URL is the one read back.
        let delivery: jira::Delivery = serde_json::from_value(json!({
            "webhookEvent": "jira:issue_updated", "matchedWebhookIds": [1],
            "issue": {"id": issue, "self": format!("https://api.atlassian.com/ex/jira/{cloud}/rest/api/3/issue/{issue}")}
        })).unwrap();
        let (read_cloud, site) = delivery.issue.unwrap().origin();
        prop_assert_eq!(read_cloud, Some(cloud));
        prop_assert_eq!(site.as_deref(), Some("https://api.atlassian.com"));
        // Asana: each task event, or the task a story hangs on, is named, once.
        let events: Vec<Value> = tasks.iter().map(|(gid, direct)| if *direct {
            json!({"action": "changed", "resource": {"gid": gid, "resource_type": "task"}})
        } else {
            json!({"action": "added", "resource": {"gid": "9", "resource_type": "story"},
                   "parent": {"gid": gid, "resource_type": "task"}})
        }).collect();
        let named = asana::tasks_named(&json!({"events": events})).unwrap();
        let mut expected: Vec<String> = Vec::new();
        for (gid, _) in &tasks {
            if !expected.contains(gid) {
                expected.push(gid.clone());
            }
        }
        prop_assert_eq!(named, expected);
        // monday: a pulse id, number or string, is the item.
        for id in [json!(pulse), json!(pulse.to_string())] {
            let e: monday::Event = serde_json::from_value(json!({"type": "update_column_value", "pulseId": id})).unwrap();
            prop_assert_eq!(e.item_id(), Some(pulse.to_string()));
        }
    }

    // The vendors' timestamps and dates: any text is read or refused; what we write reads back.
    #[test]
    fn vendor_timestamps_are_read_or_refused_and_round_trip(
        raw in any_text(),
        secs in 0i64..4_102_444_800,
        millis in 0u32..1000,
        offset_minutes in -720i32..=840,
    ) {
        let _ = parse_instant(&raw);
        let _ = parse_date(&raw);
        let t = Utc.timestamp_opt(secs, millis * 1_000_000).unwrap();
        let zone = chrono::FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let local = t.with_timezone(&zone);
        prop_assert_eq!(parse_instant(&t.to_rfc3339()), Some(t));
        // Jira's own form: `2026-01-02T10:00:00.000+0000`.
        prop_assert_eq!(parse_instant(&local.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()), Some(t));
        let day: NaiveDate = t.date_naive();
        prop_assert_eq!(parse_date(&day.format("%Y-%m-%d").to_string()), Some(day));
        prop_assert_eq!(parse_date(&t.to_rfc3339()), Some(day));
    }

    // What a page holds: any record is normalised or skipped, never a panic, and what is kept
    // has the id the vendor gave it.
    #[test]
    fn page_records_are_normalised_or_skipped(
        issue in record(&["id", "key", "fields", "self"]),
        fields in record(&["summary", "status", "duedate", "assignee", "project", "updated", "parent"]),
        project in record(&["id", "key", "name", "projectCategory"]),
        task in record(&["gid", "name", "completed", "due_on", "assignee", "modified_at", "memberships", "permalink_url"]),
        asana_project in record(&["gid", "name", "archived", "permalink_url", "modified_at"]),
        item in record(&["id", "name", "state", "column_values", "board", "updated_at"]),
        board in record(&["id", "name", "state", "url", "updated_at"]),
        site in prop::option::of("https://[a-z]{1,10}\\.atlassian\\.net"),
    ) {
        let mut issue = issue;
        if let Value::Object(m) = &mut issue {
            m.insert("fields".into(), fields);
        }
        for (kept, sent) in [
            (jira::normalize_issue(issue.clone(), site.as_deref()).map(|t| t.external_id), &issue["id"]),
            (jira::normalize_project(project.clone(), site.as_deref()).map(|p| p.external_id), &project["id"]),
            (asana::normalize_task(task.clone(), None).map(|t| t.external_id), &task["gid"]),
            (asana::normalize_project(asana_project.clone()).map(|p| p.external_id), &asana_project["gid"]),
            (monday::normalize_item(item.clone(), None).map(|t| t.external_id), &item["id"]),
            (monday::normalize_board(board.clone()).map(|p| p.external_id), &board["id"]),
        ] {
            if let Some(id) = kept {
                let given = match sent {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                prop_assert_eq!(id, given);
            }
        }
        let _ = monday::graphql_error(&issue);
    }
}

/// `extra` (any object's fields) with `fields` set over them.
fn with(extra: &Value, fields: Value) -> Value {
    let mut record = match extra {
        Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    if let Value::Object(set) = fields {
        record.extend(set);
    }
    Value::Object(record)
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    // A record that has what we need (its id, and for a task the project it is under) is kept,
    // under that id and that project, whatever else it holds.
    #[test]
    fn a_record_with_what_we_need_is_kept_under_its_id(
        id in "[0-9]{1,12}",
        parent in "[0-9]{1,12}",
        name in any_text(),
        extra in any_json(),
    ) {
        let kept = |t: Option<shared::pm::NormalizedTask>| t.map(|t| (t.external_id, t.project_external_id));
        let expected = Some((id.clone(), parent.clone()));
        let issue = with(&extra, json!({"id": id, "fields": {"project": {"id": parent}, "summary": name}}));
        prop_assert_eq!(kept(jira::normalize_issue(issue, None)), expected.clone());
        let task = with(&extra, json!({"gid": id, "name": name, "memberships": [{"project": {"gid": parent}}]}));
        prop_assert_eq!(kept(asana::normalize_task(task, None)), expected.clone());
        let item = with(&extra, json!({"id": id, "name": name, "board": {"id": parent}, "state": "active"}));
        prop_assert_eq!(kept(monday::normalize_item(item, None)), expected);
        let project = |p: Option<shared::pm::NormalizedProject>| p.map(|p| p.external_id);
        prop_assert_eq!(project(jira::normalize_project(with(&extra, json!({"id": id})), None)), Some(id.clone()));
        prop_assert_eq!(project(asana::normalize_project(with(&extra, json!({"gid": id})))), Some(id.clone()));
        prop_assert_eq!(project(monday::normalize_board(with(&extra, json!({"id": id})))), Some(id.clone()));
    }
}

#[test]
fn an_expired_or_unsigned_token_is_refused() {
    let expired = jwt(SECRET, &json!({"exp": Utc::now().timestamp() - 600}));
    assert!(verify_delivery_jwt(&secret(), &expired).is_err());
    let no_exp = jwt(SECRET, &json!({"accountId": 1}));
    assert!(verify_delivery_jwt(&secret(), &no_exp).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    // Our page tokens: the vendor's token comes back exactly as it went in, whatever it holds
    // (Jira's and monday's are opaque and may contain our separators), with what the first page
    // fixed; any string at all is read or refused.
    #[test]
    fn page_tokens_round_trip_and_any_string_is_read_or_refused(
        vendor in any_text(),
        window in prop::option::of(0i64..1_000_000),
        secs in 0i64..4_102_444_800,
        raw in any_text(),
    ) {
        use shared::pm::page_token::{read_stamped, read_windowed, stamped, windowed};
        let token = windowed(window, &vendor);
        prop_assert_eq!(read_windowed(&token), (window, vendor.as_str()));
        let at = Utc.timestamp_opt(secs, 0).unwrap();
        let token = stamped(at, &vendor);
        prop_assert_eq!(read_stamped(&token), Some((at, vendor.as_str())));
        let _ = read_windowed(&raw);
        let _ = read_stamped(&raw);
    }
}
