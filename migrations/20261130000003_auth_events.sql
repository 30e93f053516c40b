-- The audit of the admin API's authentication and of changes to who has access: who (the user when
-- known, the email as typed), from where (address and user agent), what happened, and when. Never a
-- password or a token.
CREATE TABLE auth_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL CHECK (kind IN (
                    'login_succeeded', 'login_failed', 'login_locked',
                    'token_refreshed', 'refresh_reused', 'logout',
                    'password_changed', 'password_reset',
                    'user_invited', 'invite_accepted', 'user_disabled', 'user_enabled',
                    'user_removed', 'role_changed')),
    -- Who it happened to, and (for changes to access) who did it.
    user_id     uuid,
    actor_id    uuid,
    business_id uuid,
    email       text CHECK (length(email) <= 320),
    address     text CHECK (length(address) <= 64),
    user_agent  text CHECK (length(user_agent) <= 512)
);
CREATE INDEX auth_events_user_idx ON auth_events (user_id, at DESC);
CREATE INDEX auth_events_business_idx ON auth_events (business_id, at DESC);
