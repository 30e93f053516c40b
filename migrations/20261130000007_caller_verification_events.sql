-- Every step of a caller's verification, per client and across calls. It is the audit (who was
-- sent a code, who gave a wrong answer, when a client was locked) and the counter: a client gets a
-- few codes and wrong answers in any 24 hours whatever the number of calls, so an attacker who
-- spoofs a client's caller ID cannot guess a PIN call after call, nor run up text messages.
CREATE TABLE caller_verification_events (
    id              bigserial PRIMARY KEY,
    business_id     uuid NOT NULL,
    client_id       uuid NOT NULL,
    conversation_id text NOT NULL CHECK (length(conversation_id) BETWEEN 1 AND 200),
    kind            text NOT NULL
        CHECK (kind IN ('code_sent', 'failed', 'verified', 'locked', 'refused')),
    at              timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (client_id, business_id) REFERENCES clients (id, business_id) ON DELETE CASCADE
);
CREATE INDEX caller_verification_events_client_idx ON caller_verification_events (client_id, at);
