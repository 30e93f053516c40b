-- After the call: conversations with their transcripts, call logs, leads, client notes, and the
-- webhook bodies too large for a queue message.

-- A post-call body over the SQS message limit is kept here and the job carries its id.
CREATE TABLE webhook_payloads (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source          text NOT NULL CHECK (source IN ('elevenlabs')),
    event_type      text NOT NULL,
    conversation_id text,
    body            bytea NOT NULL,                 -- the raw bytes that were verified
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_payloads_received_idx ON webhook_payloads (received_at);

CREATE TABLE conversations (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id                uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    elevenlabs_conversation_id text NOT NULL UNIQUE,
    agent_id                   text,
    status                     text,
    direction                  text CHECK (direction IN ('inbound', 'outbound')),
    caller_phone               text CHECK (is_e164(caller_phone)),  -- the other party, whichever way
    business_phone             text CHECK (is_e164(business_phone)),
    client_id                  uuid,
    started_at                 timestamptz,
    ended_at                   timestamptz,
    duration_secs              int CHECK (duration_secs >= 0),
    main_language              text,
    -- [{role, text, time_in_call_secs, interrupted, tool_calls: [{tool_name, params}], tool_results: [...]}]
    messages                   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(messages) = 'array'),
    analysis                   jsonb,
    initiation_data            jsonb,               -- what our initiation webhook answered
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, business_id),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE SET NULL (client_id)
);
CREATE INDEX conversations_business_idx ON conversations (business_id, started_at DESC);

CREATE TABLE leads (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id      uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    caller_phone     text CHECK (is_e164(caller_phone)),
    contact_name     text,
    email            text,
    phone            text CHECK (is_e164(phone)),
    company          text,
    notes            text NOT NULL DEFAULT '',
    -- {field_key: {raw, value, valid, problem, source}} (shared::domain::answers::Answer)
    answers          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(answers) = 'object'),
    status           text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'qualified', 'closed')),
    priority         text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    urgency_reasons  text[] NOT NULL DEFAULT '{}',
    conversation_id  uuid,                          -- the call that last updated it
    client_id        uuid,
    assignee_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, business_id),
    FOREIGN KEY (conversation_id, business_id) REFERENCES conversations (id, business_id) ON DELETE SET NULL (conversation_id),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE SET NULL (client_id)
);
-- A caller has at most one open lead per business: later calls update it.
CREATE UNIQUE INDEX leads_open_caller_key ON leads (business_id, caller_phone)
    WHERE status <> 'closed' AND caller_phone IS NOT NULL;
-- A caller without caller id: one open lead per call.
CREATE UNIQUE INDEX leads_anonymous_call_key ON leads (business_id, conversation_id)
    WHERE status <> 'closed' AND caller_phone IS NULL;
CREATE INDEX leads_business_idx ON leads (business_id, created_at DESC, id);

-- One row per call, keyed by Twilio's call SID (or, for calls without one, the conversation id).
CREATE TABLE call_logs (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id                uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    call_key                   text NOT NULL UNIQUE,   -- call SID, else 'conversation:<id>'
    call_sid                   text,
    elevenlabs_conversation_id text,
    conversation_id            uuid,
    direction                  text CHECK (direction IN ('inbound', 'outbound')),
    from_phone                 text CHECK (is_e164(from_phone)),
    to_phone                   text CHECK (is_e164(to_phone)),
    status                     text NOT NULL CHECK (status IN ('completed', 'failed', 'busy', 'no-answer', 'in-progress')),
    started_at                 timestamptz,
    ended_at                   timestamptz,
    duration_secs              int CHECK (duration_secs >= 0),
    termination_reason         text,
    cost_credits               bigint,
    cost_amount                numeric(12, 6),
    cost_currency              text CHECK (cost_currency ~ '^[A-Z]{3}$'),
    summary                    text,
    summary_title              text,
    summary_source             text CHECK (summary_source IN ('elevenlabs', 'openai', 'extractive')),
    call_successful            text CHECK (call_successful IN ('success', 'failure', 'unknown')),
    failure_reason             text,
    failure_details            jsonb,                  -- Twilio/SIP fields of an initiation failure
    client_id                  uuid,
    lead_id                    uuid,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, business_id),
    FOREIGN KEY (conversation_id, business_id) REFERENCES conversations (id, business_id) ON DELETE SET NULL (conversation_id),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE SET NULL (client_id),
    FOREIGN KEY (lead_id, business_id) REFERENCES leads (id, business_id) ON DELETE SET NULL (lead_id)
);
CREATE INDEX call_logs_business_idx ON call_logs (business_id, started_at DESC, id);
CREATE INDEX call_logs_conversation_idx ON call_logs (elevenlabs_conversation_id);

-- What a known client called about: one note per call.
CREATE TABLE client_notes (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id     uuid NOT NULL,
    client_id       uuid NOT NULL,
    conversation_id uuid NOT NULL UNIQUE,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE CASCADE,
    FOREIGN KEY (conversation_id, business_id) REFERENCES conversations (id, business_id) ON DELETE CASCADE
);
CREATE INDEX client_notes_client_idx ON client_notes (client_id, created_at DESC);
