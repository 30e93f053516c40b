//! The bulk upserts of normalised projects and tasks (one `UNNEST` statement a page), the
//! deletion marks, and the rule that links projects to clients (`domain::client_match`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::client_match::{client_for_project, company_words};
use crate::pm::{Connection, NormalizedProject, NormalizedTask, PmError, Provider, WorkStatus};
/// The fields every synced row has, column by column, for one `UNNEST` upsert.
struct Columns {
    external_id: Vec<String>,
    name: Vec<String>,
    status: Vec<&'static str>,
    provider_status: Vec<String>,
    due_date: Vec<Option<NaiveDate>>,
    assignee: Vec<Option<String>>,
    url: Vec<Option<String>>,
    updated_at: Vec<Option<DateTime<Utc>>>,
    raw: Vec<String>,
}

/// A normalised project or task, as the upserts read it.
struct Common<'a> {
    external_id: &'a str,
    name: &'a str,
    status: WorkStatus,
    provider_status: &'a str,
    due_date: Option<NaiveDate>,
    assignee: Option<&'a str>,
    url: Option<&'a str>,
    updated_at: Option<DateTime<Utc>>,
    raw: &'a serde_json::Value,
}

trait Synced {
    fn common(&self) -> Common<'_>;
}

/// Both normalised types carry the same fields (a task adds its project).
macro_rules! synced {
    ($t:ty) => {
        impl Synced for $t {
            fn common(&self) -> Common<'_> {
                Common {
                    external_id: &self.external_id,
                    name: &self.name,
                    status: self.status,
                    provider_status: &self.provider_status,
                    due_date: self.due_date,
                    assignee: self.assignee.as_deref(),
                    url: self.url.as_deref(),
                    updated_at: self.updated_at,
                    raw: &self.raw,
                }
            }
        }
    };
}
synced!(NormalizedProject);
synced!(NormalizedTask);

impl Columns {
    /// One row per external id (the last one wins): a statement may not upsert a row twice.
    fn of<T: Synced>(items: &[T]) -> (Self, Vec<&T>) {
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            last.insert(item.common().external_id, i);
        }
        let kept: Vec<&T> = items
            .iter()
            .enumerate()
            .filter(|(i, item)| last[item.common().external_id] == *i)
            .map(|(_, item)| item)
            .collect();
        let mut c = Columns {
            external_id: Vec::with_capacity(kept.len()),
            name: Vec::with_capacity(kept.len()),
            status: Vec::with_capacity(kept.len()),
            provider_status: Vec::with_capacity(kept.len()),
            due_date: Vec::with_capacity(kept.len()),
            assignee: Vec::with_capacity(kept.len()),
            url: Vec::with_capacity(kept.len()),
            updated_at: Vec::with_capacity(kept.len()),
            raw: Vec::with_capacity(kept.len()),
        };
        for item in &kept {
            let f = item.common();
            c.external_id.push(f.external_id.to_owned());
            c.name.push(f.name.to_owned());
            c.status.push(f.status.as_str());
            c.provider_status.push(f.provider_status.to_owned());
            c.due_date.push(f.due_date);
            c.assignee.push(f.assignee.map(str::to_owned));
            c.url.push(f.url.map(str::to_owned));
            c.updated_at.push(f.updated_at);
            c.raw.push(f.raw.to_string());
        }
        (c, kept)
    }

    /// Binds the nine columns, in this order, after the statement's first parameters.
    fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        query
            .bind(self.external_id)
            .bind(self.name)
            .bind(self.status)
            .bind(self.provider_status)
            .bind(self.due_date)
            .bind(self.assignee)
            .bind(self.url)
            .bind(self.updated_at)
            .bind(self.raw)
    }
}

/// Upserts a page of projects (one statement); returns how many rows were written.
pub async fn upsert_projects(
    pool: &PgPool,
    conn: &Connection,
    provider: Provider,
    projects: &[NormalizedProject],
    seen_at: DateTime<Utc>,
) -> Result<u64, PmError> {
    let (columns, _) = Columns::of(projects);
    let query = sqlx::query(
        r#"
        INSERT INTO projects (business_id, integration_id, provider, external_id, name, status,
                              provider_status, due_date, assignee, url, provider_updated_at, raw,
                              seen_at, deleted_at, stale_since, updated_at)
        SELECT $1, $2, $3, u.external_id, u.name, u.status, u.provider_status, u.due_date,
               u.assignee, u.url, u.updated, u.raw::jsonb, $4, NULL, NULL, now()
        FROM UNNEST($5::text[], $6::text[], $7::text[], $8::text[], $9::date[], $10::text[],
                    $11::text[], $12::timestamptz[], $13::text[])
             AS u(external_id, name, status, provider_status, due_date, assignee, url, updated, raw)
        ON CONFLICT (business_id, provider, external_id) DO UPDATE SET
            integration_id = EXCLUDED.integration_id, name = EXCLUDED.name,
            status = EXCLUDED.status, provider_status = EXCLUDED.provider_status,
            due_date = EXCLUDED.due_date, assignee = EXCLUDED.assignee, url = EXCLUDED.url,
            provider_updated_at = EXCLUDED.provider_updated_at, raw = EXCLUDED.raw,
            seen_at = EXCLUDED.seen_at, deleted_at = NULL, stale_since = NULL, updated_at = now()
        "#,
    )
    .bind(conn.business_id)
    .bind(conn.integration_id)
    .bind(provider.as_str())
    .bind(seen_at);
    Ok(columns.bind(query).execute(pool).await?.rows_affected())
}

/// The stored task is not newer than the incoming one (`provider_updated_at`, when both have one).
macro_rules! newer {
    () => {
        "(tasks.provider_updated_at IS NULL OR EXCLUDED.provider_updated_at IS NULL OR EXCLUDED.provider_updated_at >= tasks.provider_updated_at)"
    };
}

/// Upserts a page of tasks (one statement) under their projects; a task whose project is not
/// known yet is skipped (the next full sync brings both). An older version never overwrites a
/// newer one's data (deliveries and refetches arrive out of order), but still counts as listed.
pub async fn upsert_tasks(
    pool: &PgPool,
    conn: &Connection,
    provider: Provider,
    tasks: &[NormalizedTask],
    seen_at: DateTime<Utc>,
) -> Result<u64, PmError> {
    let (columns, kept) = Columns::of(tasks);
    let projects: Vec<&str> = kept
        .iter()
        .map(|t| t.project_external_id.as_str())
        .collect();
    let query = sqlx::query(concat!(
        r#"
        INSERT INTO tasks (business_id, project_id, integration_id, provider, external_id, name,
                           status, provider_status, due_date, assignee, url, provider_updated_at,
                           raw, seen_at, deleted_at, stale_since, updated_at)
        SELECT $1, p.id, $2, $3, u.external_id, u.name, u.status, u.provider_status, u.due_date,
               u.assignee, u.url, u.updated, u.raw::jsonb, $4, NULL, NULL, now()
        FROM UNNEST($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::date[],
                    $11::text[], $12::text[], $13::timestamptz[], $14::text[])
             AS u(project_external_id, external_id, name, status, provider_status, due_date,
                  assignee, url, updated, raw)
        JOIN projects p ON p.business_id = $1 AND p.provider = $3
                       AND p.external_id = u.project_external_id
        ON CONFLICT (business_id, provider, external_id) DO UPDATE SET
            project_id = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.project_id ELSE tasks.project_id END,
            name = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.name ELSE tasks.name END,
            status = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.status ELSE tasks.status END,
            provider_status = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.provider_status ELSE tasks.provider_status END,
            due_date = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.due_date ELSE tasks.due_date END,
            assignee = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.assignee ELSE tasks.assignee END,
            url = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.url ELSE tasks.url END,
            raw = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.raw ELSE tasks.raw END,
            provider_updated_at = CASE WHEN "#,
        newer!(),
        r#" THEN EXCLUDED.provider_updated_at ELSE tasks.provider_updated_at END,
            -- Listed now, whatever the version: a lagging search index must not make it "deleted".
            integration_id = EXCLUDED.integration_id, seen_at = EXCLUDED.seen_at,
            deleted_at = NULL, stale_since = NULL, updated_at = now()
        "#
    ))
    .bind(conn.business_id)
    .bind(conn.integration_id)
    .bind(provider.as_str())
    .bind(seen_at)
    .bind(projects);
    Ok(columns.bind(query).execute(pool).await?.rows_affected())
}

/// After a complete full sync: what the provider no longer lists is marked deleted (kept as
/// history, never spoken to a caller). Returns (projects, tasks) marked.
pub async fn mark_unseen_deleted(
    pool: &PgPool,
    integration_id: Uuid,
    started_at: DateTime<Utc>,
) -> Result<(u64, u64), PmError> {
    let tasks = sqlx::query!(
        "UPDATE tasks SET deleted_at = now(), updated_at = now()
         WHERE integration_id = $1 AND deleted_at IS NULL AND (seen_at IS NULL OR seen_at < $2)",
        integration_id,
        started_at
    )
    .execute(pool)
    .await?
    .rows_affected();
    let projects = sqlx::query!(
        "UPDATE projects SET deleted_at = now(), updated_at = now()
         WHERE integration_id = $1 AND deleted_at IS NULL AND (seen_at IS NULL OR seen_at < $2)",
        integration_id,
        started_at
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok((projects, tasks))
}

/// A task a refetch found gone.
pub async fn mark_task_deleted(
    pool: &PgPool,
    integration_id: Uuid,
    external_id: &str,
) -> Result<bool, PmError> {
    Ok(sqlx::query!(
        "UPDATE tasks SET deleted_at = now(), updated_at = now()
         WHERE integration_id = $1 AND external_id = $2 AND deleted_at IS NULL",
        integration_id,
        external_id
    )
    .execute(pool)
    .await?
    .rows_affected()
        > 0)
}

/// The matching rule (`domain::client_match`) over the business's projects that no admin linked
/// or unlinked (of one integration, or all of them): a project is linked to the one client whose
/// company its name mentions, and a rule link that no longer holds once a name changed is undone.
/// Returns how many projects changed. Run after a sync and after a client's company changes.
pub async fn relink_clients_by_rule(
    pool: &PgPool,
    business_id: Uuid,
    integration_id: Option<Uuid>,
) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let companies: Vec<(Uuid, Vec<String>)> = sqlx::query!(
        r#"SELECT id, company AS "company!" FROM clients
           WHERE business_id = $1 AND company IS NOT NULL"#,
        business_id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|c| (c.id, company_words(&c.company)))
    .filter(|c| !c.1.is_empty())
    .collect();
    // Only what the rule may own: synced projects it linked, or that nobody linked (a project
    // linked before `client_link` existed, or by hand, keeps its client). Locked so an admin's
    // link made meanwhile waits for this and then stands.
    let projects = sqlx::query!(
        "SELECT id, name, client_id FROM projects
         WHERE business_id = $1 AND ($2::uuid IS NULL OR integration_id = $2)
           AND integration_id IS NOT NULL
           AND (client_link = 'rule' OR (client_link IS NULL AND client_id IS NULL))
           AND deleted_at IS NULL
         FOR UPDATE",
        business_id,
        integration_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let (mut link_ids, mut link_clients, mut unlink_ids) = (Vec::new(), Vec::new(), Vec::new());
    for p in projects {
        let client = client_for_project(&p.name, &companies);
        if client == p.client_id {
            continue;
        }
        match client {
            Some(c) => {
                link_ids.push(p.id);
                link_clients.push(c);
            }
            None => unlink_ids.push(p.id),
        }
    }
    let linked = sqlx::query!(
        "UPDATE projects p SET client_id = c.client_id, client_link = 'rule', updated_at = now()
         FROM UNNEST($1::uuid[], $2::uuid[]) AS c(project_id, client_id)
         WHERE p.id = c.project_id",
        &link_ids,
        &link_clients
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let unlinked = sqlx::query!(
        "UPDATE projects SET client_id = NULL, client_link = NULL, updated_at = now()
         WHERE id = ANY($1)",
        &unlink_ids
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(linked + unlinked)
}
