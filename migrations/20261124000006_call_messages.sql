-- Messages the agent takes for the team during a call (the take_message tool), e.g. after hours.
-- A repeated tool call with the same text is the same message: unique per conversation and text.
CREATE TABLE call_messages (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    business_id                uuid NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    elevenlabs_conversation_id text NOT NULL,
    client_id                  uuid,
    caller_phone               text CHECK (is_e164(caller_phone)),
    caller_name                text CHECK (length(caller_name) <= 200),
    callback_phone             text CHECK (is_e164(callback_phone)),
    callback_raw               text CHECK (length(callback_raw) <= 100),  -- as said, when it was not a number
    message                    text NOT NULL CHECK (length(btrim(message)) BETWEEN 1 AND 4000),
    preferred_time             text CHECK (length(preferred_time) <= 200),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE SET NULL (client_id)
);
CREATE UNIQUE INDEX call_messages_once_key ON call_messages (elevenlabs_conversation_id, md5(message));
CREATE INDEX call_messages_business_idx ON call_messages (business_id, created_at DESC);
