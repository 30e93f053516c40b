-- The admin API shows each lead's latest call (`last_call_id`): without this, every listed lead
-- scanned call_logs.
CREATE INDEX call_logs_lead_idx ON call_logs (lead_id, created_at DESC) WHERE lead_id IS NOT NULL;
