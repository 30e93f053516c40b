-- Conversation quality (issue #20).
--
-- Per choice of a qualification question, the other words callers use for it ("Website": ["site",
-- "online shop"]): the live check matches them inside the caller's answer.
ALTER TABLE qualification_questions
    ADD COLUMN choice_synonyms jsonb NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(choice_synonyms) = 'object');

-- A greeting per situation: known clients are greeted by name after hours and on holidays too, and
-- a holiday can have its own words. Empty means the built-in template for that situation
-- (`personalization::greeting`).
ALTER TABLE agent_configs
    ADD COLUMN client_after_hours_message text NOT NULL DEFAULT ''
        CHECK (length(client_after_hours_message) <= 1000),
    ADD COLUMN holiday_message text NOT NULL DEFAULT ''
        CHECK (length(holiday_message) <= 1000),
    ADD COLUMN client_holiday_message text NOT NULL DEFAULT ''
        CHECK (length(client_holiday_message) <= 1000);
