//! The qualification state machine, step by step.

use super::*;
use chrono::NaiveDate;

fn q(key: &str, format: ExpectedFormat, required: bool) -> Question {
    Question {
        question: format!("What is your {key}?"),
        field_key: key.into(),
        format,
        choices: if format == ExpectedFormat::Choice {
            vec!["Website".into(), "Branding".into()]
        } else {
            vec![]
        },
        choice_synonyms: ChoiceSynonyms::new(),
        required,
    }
}

fn all_formats() -> Vec<Question> {
    vec![
        q("name", ExpectedFormat::Text, true),
        q("email", ExpectedFormat::Email, true),
        q("phone", ExpectedFormat::Phone, true),
        q("budget", ExpectedFormat::Number, false),
        q("start", ExpectedFormat::Date, true),
        q("existing_site", ExpectedFormat::YesNo, true),
        q("service", ExpectedFormat::Choice, true),
    ]
}

fn ctx() -> AnswerContext<'static> {
    AnswerContext::new("US", NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), "en")
}

fn go(p: &mut Progress, qs: &[Question], answer: Option<&str>) -> Step {
    step(p, qs, answer, &[], &ctx())
}

fn asked(s: &Step) -> (&str, Option<&str>) {
    match &s.reply {
        Reply::Ask {
            field_key, reason, ..
        } => (field_key.as_str(), reason.as_deref()),
        other => panic!("not asked: {other:?}"),
    }
}

/// The read-back's words, when the step waits for a confirmation.
fn read_back(s: &Step) -> &str {
    match &s.reply {
        Reply::Confirm { say, .. } => say,
        other => panic!("not read back: {other:?}"),
    }
}

#[test]
fn walks_every_format_to_completion_with_normalised_answers() {
    let qs = all_formats();
    let mut p = Progress::default();
    let first = go(&mut p, &qs, None);
    assert_eq!(asked(&first), ("name", None));
    assert!(matches!(&first.reply, Reply::Ask { say, progress, .. }
        if say == "What is your name?" && progress.as_deref() == Some("1 of 7")));
    for (answer, next) in [
        ("Dana Reyes", "email"),
        ("Dana @ Example.com", "phone"),
        ("(415) 555-2671", "budget"),
        ("$12,500", "start"),
        ("December 1, 2026", "existing_site"),
        ("Yeah.", "service"),
    ] {
        let mut s = go(&mut p, &qs, Some(answer));
        assert!(s.recorded.as_ref().is_some_and(|r| r.valid));
        if matches!(s.reply, Reply::Confirm { .. }) {
            s = go(&mut p, &qs, Some("yes"));
        }
        assert_eq!(asked(&s), (next, None), "after {answer:?}");
    }
    let done = go(&mut p, &qs, Some("branding"));
    assert!(matches!(done.reply, Reply::Complete { .. }));
    assert!(p.completed);
    let values: Vec<(&str, &str)> = p
        .answers
        .iter()
        .map(|(k, a)| (k.as_str(), a.value.as_deref().unwrap()))
        .collect();
    assert_eq!(
        values,
        vec![
            ("budget", "12500"),
            ("email", "dana@example.com"),
            ("existing_site", "yes"),
            ("name", "Dana Reyes"),
            ("phone", "+14155552671"),
            ("service", "Branding"),
            ("start", "2026-12-01"),
        ]
    );
    assert!(p.answers.values().all(|a| a.valid && a.source == "live"));
}

#[test]
fn every_format_refuses_a_wrong_answer_with_the_reason() {
    for (question, bad) in [
        (q("email", ExpectedFormat::Email, true), "dana at example"),
        (q("phone", ExpectedFormat::Phone, true), "call me maybe"),
        (q("budget", ExpectedFormat::Number, true), "a few"),
        (q("start", ExpectedFormat::Date, true), "whenever suits"),
        (q("site", ExpectedFormat::YesNo, true), "perhaps"),
        (q("service", ExpectedFormat::Choice, true), "Photography"),
    ] {
        let qs = vec![question.clone()];
        let mut p = Progress::default();
        go(&mut p, &qs, None);
        let s = go(&mut p, &qs, Some(bad));
        let (key, reason) = asked(&s);
        assert_eq!(key, question.field_key);
        assert!(reason.unwrap().contains(bad), "{reason:?}");
        assert!(s.recorded.is_none());
        assert!(p.answers.is_empty());
    }
}

#[test]
fn re_asks_are_limited_and_the_last_answer_is_kept_flagged() {
    let qs = vec![
        q("email", ExpectedFormat::Email, true),
        q("name", ExpectedFormat::Text, true),
    ];
    let mut p = Progress::default();
    go(&mut p, &qs, None);
    assert_eq!(asked(&go(&mut p, &qs, Some("nope"))).0, "email");
    assert_eq!(asked(&go(&mut p, &qs, Some("still no"))).0, "email");
    assert_eq!(p.asks, MAX_ASKS);
    let moved_on = go(&mut p, &qs, Some("dana at example"));
    assert_eq!(asked(&moved_on), ("name", None));
    let kept = &p.answers["email"];
    assert!(!kept.valid && kept.raw == "dana at example" && kept.problem.is_some());
}

#[test]
fn optional_questions_can_be_declined_but_required_ones_cannot() {
    let qs = vec![
        q("budget", ExpectedFormat::Number, false),
        q("email", ExpectedFormat::Email, true),
    ];
    let mut p = Progress::default();
    go(&mut p, &qs, None);
    let s = go(&mut p, &qs, Some("I'd rather not say."));
    assert_eq!(asked(&s), ("email", None));
    assert!(p.skipped.contains("budget"));
    let s = go(&mut p, &qs, Some("skip"));
    assert_eq!(asked(&s).0, "email");
    assert!(asked(&s).1.is_some(), "a required question is asked again");
}

#[test]
fn urgency_is_detected_at_any_step_and_reported_once() {
    let qs = vec![
        q("name", ExpectedFormat::Text, true),
        q("need", ExpectedFormat::Text, true),
        q("email", ExpectedFormat::Email, true),
    ];
    let keywords = [
        UrgencyKeyword {
            phrase: "site is down".into(),
            severity: Priority::Urgent,
        },
        UrgencyKeyword {
            phrase: "deadline".into(),
            severity: Priority::High,
        },
    ];
    let mut p = Progress::default();
    step(&mut p, &qs, None, &keywords, &ctx());
    let s = step(&mut p, &qs, Some("Dana, tight deadline"), &keywords, &ctx());
    assert_eq!(s.escalate, None, "high is not urgent");
    assert_eq!(p.priority, Priority::High);
    let s = step(&mut p, &qs, Some("Our site is down!"), &keywords, &ctx());
    assert_eq!(
        s.escalate.as_deref(),
        Some("caller mentioned \"site is down\"")
    );
    assert_eq!(p.priority, Priority::Urgent);
    // An invalid answer is scanned too, and a repeat is not reported again.
    let s = step(
        &mut p,
        &qs,
        Some("the site is down, no email"),
        &keywords,
        &ctx(),
    );
    assert_eq!(s.escalate, None);
    assert_eq!(asked(&s).0, "email");
    assert_eq!(p.urgency_reasons.len(), 2);
}

#[test]
fn resumes_from_serialised_state() {
    let qs = all_formats();
    let mut p = Progress::default();
    go(&mut p, &qs, None);
    go(&mut p, &qs, Some("Dana"));
    read_back(&go(&mut p, &qs, Some("dana@example.com")));
    // A new process picks up the stored state, mid read-back.
    let stored = serde_json::to_string(&p).unwrap();
    let mut resumed: Progress = serde_json::from_str(&stored).unwrap();
    assert_eq!(resumed, p);
    let s = go(&mut resumed, &qs, Some("yes"));
    assert_eq!(asked(&s), ("phone", None));
    assert!(
        matches!(&s.reply, Reply::Ask { say, .. } if say.starts_with("Thanks. Question 3 of 7"))
    );
}

#[test]
fn no_questions_completes_at_once_and_answers_after_completion_change_nothing() {
    let mut p = Progress::default();
    assert!(matches!(
        go(&mut p, &[], None).reply,
        Reply::Complete { .. }
    ));
    let qs = vec![q("name", ExpectedFormat::Text, true)];
    let mut p = Progress::default();
    go(&mut p, &qs, None);
    go(&mut p, &qs, Some("Dana"));
    let again = go(&mut p, &qs, Some("something else"));
    assert!(matches!(again.reply, Reply::Complete { .. }));
    assert_eq!(p.answers["name"].raw, "Dana");
}

#[test]
fn emails_and_phones_are_read_back_and_corrected() {
    let qs = vec![
        q("email", ExpectedFormat::Email, true),
        q("phone", ExpectedFormat::Phone, true),
        q("start", ExpectedFormat::Date, true),
    ];
    let mut p = Progress::default();
    go(&mut p, &qs, None);
    let s = go(&mut p, &qs, Some("sam at rivera studio dot com"));
    assert_eq!(s.recorded.as_ref().unwrap().value, "sam@riverastudio.com");
    assert_eq!(
        read_back(&s),
        "Thanks. I have the email address as s, a, m at r, i, v, e, r, a, s, t, u, d, i, o dot com. Is that right?"
    );
    // Called again without the caller's reply: the read-back is repeated, nothing moves.
    assert!(read_back(&go(&mut p, &qs, None)).contains("s, a, m at"));
    let s = go(&mut p, &qs, Some("no, it's s-a-m-m"));
    assert_eq!(s.recorded.as_ref().unwrap().value, "samm@riverastudio.com");
    assert!(
        read_back(&s)
            .starts_with("Thanks for the correction. I have the email address as s, a, m, m at")
    );
    let s = go(&mut p, &qs, Some("yes, that's it"));
    assert_eq!(asked(&s), ("phone", None));
    assert_eq!(
        p.answers["email"].value.as_deref(),
        Some("samm@riverastudio.com")
    );
    assert_eq!(p.answers["email"].raw, "no, it's s-a-m-m");

    let s = go(
        &mut p,
        &qs,
        Some("four one five, five five five, two six seven one"),
    );
    assert_eq!(
        read_back(&s),
        "Thanks. I have the number as 4 1 5, 5 5 5, 2 6 7 1. Is that right?"
    );
    // A plain no asks the question again; the next answer replaces the number.
    let s = go(&mut p, &qs, Some("no"));
    assert_eq!(
        asked(&s),
        ("phone", Some("the caller said it was not right"))
    );
    let s = go(
        &mut p,
        &qs,
        Some("four one five, five five five, two six seven two"),
    );
    assert!(read_back(&s).contains("2 6 7 2"));
    let s = go(&mut p, &qs, Some("correct"));
    assert_eq!(asked(&s), ("start", None));
    assert_eq!(p.answers["phone"].value.as_deref(), Some("+14155552672"));

    // Dates are said back with what follows.
    let s = go(&mut p, &qs, Some("next Monday"));
    assert!(matches!(&s.reply, Reply::Complete { .. }));
    assert_eq!(p.answers["start"].value.as_deref(), Some("2026-12-07"));
}

#[test]
fn an_unclear_reply_to_a_read_back_is_asked_about_then_accepted() {
    let qs = vec![
        q("email", ExpectedFormat::Email, true),
        q("name", ExpectedFormat::Text, true),
    ];
    let mut p = Progress::default();
    go(&mut p, &qs, None);
    go(&mut p, &qs, Some("dana at example dot com"));
    assert!(read_back(&go(&mut p, &qs, Some("hmm what"))).starts_with("Sorry, just to check:"));
    assert!(
        read_back(&go(&mut p, &qs, Some("what was that"))).starts_with("Sorry, just to check:")
    );
    let s = go(&mut p, &qs, Some("huh"));
    assert_eq!(asked(&s), ("name", None));
    assert_eq!(
        p.answers["email"].value.as_deref(),
        Some("dana@example.com")
    );
}

#[test]
fn a_relative_date_is_said_back_with_the_next_question() {
    let qs = vec![
        q("start", ExpectedFormat::Date, true),
        q("name", ExpectedFormat::Text, true),
    ];
    let mut p = Progress::default();
    go(&mut p, &qs, None);
    let s = go(&mut p, &qs, Some("in two weeks"));
    assert!(
        matches!(&s.reply, Reply::Ask { say, .. }
        if say == "Thanks. I have Monday, December 14, 2026. Next: What is your name?"),
        "{s:?}"
    );
}
