-- Who put a number on a business. Only a platform admin (the admin API with a platform-admin
-- token) or the operator CLI adds or removes a business's numbers, and the agent sync connects only
-- numbers assigned that way to the business's agent: an owner could otherwise list a number that
-- is not theirs and have the sync point it at their agent. Numbers recorded before this rule are
-- 'unconfirmed' until a platform admin assigns them again.
ALTER TABLE business_phone_numbers
    ADD COLUMN assigned_via text NOT NULL DEFAULT 'unconfirmed'
        CHECK (assigned_via IN ('unconfirmed', 'operator', 'platform_admin')),
    -- The platform admin who assigned it (no foreign key: the record outlives the user).
    ADD COLUMN assigned_by  uuid,
    ADD COLUMN assigned_at  timestamptz;
