//! Properties of the parsers of untrusted input: whatever arrives, they never panic, and what they
//! accept round-trips. CI runs `PROPTEST_CASES` cases per property (256 unless set); a long soak:
//! `PROPTEST_CASES=200000 ./infra/local/test -p shared --test properties`.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use lambda_http::{Body, Request};
use proptest::prelude::*;
use serde_json::{Value, json};
use shared::admin::request::Cursor;
use shared::domain::ExpectedFormat;
use shared::domain::answers::{self, Checked};
use shared::domain::business_hours::BusinessHours;
use shared::domain::spoken::AnswerContext;
use shared::domain::text;
use shared::elevenlabs::webhook::{self, SignatureError};
use shared::personalization::template;
use shared::phone::E164;

use crate::strategies::{any_json, any_text};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

proptest! {
    // Case count from PROPTEST_CASES; a failure prints its minimal input instead of writing a
    // regressions file into the tree.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_signed_body_verifies_and_any_change_does_not(
        body in prop::collection::vec(any::<u8>(), 0..512),
        secret in prop::collection::vec(any::<u8>(), 1..64),
        t in 1_600_000_000i64..2_000_000_000,
        age in 0i64..1800,
        flip in any::<prop::sample::Index>(),
    ) {
        let header = webhook::sign(&body, &secret, t);
        prop_assert!(webhook::verify_signature(Some(&header), &body, &secret, at(t + age)).is_ok());
        if !body.is_empty() {
            let mut changed = body.clone();
            let i = flip.index(changed.len());
            changed[i] ^= 0x01;
            prop_assert_eq!(
                webhook::verify_signature(Some(&header), &changed, &secret, at(t + age)),
                Err(SignatureError::Mismatch)
            );
        }
    }

    #[test]
    fn any_signature_header_is_refused_or_accepted_never_a_panic(
        header in any::<String>(),
        body in prop::collection::vec(any::<u8>(), 0..64),
        now in any::<i64>(),
    ) {
        let now = Utc.timestamp_opt(now % 8_000_000_000, 0).single().unwrap_or_else(Utc::now);
        let _ = webhook::verify_signature(Some(&header), &body, b"secret", now);
        let _ = webhook::verify_signature(
            Some(&format!("t={},v0={header}", now.timestamp())), &body, b"secret", now);
    }

    #[test]
    fn any_json_body_is_parsed_or_refused_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        value in any_json(),
    ) {
        let parse = |b: Vec<u8>| {
            let req = Request::new(Body::Binary(b));
            shared::web::parse_json::<Value>(&req)
        };
        let _ = parse(bytes);
        let raw = serde_json::to_vec(&value).unwrap();
        match parse(raw) {
            Ok(parsed) => prop_assert!(text::find_forbidden(&parsed).is_none()),
            Err(e) => prop_assert_eq!(e.code(), "invalid_field"),
        }
        let _ = webhook::event_head(&value);
    }

    #[test]
    fn the_byte_scan_never_misses_a_forbidden_character_and_stripping_removes_them_all(
        value in any_json(),
    ) {
        let raw = serde_json::to_vec(&value).unwrap();
        if text::find_forbidden(&value).is_some() {
            prop_assert!(text::may_hold_forbidden(&raw));
        }
        let mut stripped = value.clone();
        text::strip_forbidden(&mut stripped);
        prop_assert!(text::find_forbidden(&stripped).is_none());
        let vendor: Value = text::parse_vendor_json(&raw).unwrap();
        prop_assert_eq!(vendor, stripped);
    }

    #[test]
    fn a_number_that_parses_parses_again_to_itself(raw in any::<String>(), region in "(US|GB|DE|FR|AU|XX|)") {
        if let Ok(n) = E164::parse(&raw, &region) {
            prop_assert_eq!(E164::parse(n.as_str(), &region).ok(), Some(n.clone()));
            prop_assert_eq!(E164::from_carrier(n.as_str()).ok(), Some(n.clone()));
        }
        let _ = E164::from_carrier(&raw);
        let _ = E164::parse_international(&raw);
    }

    /// The hot path takes a carrier's canonical number as it is (`from_carrier`); it must be what
    /// the full parse makes of it whenever that parse leaves it canonical. (An over-long number such
    /// as +51141000000 is rewritten by libphonenumber, to +5141000000; no carrier sends that form,
    /// and a stored number is always the full parse's, which `from_carrier` reads back unchanged:
    /// the property above.)
    #[test]
    fn carrier_numbers_are_what_the_full_parse_says(digits in "[1-9][0-9]{6,14}") {
        let raw = format!("+{digits}");
        let carrier = E164::from_carrier(&raw);
        if let Ok(full) = E164::parse_international(&raw)
            && full.as_str() == raw
        {
            prop_assert_eq!(carrier.ok(), Some(full));
        }
    }

    #[test]
    fn templates_render_whatever_they_hold_and_values_cannot_add_placeholders(
        pieces in prop::collection::vec(
            prop_oneof![
                Just("{{".to_owned()),
                Just("}}".to_owned()),
                Just(" ".to_owned()),
                "[a-z_]{1,8}",
                "system__[a-z_]{1,8}",
                any_text(),
            ],
            0..12,
        ),
        value in any_text(),
    ) {
        let template_text: String = pieces.concat();
        let names: Vec<String> = template::placeholders(&template_text)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let rendered = template::render(&template_text, |_| Some(value.clone()));
        let sanitized = template::sanitize(&value);
        prop_assert!(!sanitized.contains("{{") && !sanitized.contains("}}"));
        for name in &names {
            if !template::is_system_variable(name) {
                let placeholder = format!("{{{{{name}}}}}");
                prop_assert!(!rendered.contains(&placeholder), "{} left in {}", placeholder, rendered);
            }
        }
    }

    #[test]
    fn cursors_round_trip_and_any_string_is_refused_or_read(
        secs in 0i64..4_000_000_000,
        nanos in 0u32..1_000_000_000,
        id in any::<u128>(),
        rank in any::<Option<i16>>(),
        list in "[a-z_:]{1,20}",
        junk in any::<String>(),
    ) {
        let cursor = Cursor {
            created_at: Utc.timestamp_opt(secs, nanos).unwrap(),
            id: uuid::Uuid::from_u128(id),
            rank,
            list,
        };
        prop_assert_eq!(Cursor::decode(&cursor.encode()).ok(), Some(cursor));
        let _ = Cursor::decode(&junk);
    }

    #[test]
    fn answer_checks_never_panic_and_what_they_accept_they_accept_again(
        raw in any::<String>(),
        format in prop::sample::select(ExpectedFormat::ALL.to_vec()),
        choices in prop::collection::vec("[a-z ]{1,12}", 0..4),
    ) {
        let synonyms = answers::ChoiceSynonyms::new();
        let expected = answers::Expected { format, choices: &choices, synonyms: &synonyms };
        let ctx = AnswerContext::new("US", NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), "en");
        if let Checked::Valid(read) = answers::check(&expected, &raw, &ctx) {
            match answers::check(&expected, &read.value, &ctx) {
                Checked::Valid(again) => prop_assert_eq!(again.value, read.value, "{:?} {:?}", format, raw),
                Checked::Invalid(why) => prop_assert!(false, "{:?} {:?}: {} refused: {}", format, raw, read.value, why),
            }
        }
    }

    /// Across a year with both DST changes (New York) and an overnight span: if open, the opening
    /// ends later; if closed, the next opening is later and is open.
    #[test]
    fn business_hours_agree_with_themselves_across_dst_and_midnight(
        secs in 1_767_225_600i64..1_798_761_600, // 2026-01-01 .. 2027-01-01
    ) {
        let hours = BusinessHours::from_stored(json!({
            "weekly": {
                "mon": [{"open": "09:00", "close": "17:00"}],
                "fri": [{"open": "22:00", "close": "02:00"}],
                "sun": [{"open": "01:30", "close": "03:30"}]
            },
            "holidays": [{"date": "2026-12-25", "name": "Christmas"}]
        }));
        let tz: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let now = at(secs);
        let status = hours.status_at(now, tz);
        if status.open {
            let closes = status.closes_at.expect("an open business closes");
            prop_assert!(closes.with_timezone(&Utc) > now);
        } else if let Some(next) = status.next_open {
            let next = next.with_timezone(&Utc);
            prop_assert!(next > now);
            prop_assert!(hours.status_at(next, tz).open, "closed at its own next opening {}", next);
        }
    }
}

mod state_machines {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;
    use proptest::prelude::*;
    use shared::domain::ExpectedFormat;
    use shared::domain::answers::Answer;
    use shared::domain::catalog::Priority;
    use shared::domain::lead::merge_answers;
    use shared::domain::qualification::{self, MAX_ASKS, Progress, Question};
    use shared::domain::spoken::AnswerContext;
    use shared::domain::urgency::UrgencyKeyword;

    fn question() -> impl Strategy<Value = Question> {
        (
            prop::sample::select(ExpectedFormat::ALL.to_vec()),
            any::<bool>(),
            prop::collection::vec("[a-z]{1,8}", 0..3),
        )
            .prop_map(|(format, required, choices)| Question {
                question: "What do you need?".into(),
                field_key: String::new(),
                format,
                choices,
                choice_synonyms: Default::default(),
                required,
            })
    }

    /// What callers say: garbage, declines, plausible answers, urgent words, silence.
    fn said() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            any::<String>().prop_map(Some),
            prop::sample::select(vec![
                "skip",
                "yes",
                "no",
                "sam@rivera.example",
                "(415) 555-2671",
                "8000",
                "2026-12-01",
                "a website",
                "it's an emergency",
                "the roof is leaking",
            ])
            .prop_map(|s| Some(s.to_owned())),
        ]
    }

    fn answer(raw: String, valid: bool, live: bool) -> Answer {
        Answer {
            raw: raw.clone(),
            value: valid.then_some(raw),
            range: None,
            valid,
            problem: None,
            source: if live { "live" } else { "data_collection" }.into(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// However the caller answers, qualification ends within its ask limit, its priority never
        /// goes down, and no recorded answer disappears.
        #[test]
        fn qualification_ends_within_its_ask_limit_and_loses_nothing(
            questions in prop::collection::vec(question(), 1..6),
            replies in prop::collection::vec(said(), 1..64),
        ) {
            let questions: Vec<Question> = questions
                .into_iter()
                .enumerate()
                .map(|(i, q)| Question { field_key: format!("q{i}"), ..q })
                .collect();
            let keywords = [
                UrgencyKeyword { phrase: "emergency".into(), severity: Priority::Urgent },
                UrgencyKeyword { phrase: "leaking".into(), severity: Priority::High },
            ];
            // Silence is not an answer (the agent repeating a question is not a new attempt): the
            // limit counts the answers given.
            prop_assume!(replies.iter().flatten().any(|r| !r.trim().is_empty()));
            // Per question: at most MAX_ASKS read-backs (email, phone), each after at most MAX_ASKS
            // asks and followed by at most MAX_ASKS replies, then a last round of asks.
            let rounds = MAX_ASKS as usize + 1;
            let limit = questions.len() * rounds * 2 * MAX_ASKS as usize;
            let ctx = AnswerContext::new("US", NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), "en");
            let mut progress = Progress::default();
            let mut replies = replies.into_iter().cycle();
            qualification::step(&mut progress, &questions, None, &keywords, &ctx);
            let mut answered = 0;
            while !progress.completed {
                prop_assert!(answered < limit, "not complete after {} answers", answered);
                let before = progress.clone();
                let said = replies.next().flatten();
                if said.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                    answered += 1;
                }
                qualification::step(&mut progress, &questions, said.as_deref(), &keywords, &ctx);
                prop_assert!(progress.priority >= before.priority);
                for key in before.answers.keys() {
                    prop_assert!(progress.answers.contains_key(key), "{} lost", key);
                }
                prop_assert!(progress.asks <= MAX_ASKS);
            }
        }

        /// Merging never loses an answer, and a valid live answer always stands.
        #[test]
        fn merging_answers_never_loses_one_and_a_live_answer_stands(
            previous in prop::collection::btree_map("[a-c]", (any::<String>(), any::<bool>(), any::<bool>()), 0..3),
            collected in prop::collection::btree_map("[a-c]", (any::<String>(), any::<bool>()), 0..3),
            newer in any::<bool>(),
        ) {
            let previous: BTreeMap<String, Answer> = previous
                .into_iter()
                .map(|(k, (raw, valid, live))| (k, answer(raw, valid, live)))
                .collect();
            let collected: BTreeMap<String, Answer> = collected
                .into_iter()
                .map(|(k, (raw, valid))| (k, answer(raw, valid, false)))
                .collect();
            let merged = merge_answers(previous.clone(), collected.clone(), newer);
            for key in previous.keys().chain(collected.keys()) {
                prop_assert!(merged.contains_key(key), "{} lost", key);
            }
            for (key, p) in &previous {
                if p.valid && p.source == "live" {
                    prop_assert_eq!(&merged[key], p);
                }
            }
        }
    }
}
