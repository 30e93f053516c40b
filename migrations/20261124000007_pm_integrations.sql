-- Project-management integrations (Jira Cloud, Asana, monday.com): one OAuth connection per
-- business and provider, its webhook registrations, and what sync needs on projects and tasks.

CREATE TABLE integrations (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id          uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    provider             text NOT NULL CHECK (provider IN ('jira', 'asana', 'monday')),
    status               text NOT NULL DEFAULT 'connected'
                         CHECK (status IN ('connected', 'syncing', 'error', 'needs_reconsent')),
    -- Jira cloudid, Asana workspace gid, monday account id.
    external_tenant_id   text NOT NULL,
    external_tenant_name text,
    -- Jira's site (https://x.atlassian.net): issue links are built from it, deliveries routed by it.
    site_url             text,
    -- AES-256-GCM (nonce || ciphertext || tag), bound to this row's business and provider.
    access_token         bytea NOT NULL,
    refresh_token        bytea,
    token_key_id         text NOT NULL,
    token_expires_at     timestamptz,
    scopes               text[] NOT NULL DEFAULT '{}',
    -- Incremental syncs ask for changes since this instant (minus an overlap).
    sync_watermark       timestamptz,
    last_synced_at       timestamptz,
    last_full_sync_at    timestamptz,
    -- One sync per integration at a time: a lease, so a crashed worker's lock expires by itself.
    sync_lease_until     timestamptz,
    last_error           text,
    connected_at         timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (business_id, provider),
    UNIQUE (id, business_id)
);

CREATE TABLE integration_webhooks (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    integration_id      uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    -- What the subscription watches: Jira 'issues' (one JQL-filtered webhook), an Asana project
    -- gid, a monday board id and event.
    resource_id         text NOT NULL,
    -- NULL while an Asana creation waits for its handshake.
    external_webhook_id text,
    -- Asana's X-Hook-Secret, encrypted like the tokens.
    secret              bytea,
    secret_key_id       text,
    -- Jira webhooks expire after 30 days unless refreshed.
    expires_at          timestamptz,
    -- An Asana handshake is accepted only before this instant (while our POST /webhooks waits).
    handshake_until     timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (integration_id, resource_id)
);
CREATE INDEX integration_webhooks_external_idx ON integration_webhooks (external_webhook_id);

ALTER TABLE projects
    ADD COLUMN integration_id uuid,
    ADD COLUMN raw            jsonb,
    -- Set by every sync that sees the row; a full sync marks rows it did not see as deleted.
    ADD COLUMN seen_at        timestamptz,
    ADD COLUMN deleted_at     timestamptz,
    -- The integration was removed: the row is kept as history but no longer current.
    ADD COLUMN stale_since    timestamptz,
    -- How client_id was set: by an admin (never overridden by sync) or by the matching rule.
    ADD COLUMN client_link    text CHECK (client_link IN ('admin', 'rule')),
    ADD FOREIGN KEY (integration_id, business_id) REFERENCES integrations (id, business_id)
        ON DELETE SET NULL (integration_id);
CREATE INDEX projects_integration_idx ON projects (integration_id);

ALTER TABLE tasks
    ADD COLUMN integration_id uuid,
    ADD COLUMN raw            jsonb,
    ADD COLUMN seen_at        timestamptz,
    ADD COLUMN deleted_at     timestamptz,
    ADD COLUMN stale_since    timestamptz,
    ADD FOREIGN KEY (integration_id, business_id) REFERENCES integrations (id, business_id)
        ON DELETE SET NULL (integration_id);
CREATE INDEX tasks_integration_idx ON tasks (integration_id);

-- The caller-facing indexes skip history: deleted or stale rows are never spoken to a caller.
DROP INDEX projects_client_active_idx;
CREATE INDEX projects_client_active_idx ON projects (client_id, due_date)
    WHERE status <> 'done' AND deleted_at IS NULL AND stale_since IS NULL;
DROP INDEX tasks_project_open_idx;
CREATE INDEX tasks_project_open_idx ON tasks (project_id, due_date)
    WHERE status <> 'done' AND deleted_at IS NULL AND stale_since IS NULL;
