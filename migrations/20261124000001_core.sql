-- Core data model: tenancy, configuration and the normalised project model.
-- Closed value sets are text + CHECK (not Postgres enums) so later forward-only migrations can extend
-- them with a plain ALTER. Every phone number is stored in E.164, normalised in code before it
-- gets here; the CHECKs are the last line of defence.

-- pgvector: the local and deployed databases both carry it; later features store embeddings.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE FUNCTION is_e164(p text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN p ~ '^\+[1-9][0-9]{6,14}$';

CREATE TABLE businesses (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    timezone            text NOT NULL,                          -- IANA name, checked in code
    default_region      text NOT NULL DEFAULT 'US' CHECK (default_region ~ '^[A-Z]{2}$'),
    business_hours      jsonb NOT NULL DEFAULT '{"weekly": {}, "holidays": []}'
                        CHECK (jsonb_typeof(business_hours) = 'object'),
    notification_emails text[] NOT NULL DEFAULT '{}',
    notification_phone  text CHECK (is_e164(notification_phone)),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Numbers that ring a business. Unique across the platform: a called number names one tenant.
CREATE TABLE business_phone_numbers (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id                uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    phone_e164                 text NOT NULL UNIQUE CHECK (is_e164(phone_e164)),
    label                      text,
    elevenlabs_phone_number_id text UNIQUE,
    created_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX business_phone_numbers_business_idx ON business_phone_numbers (business_id);

-- Where a live call may be transferred to, and when (ElevenLabs transfer_to_number rules).
CREATE TABLE business_transfer_numbers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    position    int NOT NULL CHECK (position >= 0),
    phone_e164  text NOT NULL CHECK (is_e164(phone_e164)),
    label       text NOT NULL DEFAULT '',
    condition   text NOT NULL CHECK (length(condition) BETWEEN 1 AND 500),
    UNIQUE (business_id, position),
    UNIQUE (business_id, phone_e164)
);

CREATE TABLE agent_configs (
    business_id              uuid PRIMARY KEY REFERENCES businesses (id) ON DELETE CASCADE,
    elevenlabs_agent_id      text UNIQUE,
    voice_id                 text,          -- custom override: wins over the two below
    new_caller_voice_id      text,
    existing_client_voice_id text,
    stability                real NOT NULL DEFAULT 0.5 CHECK (stability BETWEEN 0::real AND 1::real),
    similarity_boost         real NOT NULL DEFAULT 0.8 CHECK (similarity_boost BETWEEN 0::real AND 1::real),
    -- Bounds are compared as real: 1.2 stored as real is 1.2000000477 in double precision.
    speed                    real NOT NULL DEFAULT 1.0 CHECK (speed BETWEEN 0.7::real AND 1.2::real),
    language                 text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z]{2,4})?$'),
    persona_prompt           text NOT NULL DEFAULT '' CHECK (length(persona_prompt) <= 20000),
    welcome_message          text NOT NULL DEFAULT '' CHECK (length(welcome_message) <= 1000),
    client_welcome_message   text NOT NULL DEFAULT '' CHECK (length(client_welcome_message) <= 1000),
    after_hours_message      text NOT NULL DEFAULT '' CHECK (length(after_hours_message) <= 1000),
    updated_at               timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('platform_admin', 'business_owner', 'business_member')),
    business_id   uuid REFERENCES businesses (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Only platform admins stand outside a tenant.
    CHECK ((role = 'platform_admin') = (business_id IS NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE clients (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    company     text,
    email       text,
    notes       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, business_id)                 -- target of tenant-safe composite foreign keys
);
CREATE INDEX clients_business_idx ON clients (business_id);

-- A client may call from several numbers; within one business a number names one client.
-- Carrying business_id with a composite FK makes a cross-tenant link impossible.
CREATE TABLE client_phone_numbers (
    client_id   uuid NOT NULL,
    business_id uuid NOT NULL,
    phone_e164  text NOT NULL CHECK (is_e164(phone_e164)),
    PRIMARY KEY (business_id, phone_e164),   -- the hot lookup: (business, caller) -> client
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE CASCADE
);
CREATE INDEX client_phone_numbers_client_idx ON client_phone_numbers (client_id);

CREATE TABLE qualification_questions (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id             uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    position                int NOT NULL CHECK (position >= 0),
    question                text NOT NULL CHECK (length(btrim(question)) BETWEEN 1 AND 500),
    field_key               text NOT NULL CHECK (field_key ~ '^[a-z][a-z0-9_]{0,63}$'),
    expected_format         text NOT NULL CHECK (expected_format IN ('text', 'email', 'phone', 'number', 'date', 'yes_no', 'choice')),
    choices                 text[] NOT NULL DEFAULT '{}',
    required                boolean NOT NULL DEFAULT true,
    maps_to_lead_field      text CHECK (maps_to_lead_field IN ('contact_name', 'email', 'phone', 'company', 'notes')),
    essential_for_emergency boolean NOT NULL DEFAULT false,
    CHECK ((expected_format = 'choice') = (cardinality(choices) >= 2)),
    -- Deferrable so the whole ordered list can be replaced in one transaction.
    UNIQUE (business_id, position) DEFERRABLE INITIALLY IMMEDIATE,
    UNIQUE (business_id, field_key) DEFERRABLE INITIALLY IMMEDIATE
);

-- Words or phrases that make a caller's situation urgent, with the priority they raise a lead to.
CREATE TABLE urgency_keywords (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    phrase      text NOT NULL CHECK (length(btrim(phrase)) BETWEEN 1 AND 200),
    severity    text NOT NULL CHECK (severity IN ('high', 'urgent'))
);
CREATE UNIQUE INDEX urgency_keywords_phrase_key ON urgency_keywords (business_id, lower(phrase));

-- The normalised project model that PM integrations fill (and tests and the demo seed insert).
CREATE TABLE projects (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id         uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    client_id           uuid,
    provider            text NOT NULL CHECK (provider IN ('jira', 'asana', 'monday', 'manual')),
    external_id         text NOT NULL,
    name                text NOT NULL,
    status              text NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    provider_status     text NOT NULL DEFAULT '',
    due_date            date,
    assignee            text,
    url                 text,
    provider_updated_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (business_id, provider, external_id),
    UNIQUE (id, business_id),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE SET NULL (client_id)
);
-- The hot lookup: a client's active projects, soonest due first.
CREATE INDEX projects_client_active_idx ON projects (client_id, due_date) WHERE status <> 'done';

CREATE TABLE tasks (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id         uuid NOT NULL,
    project_id          uuid NOT NULL,
    provider            text NOT NULL CHECK (provider IN ('jira', 'asana', 'monday', 'manual')),
    external_id         text NOT NULL,
    name                text NOT NULL,
    status              text NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    provider_status     text NOT NULL DEFAULT '',
    due_date            date,
    assignee            text,
    url                 text,
    provider_updated_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (business_id, provider, external_id),
    FOREIGN KEY (project_id, business_id) REFERENCES projects (id, business_id) ON DELETE CASCADE
);
CREATE INDEX tasks_project_open_idx ON tasks (project_id, due_date) WHERE status <> 'done';
