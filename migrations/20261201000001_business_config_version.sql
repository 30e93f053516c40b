-- The initiation webhook keeps each business's configuration in its container (Lambda) and checks it
-- with one integer per call instead of reading and shipping it every time (issue #17). That integer
-- changes with every write to what it caches: the business's name, time zone and hours, its agent
-- settings, the number of transfer numbers and the qualification questions. The triggers below do it
-- in the database, so no write path (admin API, operator CLI, a migration, psql) can forget.
-- Routing (which business a number or agent id reaches) is not cached: it is looked up every call.
-- Versions come from one sequence: they never repeat, also when a business is deleted and made
-- again under the same id, so a container can never take a new configuration for one it holds.
CREATE SEQUENCE business_config_versions;
ALTER TABLE businesses ADD COLUMN config_version bigint NOT NULL DEFAULT nextval('business_config_versions');

-- A write to the businesses row bumps the version unless the write set it itself (the child tables'
-- trigger below does, so one child write bumps it once).
CREATE FUNCTION businesses_bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.config_version = OLD.config_version THEN
        NEW.config_version := nextval('business_config_versions');
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER businesses_config_version BEFORE UPDATE ON businesses
    FOR EACH ROW EXECUTE FUNCTION businesses_bump_config_version();

-- A write to a table the cached configuration is made of bumps its business's version. Once per
-- statement and business (a business PUT replaces several transfer numbers in one statement).
CREATE FUNCTION config_child_bump_business_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE businesses SET config_version = nextval('business_config_versions')
        WHERE id IN (SELECT DISTINCT business_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE businesses SET config_version = nextval('business_config_versions')
        WHERE id IN (SELECT DISTINCT business_id FROM old_rows);
    ELSE
        UPDATE businesses SET config_version = nextval('business_config_versions')
        WHERE id IN (SELECT business_id FROM new_rows UNION SELECT business_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$;

-- Transition tables need one trigger per event.
CREATE TRIGGER agent_configs_version_ins AFTER INSERT ON agent_configs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();
CREATE TRIGGER agent_configs_version_upd AFTER UPDATE ON agent_configs
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();
CREATE TRIGGER agent_configs_version_del AFTER DELETE ON agent_configs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();

CREATE TRIGGER transfer_numbers_version_ins AFTER INSERT ON business_transfer_numbers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();
CREATE TRIGGER transfer_numbers_version_upd AFTER UPDATE ON business_transfer_numbers
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();
CREATE TRIGGER transfer_numbers_version_del AFTER DELETE ON business_transfer_numbers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();

CREATE TRIGGER questions_version_ins AFTER INSERT ON qualification_questions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();
CREATE TRIGGER questions_version_upd AFTER UPDATE ON qualification_questions
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();
CREATE TRIGGER questions_version_del AFTER DELETE ON qualification_questions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION config_child_bump_business_version();

-- TRUNCATE fires no row or DELETE trigger: it bumps every business. (Writes with triggers switched
-- off, `session_replication_role = replica` or DISABLE TRIGGER, bypass all of this by definition.)
CREATE FUNCTION config_truncate_bump_all_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE businesses SET config_version = nextval('business_config_versions');
    RETURN NULL;
END $$;
CREATE TRIGGER agent_configs_version_truncate AFTER TRUNCATE ON agent_configs
    FOR EACH STATEMENT EXECUTE FUNCTION config_truncate_bump_all_versions();
CREATE TRIGGER transfer_numbers_version_truncate AFTER TRUNCATE ON business_transfer_numbers
    FOR EACH STATEMENT EXECUTE FUNCTION config_truncate_bump_all_versions();
CREATE TRIGGER questions_version_truncate AFTER TRUNCATE ON qualification_questions
    FOR EACH STATEMENT EXECUTE FUNCTION config_truncate_bump_all_versions();

-- Call starts are kept for CALL_START_RETENTION (14 days, the queues' longest message retention: no
-- post-call event can arrive later) and pruned by the scheduled reconciliation. BRIN: rows arrive in
-- time order, and the index costs next to nothing on the hot insert.
CREATE INDEX call_starts_started_at_brin ON call_starts USING brin (started_at);

-- Every call inserts one call start; measured per insert on the bench (issue #17, pgbench, async
-- commit): 103 us of database CPU with the two foreign keys and the two E.164 checks, 44 us without.
-- The foreign keys' checks lock the business and client rows (FOR KEY SHARE: a WAL record each, and
-- multixacts when one business takes many calls at once). Their cascades move to delete triggers,
-- paid on the rare delete instead of on every call. A call start can name a business deleted while
-- the call was starting (the same statement read it); such a row reaches nothing (every reader joins
-- the business) and is pruned with the rest. The E.164 checks repeat what the only writer guarantees:
-- it binds numbers parsed into `E164` or copies `business_phone_numbers.phone_e164`, checked there.
ALTER TABLE call_starts
    DROP CONSTRAINT call_starts_business_id_fkey,
    DROP CONSTRAINT call_starts_client_id_business_id_fkey,
    DROP CONSTRAINT call_starts_person_phone_check,
    DROP CONSTRAINT call_starts_business_phone_check;

CREATE FUNCTION call_starts_forget_businesses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM call_starts WHERE business_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER businesses_forget_call_starts AFTER DELETE ON businesses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION call_starts_forget_businesses();
CREATE FUNCTION call_starts_forget_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE call_starts;
    RETURN NULL;
END $$;
CREATE TRIGGER businesses_truncate_call_starts AFTER TRUNCATE ON businesses
    FOR EACH STATEMENT EXECUTE FUNCTION call_starts_forget_all();

-- A deleted client's calls stay, without the client (as the foreign key's SET NULL did).
CREATE FUNCTION call_starts_forget_clients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE call_starts s SET client_id = NULL
    FROM old_rows c
    WHERE s.business_id = c.business_id AND s.client_id = c.id;
    RETURN NULL;
END $$;
CREATE TRIGGER clients_forget_call_starts AFTER DELETE ON clients
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION call_starts_forget_clients();
