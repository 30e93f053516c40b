//! The admin's view of integrations and projects: each connection with its sync health, the
//! projects with their client links, an admin's links, and what a disconnect keeps as history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::BusinessId;
use crate::error::ApiError;
use crate::store::{Keyed, Keyset};

#[derive(Debug, Serialize, ToSchema)]
pub struct Integration {
    pub id: Uuid,
    #[schema(value_type = crate::pm::Provider, example = "jira")]
    pub provider: String,
    /// connected, syncing, error or needs_reconsent.
    pub status: String,
    /// Jira cloudid, Asana workspace gid or monday account id.
    pub tenant_id: String,
    pub tenant_name: Option<String>,
    pub site_url: Option<String>,
    pub scopes: Vec<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_full_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub connected_at: DateTime<Utc>,
    pub webhooks: i64,
    pub projects: i64,
    pub tasks: i64,
}

/// A project as the admin sees it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ProjectSummary {
    pub id: Uuid,
    pub name: String,
    /// jira, asana, monday or manual.
    pub provider: String,
    pub external_id: String,
    /// todo, in_progress or done.
    pub status: String,
    pub provider_status: String,
    pub due_date: Option<NaiveDate>,
    pub url: Option<String>,
    pub client_id: Option<Uuid>,
    /// admin or rule: how the client link was made.
    pub client_link: Option<String>,
    pub integration_id: Option<Uuid>,
    /// The project's integration was removed: kept as history.
    pub stale: bool,
    pub open_tasks: i64,
    pub created_at: DateTime<Utc>,
}

/// Live projects first, then the stale ones, each newest first: the rank is 1 for a live
/// project, 0 for a stale one, as `project_page` orders them.
impl Keyed for ProjectSummary {
    fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }

    fn rank(&self) -> Option<i16> {
        Some(i16::from(!self.stale))
    }
}

/// One page of the business's projects; `search` is part of a name, `client_id` one client's.
pub struct ProjectFilter {
    pub search: Option<String>,
    pub client_id: Option<Uuid>,
    pub page: Keyset,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<ProjectSummary>,
}

/// The business's connections, by provider.
pub async fn integrations(
    pool: &PgPool,
    business_id: BusinessId,
) -> Result<Vec<Integration>, ApiError> {
    Ok(sqlx::query_as!(
        Integration,
        r#"
        SELECT i.id, i.provider, i.status, i.external_tenant_id AS tenant_id,
               i.external_tenant_name AS tenant_name, i.site_url,
               i.scopes, i.token_expires_at, i.last_synced_at, i.last_full_sync_at, i.last_error,
               i.connected_at,
               (SELECT count(*) FROM integration_webhooks w WHERE w.integration_id = i.id
                  AND w.external_webhook_id IS NOT NULL) AS "webhooks!",
               (SELECT count(*) FROM projects p WHERE p.integration_id = i.id AND p.deleted_at IS NULL) AS "projects!",
               (SELECT count(*) FROM tasks t WHERE t.integration_id = i.id AND t.deleted_at IS NULL) AS "tasks!"
        FROM integrations i WHERE i.business_id = $1 ORDER BY i.provider
        "#,
        business_id.get()
    )
    .fetch_all(pool)
    .await?)
}

/// One page of the business's projects, live ones first (see `Keyed for ProjectSummary`).
pub async fn project_page(
    pool: &PgPool,
    business_id: BusinessId,
    f: &ProjectFilter,
) -> Result<Vec<ProjectSummary>, ApiError> {
    let pattern = f
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::store::contains_pattern);
    Ok(sqlx::query_as!(
        ProjectSummary,
        r#"
        SELECT p.id, p.name, p.provider, p.external_id, p.status, p.provider_status, p.due_date,
               p.url, p.client_id, p.client_link, p.integration_id,
               p.stale_since IS NOT NULL AS "stale!",
               (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status <> 'done'
                  AND t.deleted_at IS NULL) AS "open_tasks!",
               p.created_at
        FROM projects p
        WHERE p.business_id = $1 AND p.deleted_at IS NULL
          AND ((p.stale_since IS NULL)::int::int2, p.created_at, p.id) < ($2, $3, $4)
          AND ($6::text IS NULL OR p.name ILIKE $6)
          AND ($7::uuid IS NULL OR p.client_id = $7)
        ORDER BY (p.stale_since IS NULL)::int::int2 DESC, p.created_at DESC, p.id DESC
        LIMIT $5
        "#,
        business_id.get(),
        f.page.rank_before.unwrap_or(i16::MAX),
        f.page.before.0,
        f.page.before.1,
        f.page.limit,
        pattern,
        f.client_id,
    )
    .fetch_all(pool)
    .await?)
}

/// The client's projects (at most `limit`; an admin links at most 500), in the list's order.
pub async fn client_projects(
    pool: &PgPool,
    business_id: BusinessId,
    client_id: Uuid,
    limit: i64,
) -> Result<Vec<ProjectSummary>, ApiError> {
    let filter = ProjectFilter {
        search: None,
        client_id: Some(client_id),
        page: Keyset {
            before: (DateTime::<Utc>::MAX_UTC, Uuid::max()),
            rank_before: None,
            limit,
        },
    };
    project_page(pool, business_id, &filter).await
}

/// Why an admin's links were refused.
pub enum LinkRefusal {
    NoSuchClient,
    UnknownProject(Uuid),
}

/// Makes these projects exactly the client's, as an admin's links (which the matching rule never
/// overrides; an admin's unlink stays unlinked too).
pub async fn link_client_projects(
    pool: &PgPool,
    business_id: BusinessId,
    client_id: Uuid,
    project_ids: &[Uuid],
) -> Result<Result<(), LinkRefusal>, ApiError> {
    let mut tx = pool.begin().await?;
    crate::store::lock_business(&mut tx, business_id).await?;
    if !crate::store::clients::exists(&mut tx, business_id, client_id).await? {
        return Ok(Err(LinkRefusal::NoSuchClient));
    }
    let known = sqlx::query_scalar!(
        "SELECT id FROM projects WHERE business_id = $1 AND id = ANY($2) AND deleted_at IS NULL",
        business_id.get(),
        project_ids
    )
    .fetch_all(&mut *tx)
    .await?;
    if let Some(unknown) = project_ids.iter().find(|id| !known.contains(id)) {
        return Ok(Err(LinkRefusal::UnknownProject(*unknown)));
    }
    sqlx::query!(
        "UPDATE projects SET client_id = NULL, client_link = 'admin', updated_at = now()
         WHERE business_id = $1 AND client_id = $2 AND id <> ALL($3)",
        business_id.get(),
        client_id,
        project_ids
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE projects SET client_id = $2, client_link = 'admin', updated_at = now()
         WHERE business_id = $1 AND id = ANY($3)",
        business_id.get(),
        client_id,
        project_ids
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// What a removed integration left behind as history.
#[derive(Debug, PartialEq, Eq)]
pub struct Removed {
    pub stale_projects: u64,
    pub stale_tasks: u64,
}

/// Removes the business's integration (its tokens and webhook registrations go with the row) and
/// marks its projects and tasks stale, keeping their history. They are marked first: deleting
/// the row sets their `integration_id` to null. Every statement names the business; `None` when
/// the business has no such integration (another business's id, or one removed meanwhile by a
/// concurrent request), and then nothing changed (the transaction is rolled back).
pub async fn remove_integration(
    pool: &PgPool,
    business_id: BusinessId,
    integration_id: Uuid,
) -> Result<Option<Removed>, ApiError> {
    let mut tx = pool.begin().await?;
    let stale_tasks = sqlx::query!(
        "UPDATE tasks SET stale_since = now(), updated_at = now()
         WHERE integration_id = $1 AND business_id = $2 AND stale_since IS NULL",
        integration_id,
        business_id.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let stale_projects = sqlx::query!(
        "UPDATE projects SET stale_since = now(), updated_at = now()
         WHERE integration_id = $1 AND business_id = $2 AND stale_since IS NULL",
        integration_id,
        business_id.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let deleted = sqlx::query!(
        "DELETE FROM integrations WHERE id = $1 AND business_id = $2",
        integration_id,
        business_id.get()
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(Removed {
        stale_projects,
        stale_tasks,
    }))
}
