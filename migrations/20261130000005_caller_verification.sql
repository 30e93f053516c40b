-- Caller ID is easy to spoof. Each business says what a caller recognised by caller ID alone may
-- hear before the agent verifies them (`anonymous`: nothing of their account; `name`: a greeting
-- by name and general help; `projects`: also their projects), and a client may have a PIN (its
-- argon2 hash) to verify with instead of a code sent to their own number or email.
ALTER TABLE agent_configs
    ADD COLUMN unverified_caller_access text NOT NULL DEFAULT 'name'
        CHECK (unverified_caller_access IN ('anonymous', 'name', 'projects'));
ALTER TABLE clients ADD COLUMN pin_hash text;
