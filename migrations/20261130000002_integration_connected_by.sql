-- Who connected an integration: the user who asked for the authorize link (bound to their
-- browser until the callback). No foreign key: the record outlives the user.
ALTER TABLE integrations ADD COLUMN connected_by uuid;
