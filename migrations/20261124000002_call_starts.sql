-- What the initiation webhook learned when a call started, so mid-call tools and the post-call
-- pipeline find the business (and the client) by conversation_id or call SID. Written in the same
-- statement that reads the call's context: no extra round trip on the hot path.
CREATE TABLE call_starts (
    conversation_id text PRIMARY KEY,
    call_sid        text,
    business_id     uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    client_id       uuid,
    direction       text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    person_phone    text CHECK (is_e164(person_phone)),     -- the caller (or, outbound, the person called)
    business_phone  text CHECK (is_e164(business_phone)),
    agent_id        text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE SET NULL (client_id)
);
CREATE INDEX call_starts_call_sid_idx ON call_starts (call_sid) WHERE call_sid IS NOT NULL;
CREATE INDEX call_starts_business_idx ON call_starts (business_id, started_at DESC);
