//! The labelled evaluation set of spoken answers (`fixtures/spoken_answers.tsv`): every answer is
//! checked as the live qualification tool checks it, and the accuracy per format is printed
//! (`cargo test -p shared --test spoken_answers -- --nocapture`). It fails below 95% correct for
//! any format, and on any wrong value accepted for an email address or a phone number: a refusal
//! costs a re-ask, a wrong address or number loses the lead.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use shared::domain::ExpectedFormat;
use shared::domain::answers::{Answer, Checked, ChoiceSynonyms, Expected, check};
use shared::domain::read_back::{Confirmation, confirmation};
use shared::domain::spoken::AnswerContext;

const SET: &str = include_str!("fixtures/spoken_answers.tsv");
const REPLIES: &str = include_str!("fixtures/read_back_replies.tsv");
const REFUSE: &str = "REFUSE";
const TARGET: f64 = 0.95;

#[derive(Default)]
struct Tally {
    total: usize,
    correct: usize,
    /// A value accepted that is not the labelled one (or accepted where a refusal was labelled).
    wrong: usize,
    /// Refused although a value was labelled.
    refused: usize,
}

#[test]
fn the_labelled_spoken_answers_are_read_as_labelled() {
    let choices: Vec<String> = ["Website", "Branding", "Logo design", "SEO", "Photography"]
        .map(String::from)
        .to_vec();
    let synonyms: ChoiceSynonyms = BTreeMap::from([
        (
            "Website".into(),
            vec!["site".into(), "web page".into(), "online shop".into()],
        ),
        ("Branding".into(), vec!["brand".into(), "rebrand".into()]),
        (
            "SEO".into(),
            vec!["search engine optimization".into(), "google ranking".into()],
        ),
    ]);
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let ctx = AnswerContext::new("US", today, "en");

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for (line_no, line) in SET.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let [format_name, said, label] = line.split('\t').collect::<Vec<_>>()[..] else {
            panic!(
                "line {}: expected format<TAB>said<TAB>expected: {line:?}",
                line_no + 1
            );
        };
        let format: ExpectedFormat = format_name
            .parse()
            .unwrap_or_else(|e| panic!("line {}: {e}", line_no + 1));
        let expected = Expected {
            format,
            choices: if format == ExpectedFormat::Choice {
                &choices
            } else {
                &[]
            },
            synonyms: &synonyms,
        };
        let tally = tallies.entry(format_name).or_default();
        tally.total += 1;
        let outcome = check(&expected, said, &ctx);
        match (&outcome, label) {
            (Checked::Invalid(_), REFUSE) => tally.correct += 1,
            (Checked::Valid(read), l) if read.value == l => tally.correct += 1,
            (Checked::Valid(_), _) => tally.wrong += 1,
            (Checked::Invalid(_), _) => tally.refused += 1,
        }
        let correct = match &outcome {
            Checked::Valid(read) => read.value == label,
            Checked::Invalid(_) => label == REFUSE,
        };
        if !correct {
            misses.push(format!(
                "  {format_name} {said:?}: expected {label}, got {outcome:?}"
            ));
        }
    }

    println!("| format | answers | correct | accuracy | wrong value accepted | refused |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let (mut all, mut all_correct) = (0, 0);
    for (format, t) in &tallies {
        println!(
            "| {format} | {} | {} | {:.1}% | {} | {} |",
            t.total,
            t.correct,
            100.0 * t.correct as f64 / t.total as f64,
            t.wrong,
            t.refused
        );
        all += t.total;
        all_correct += t.correct;
    }
    println!(
        "| all | {all} | {all_correct} | {:.1}% | | |",
        100.0 * all_correct as f64 / all as f64
    );
    if !misses.is_empty() {
        println!("misread:\n{}", misses.join("\n"));
    }

    assert!(
        all >= 300,
        "the set holds {all} answers; at least 300 are wanted"
    );
    for (format, t) in &tallies {
        let accuracy = t.correct as f64 / t.total as f64;
        assert!(
            accuracy >= TARGET,
            "{format}: {:.1}% correct, under {:.0}%:\n{}",
            100.0 * accuracy,
            100.0 * TARGET,
            misses.join("\n")
        );
    }
    for strict in ["email", "phone"] {
        assert_eq!(
            tallies[strict].wrong,
            0,
            "{strict}: a wrong value was accepted:\n{}",
            misses.join("\n")
        );
    }
}

/// Replies to a read-back (`fixtures/read_back_replies.tsv`): every one must do what its label
/// says; above all, a reply that corrects or rejects the value must never confirm it.
#[test]
fn replies_to_a_read_back_confirm_deny_or_correct_as_labelled() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let ctx = AnswerContext::new("US", today, "en");
    let mut wrong = Vec::new();
    let mut total = 0;
    for line in REPLIES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let [format_name, first, reply, label] = line.split('\t').collect::<Vec<_>>()[..] else {
            panic!("expected format<TAB>recorded from<TAB>reply<TAB>expected: {line:?}");
        };
        total += 1;
        let expected = Expected::plain(format_name.parse().unwrap());
        let recorded = Answer::checked(&expected, first, &ctx, "live");
        assert!(recorded.valid, "{first:?} must record");
        let got = match confirmation(&expected, &recorded, reply, &ctx, "live") {
            Confirmation::Confirmed => "confirm".to_owned(),
            Confirmation::Denied => "deny".to_owned(),
            Confirmation::Unclear => "unclear".to_owned(),
            Confirmation::Corrected(a) => a.value.unwrap_or_default(),
        };
        if got != label {
            wrong.push(format!(
                "  {format_name} {reply:?}: expected {label}, got {got}"
            ));
        }
    }
    println!(
        "read-back replies: {} of {total} as labelled",
        total - wrong.len()
    );
    assert!(total >= 30, "{total} replies");
    assert!(wrong.is_empty(), "misread replies:\n{}", wrong.join("\n"));
}
