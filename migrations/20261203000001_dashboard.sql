-- The dashboard (issue #18): the language model each agent runs on (sent by the agent sync as
-- `prompt.llm`; checked against ElevenLabs' list by the admin API), and each client's own
-- greeting, used for that client instead of the business's known-client greeting.
ALTER TABLE agent_configs
    ADD COLUMN llm text NOT NULL DEFAULT 'gemini-2.0-flash' CHECK (length(llm) BETWEEN 1 AND 100);

ALTER TABLE clients
    ADD COLUMN welcome_message text NOT NULL DEFAULT '' CHECK (length(welcome_message) <= 1000);
