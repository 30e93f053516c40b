-- Admin API and the ElevenLabs agent manager.

-- Keyset pagination of the admin lists walks (created_at DESC, id DESC) within one business.
CREATE INDEX clients_business_created_idx ON clients (business_id, created_at DESC, id DESC);
CREATE INDEX call_logs_business_created_idx ON call_logs (business_id, created_at DESC, id DESC);

-- ElevenLabs workspace resources shared by every agent (the initiation webhook's secret, the
-- webhook tools), under our own name, so a re-run of the agent manager reuses them.
CREATE TABLE elevenlabs_resources (
    kind        text NOT NULL CHECK (kind IN ('secret', 'tool')),
    name        text NOT NULL,
    resource_id text NOT NULL,
    -- sha256 of the definition last sent, so an unchanged tool is not patched again.
    fingerprint text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, name)
);

ALTER TABLE agent_configs ADD COLUMN agent_synced_at timestamptz;
