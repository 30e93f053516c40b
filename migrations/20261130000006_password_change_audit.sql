-- A wrong current password on a password change is audited (and counted, like failed sign-ins).
ALTER TABLE auth_events DROP CONSTRAINT auth_events_kind_check;
ALTER TABLE auth_events ADD CONSTRAINT auth_events_kind_check CHECK (kind IN (
    'login_succeeded', 'login_failed', 'login_locked',
    'token_refreshed', 'refresh_reused', 'logout',
    'password_changed', 'password_change_failed', 'password_reset',
    'user_invited', 'invite_accepted', 'user_disabled', 'user_enabled',
    'user_removed', 'role_changed'));
