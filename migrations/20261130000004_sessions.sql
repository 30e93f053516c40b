-- Sessions that can end. Each user has a token version carried in every access token and checked
-- on every request: bumping it (a password change, a reset, a role change, disabling, logging out
-- everywhere) ends every access token at once. A disabled user cannot sign in or refresh. An
-- invited user has no password until they accept the invitation (only its digest is stored).
ALTER TABLE users
    ADD COLUMN token_version     integer NOT NULL DEFAULT 0,
    ADD COLUMN disabled_at       timestamptz,
    ADD COLUMN invite_digest     text UNIQUE,
    ADD COLUMN invite_expires_at timestamptz,
    ADD COLUMN invited_by        uuid;

-- Refresh tokens: opaque, rotated on every use, stored as SHA-256 digests. A family is one
-- sign-in; a token used twice (stolen and replayed) revokes its whole family. A family lives at
-- most `expires_at` (set at sign-in), however often it is refreshed.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    digest      text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz,
    address     text CHECK (length(address) <= 64),
    user_agent  text CHECK (length(user_agent) <= 512)
);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
