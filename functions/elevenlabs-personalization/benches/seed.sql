-- The bench dataset: 1,000 businesses x 100 clients x 20 projects, numbered as benches/initiation.rs
-- and infra/local/bench (the peer comparison) expect. Replaces whatever businesses the database holds.
TRUNCATE businesses CASCADE;
INSERT INTO businesses (id, name, timezone, business_hours)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(b), 12, '0'))::uuid, 'Bench Business ' || b, 'America/New_York',
       '{"weekly": {"mon": [{"open": "09:00", "close": "17:00"}], "tue": [{"open": "09:00", "close": "17:00"}],
                    "wed": [{"open": "09:00", "close": "17:00"}], "thu": [{"open": "09:00", "close": "17:00"}],
                    "fri": [{"open": "09:00", "close": "17:00"}]}, "holidays": [{"date": "2026-12-25"}]}'
FROM generate_series(1, 1000) b;
INSERT INTO business_phone_numbers (business_id, phone_e164)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(b), 12, '0'))::uuid, '+1415' || (2000000 + b) FROM generate_series(1, 1000) b;
INSERT INTO business_transfer_numbers (business_id, position, phone_e164, condition)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(b), 12, '0'))::uuid, 0, '+1415' || (3000000 + b), 'urgent' FROM generate_series(1, 1000) b;
INSERT INTO agent_configs (business_id, elevenlabs_agent_id, new_caller_voice_id, existing_client_voice_id, persona_prompt,
                           welcome_message, client_welcome_message)
SELECT id, 'agent_' || id, 'NEWVOICEaaaaaaaaaaaa', 'CLIENTVOICEbbbbbbbbb',
       'You are the receptionist of ' || name || '. ' || repeat('Be warm, concise and helpful. ', 40),
       'Thanks for calling {{business_name}}. How can I help?', 'Hi {{caller_name}}, welcome back to {{business_name}}!'
FROM businesses;
INSERT INTO qualification_questions (business_id, position, question, field_key, expected_format, choices)
SELECT b.id, q.pos, q.question, q.field_key, q.fmt, q.choices
FROM businesses b CROSS JOIN (VALUES
  (0, 'May I have your full name?', 'full_name', 'text', '{}'::text[]),
  (1, 'What is your email address?', 'email', 'email', '{}'),
  (2, 'What is the best number to reach you?', 'phone', 'phone', '{}'),
  (3, 'What kind of project is it?', 'project_type', 'choice', '{branding,packaging,website,other}'),
  (4, 'When would you like to start?', 'start_date', 'date', '{}')) AS q(pos, question, field_key, fmt, choices);
INSERT INTO clients (id, business_id, name, company)
SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(b * 100 + c), 12, '0'))::uuid,
       ('00000000-0000-4000-8000-' || lpad(to_hex(b), 12, '0'))::uuid, 'Client ' || b || '-' || c, 'Company ' || c
FROM generate_series(1, 1000) b, generate_series(1, 100) c;
INSERT INTO client_phone_numbers (client_id, business_id, phone_e164)
SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(b * 100 + c), 12, '0'))::uuid,
       ('00000000-0000-4000-8000-' || lpad(to_hex(b), 12, '0'))::uuid, '+1646' || (2000000 + b * 100 + c)
FROM generate_series(1, 1000) b, generate_series(1, 100) c;
INSERT INTO projects (business_id, client_id, provider, external_id, name, status, provider_status, due_date)
SELECT c.business_id, c.id, 'jira', c.id || '-' || p, 'Project ' || p || ' for ' || c.name,
       (ARRAY['todo', 'in_progress', 'done'])[1 + p % 3], 'Status ' || p, DATE '2027-01-01' + (p * 7)
FROM clients c, generate_series(1, 20) p;
ANALYZE;
