-- Demo tenant for the local run: "Aurora Branding". Created once: when the demo business exists
-- (an earlier ./infra/local/run made it), nothing here runs, so what was edited since through the
-- API or the dashboard survives every restart. Fixed ids; never touches other data. To start over
-- from this file, delete the business (its rows cascade) or the local database's folder.
DO $seed$
BEGIN
IF EXISTS (SELECT 1 FROM businesses WHERE id = 'a0a0a0a0-0000-4000-8000-000000000001') THEN
    RETURN;
END IF;


INSERT INTO businesses (id, name, timezone, default_region, business_hours, notification_emails, notification_phone)
VALUES ('a0a0a0a0-0000-4000-8000-000000000001', 'Aurora Branding', 'America/Los_Angeles', 'US',
        '{"weekly": {"mon": [{"open": "09:00", "close": "12:30"}, {"open": "13:30", "close": "18:00"}],
                     "tue": [{"open": "09:00", "close": "12:30"}, {"open": "13:30", "close": "18:00"}],
                     "wed": [{"open": "09:00", "close": "12:30"}, {"open": "13:30", "close": "18:00"}],
                     "thu": [{"open": "09:00", "close": "12:30"}, {"open": "13:30", "close": "18:00"}],
                     "fri": [{"open": "09:00", "close": "16:00"}],
                     "sat": [{"open": "10:00", "close": "14:00"}]},
          "holidays": [{"date": "2026-12-25", "name": "Christmas Day"}, {"date": "2027-01-01", "name": "New Year''s Day"}]}',
        '{studio@aurora-branding.example}', '+14155552699');

INSERT INTO business_phone_numbers (id, business_id, phone_e164, label, assigned_via, assigned_at)
VALUES ('a0a0a0a0-0000-4000-8000-000000000101', 'a0a0a0a0-0000-4000-8000-000000000001', '+14155552600', 'Main line', 'operator', now());

INSERT INTO business_transfer_numbers (id, business_id, position, phone_e164, label, condition)
VALUES ('a0a0a0a0-0000-4000-8000-000000000111', 'a0a0a0a0-0000-4000-8000-000000000001', 0, '+14155552610', 'Studio lead',
        'The caller has an urgent problem with a live project or launch, or explicitly asks for a person.');

INSERT INTO agent_configs (business_id, new_caller_voice_id, existing_client_voice_id, stability, similarity_boost, speed,
                           language, persona_prompt, welcome_message, client_welcome_message, after_hours_message,
                           client_after_hours_message)
VALUES ('a0a0a0a0-0000-4000-8000-000000000001', 'EXAVITQu4vr4xnSDxMaL', '21m00Tcm4TlvDq8ikWAM', 0.45, 0.85, 1.0, 'en',
        'You are Nova, the friendly receptionist of Aurora Branding, a small brand-identity and packaging studio in San Francisco. Be warm, concise and professional. Never promise prices or dates; offer to have the team follow up.',
        'Thanks for calling Aurora Branding, this is Nova. How can I help you today?',
        'Hi {{caller_name}}, welcome back to Aurora Branding! This is Nova. Are you calling about one of your projects?',
        'Thanks for calling Aurora Branding. The studio is closed right now, but I can take a message and the team will call you back.',
        'Hi {{caller_first_name}}, thanks for calling Aurora Branding. The studio is closed right now, but I can take a message and make sure the team sees it first thing.');

INSERT INTO clients (id, business_id, name, company, email, notes) VALUES
    ('a0a0a0a0-0000-4000-8000-000000000201', 'a0a0a0a0-0000-4000-8000-000000000001', 'Dana Whitfield', 'Fernhill Coffee Roasters',
     'dana@fernhill.example', 'Prefers email follow-ups. Launching new packaging line in spring.'),
    ('a0a0a0a0-0000-4000-8000-000000000202', 'a0a0a0a0-0000-4000-8000-000000000001', 'Marcus Lee', 'Northpoint Fitness',
     'marcus@northpoint.example', 'Rebrand ahead of second location opening.');

INSERT INTO client_phone_numbers (client_id, business_id, phone_e164) VALUES
    ('a0a0a0a0-0000-4000-8000-000000000201', 'a0a0a0a0-0000-4000-8000-000000000001', '+14155552671'),
    ('a0a0a0a0-0000-4000-8000-000000000201', 'a0a0a0a0-0000-4000-8000-000000000001', '+16505553412'),
    ('a0a0a0a0-0000-4000-8000-000000000202', 'a0a0a0a0-0000-4000-8000-000000000001', '+12125553456');

INSERT INTO projects (id, business_id, client_id, provider, external_id, name, status, provider_status, due_date, assignee) VALUES
    ('a0a0a0a0-0000-4000-8000-000000000301', 'a0a0a0a0-0000-4000-8000-000000000001', 'a0a0a0a0-0000-4000-8000-000000000201',
     'manual', 'demo-fernhill-packaging', 'Fernhill spring packaging line', 'in_progress', 'Design review', '2027-02-15', 'Priya'),
    ('a0a0a0a0-0000-4000-8000-000000000302', 'a0a0a0a0-0000-4000-8000-000000000001', 'a0a0a0a0-0000-4000-8000-000000000201',
     'manual', 'demo-fernhill-website', 'Fernhill website refresh', 'todo', 'Backlog', '2027-04-01', NULL),
    ('a0a0a0a0-0000-4000-8000-000000000303', 'a0a0a0a0-0000-4000-8000-000000000001', 'a0a0a0a0-0000-4000-8000-000000000202',
     'manual', 'demo-northpoint-rebrand', 'Northpoint rebrand', 'in_progress', 'Logo concepts', '2027-01-20', 'Sam'),
    ('a0a0a0a0-0000-4000-8000-000000000304', 'a0a0a0a0-0000-4000-8000-000000000001', 'a0a0a0a0-0000-4000-8000-000000000202',
     'manual', 'demo-northpoint-signage', 'Northpoint signage', 'done', 'Delivered', '2026-10-30', 'Sam');

INSERT INTO tasks (id, business_id, project_id, provider, external_id, name, status, provider_status, due_date, assignee) VALUES
    ('a0a0a0a0-0000-4000-8000-000000000401', 'a0a0a0a0-0000-4000-8000-000000000001', 'a0a0a0a0-0000-4000-8000-000000000301',
     'manual', 'demo-task-1', 'Dieline mockups for 12oz bag', 'in_progress', 'In review', '2027-01-10', 'Priya'),
    ('a0a0a0a0-0000-4000-8000-000000000402', 'a0a0a0a0-0000-4000-8000-000000000001', 'a0a0a0a0-0000-4000-8000-000000000301',
     'manual', 'demo-task-2', 'Print vendor proofs', 'todo', 'To do', '2027-02-01', NULL),
    ('a0a0a0a0-0000-4000-8000-000000000403', 'a0a0a0a0-0000-4000-8000-000000000001', 'a0a0a0a0-0000-4000-8000-000000000303',
     'manual', 'demo-task-3', 'Three logo directions', 'in_progress', 'Doing', '2026-12-12', 'Sam');

INSERT INTO qualification_questions (business_id, position, question, field_key, expected_format, choices, choice_synonyms,
                                     required, maps_to_lead_field, essential_for_emergency) VALUES
    ('a0a0a0a0-0000-4000-8000-000000000001', 0, 'May I have your full name?', 'full_name', 'text', '{}', '{}', true, 'contact_name', true),
    ('a0a0a0a0-0000-4000-8000-000000000001', 1, 'What is the best email address to reach you?', 'email', 'email', '{}', '{}', true, 'email', false),
    ('a0a0a0a0-0000-4000-8000-000000000001', 2, 'What kind of project is it: branding, packaging, website or something else?',
     'project_type', 'choice', '{branding,packaging,website,other}',
     '{"branding": ["logo", "brand identity", "rebrand"], "packaging": ["label", "box"], "website": ["site", "online shop"]}',
     true, NULL, false),
    ('a0a0a0a0-0000-4000-8000-000000000001', 3, 'Roughly what budget do you have in mind, in US dollars?', 'budget_usd', 'number', '{}', '{}', false, NULL, false),
    ('a0a0a0a0-0000-4000-8000-000000000001', 4, 'When would you like the project to start?', 'start_date', 'date', '{}', '{}', false, NULL, false);

INSERT INTO urgency_keywords (business_id, phrase, severity) VALUES
    ('a0a0a0a0-0000-4000-8000-000000000001', 'launch tomorrow', 'urgent'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'printer deadline', 'urgent'),
    ('a0a0a0a0-0000-4000-8000-000000000001', 'deadline', 'high');

-- The knowledge base (issue #19): the always-known FAQ and the studio's FAQ document, queued for
-- indexing by ./infra/local/run (`studioconnect knowledge index-pending`).
UPDATE agent_configs SET faq = 'Opening hours: Monday to Friday, 9 am to 6 pm Pacific. Address: 210 Main Street, San Francisco. New projects start with a free 30-minute call.'
WHERE business_id = 'a0a0a0a0-0000-4000-8000-000000000001';
INSERT INTO knowledge_documents (id, business_id, title, source_kind, body) VALUES
    ('a0a0a0a0-0000-4000-8000-000000000601', 'a0a0a0a0-0000-4000-8000-000000000001', 'Studio FAQ', 'markdown',
     '# Aurora Branding: what callers ask

## Visiting the studio

### Parking

Free parking is behind the studio; enter from Pine Street and take any space marked "Aurora". The
lot closes at 7 pm. Street parking on Main Street is metered until 6 pm on weekdays and free on
weekends. Bike racks are by the front door.

### Accessibility

The studio is on the ground floor with step-free access from the lot. The restroom is accessible.
Tell us before your session if you need anything else and we will have it ready.

## Prices

Prices include one round of revisions. Rush work (under five working days) adds 30%.

| Service | From |
| --- | --- |
| Logo and identity | $2,400 |
| Brand guidelines | $1,800 |
| Website design (five pages) | $6,500 |
| Social media kit | $900 |

Payment is 50% on signing and 50% on delivery, by card or bank transfer. We send an invoice with
each payment; invoices are due within 14 days.

## Turnaround

A logo and identity takes three to four weeks from the kickoff call: one week of research, two of
design, and a week for revisions. Brand guidelines take two weeks after the identity is approved.
A website takes six to eight weeks, depending on how quickly content arrives. We agree the dates in
the proposal and keep you posted every Friday.

## Policies

### Cancellations

You may cancel before design starts for a full refund of the deposit less $250 for the research
done. After design starts the deposit is not refunded, but we hand over everything made so far.

### Files and ownership

When the final payment is made you own the final files outright: vector logos (AI, SVG, PDF),
raster exports (PNG, JPG) in every size in the guidelines, and the fonts'' licence details. Drafts
and rejected concepts stay ours.

```
# This is not a heading: a code block in a document stays in its passage.
```

## Opening hours

Monday to Friday, 9 am to 5 pm Pacific. Closed on public holidays. The receptionist answers at any
hour and takes messages; urgent project issues reach the project lead by text.');
END
$seed$;
