-- Whether a call's caller is verified is read on every `get_project_status` of a business that
-- does not share projects on caller ID alone, in the query that identifies the call.
CREATE INDEX caller_verification_events_verified_idx
    ON caller_verification_events (conversation_id) WHERE kind = 'verified';
