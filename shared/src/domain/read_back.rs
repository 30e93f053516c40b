//! Reading a recorded answer back to the caller, and what their reply to the read-back means.
//! Email addresses and phone numbers are where speech-to-text mishears most and where a wrong
//! value costs the lead, so the qualification tool reads them back and waits for a yes, a no or
//! a correction ("no, it's s-a-m-m") before the next question.

use super::ExpectedFormat;
use super::answers::{Answer, Checked, Expected, check};
use super::spoken::{AnswerContext, strip_leading, tidy, yes_no};
use crate::phone::E164;

/// Whether an answer of this format is read back for confirmation.
pub fn confirms(format: ExpectedFormat) -> bool {
    matches!(format, ExpectedFormat::Email | ExpectedFormat::Phone)
}

/// A recorded value as the agent should say it: an address spelled letter by letter but for the
/// mail providers everyone knows and the endings ("s, a, m at gmail dot com", "s, a, m at r, i, v,
/// e, r, a, s, t, u, d, i, o dot com"); a phone number digit by digit in
/// its written groups ("4 1 5, 5 5 5, 2 6 7 1"); a date with its weekday ("Monday, December 7").
pub fn spoken(format: ExpectedFormat, value: &str, region: &str) -> String {
    match format {
        ExpectedFormat::Email => match value.split_once('@') {
            Some((local, domain)) => {
                let labels: Vec<String> = domain
                    .split('.')
                    .enumerate()
                    .map(|(i, label)| {
                        // A name said as a word sounds the same however it was split or spelled
                        // ("rivera studio", "4seasons"): spelled, unless everyone knows it. The
                        // endings ("com", "co", "uk") are words.
                        let ending = i > 0 && label.len() <= 4;
                        if ending || WELL_KNOWN_DOMAINS.contains(&label) {
                            label.to_owned()
                        } else {
                            spelled_out(label)
                        }
                    })
                    .collect();
                format!("{} at {}", spelled_out(local), labels.join(" dot "))
            }
            None => value.to_owned(),
        },
        ExpectedFormat::Phone => match E164::try_from(value.to_owned()) {
            Ok(number) => digit_groups(&number.written(region)),
            Err(_) => value.to_owned(),
        },
        ExpectedFormat::Date => match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(d) => d.format("%A, %B %-d, %Y").to_string(),
            Err(_) => value.to_owned(),
        },
        _ => value.to_owned(),
    }
}

/// Mail providers whose names callers and agents say as words.
const WELL_KNOWN_DOMAINS: &[&str] = &[
    "gmail",
    "googlemail",
    "yahoo",
    "outlook",
    "hotmail",
    "live",
    "msn",
    "icloud",
    "me",
    "mac",
    "aol",
    "comcast",
    "protonmail",
    "proton",
    "gmx",
    "verizon",
    "att",
];

fn spelled_out(text: &str) -> String {
    text.chars().map(symbol_name).collect::<Vec<_>>().join(", ")
}

fn symbol_name(c: char) -> String {
    match c {
        '.' => "dot".into(),
        '_' => "underscore".into(),
        '-' => "dash".into(),
        '+' => "plus".into(),
        other => other.to_string(),
    }
}

/// "(415) 555-2671" → "4 1 5, 5 5 5, 2 6 7 1".
fn digit_groups(written: &str) -> String {
    let groups: Vec<String> = written
        .split(|c: char| !c.is_ascii_digit() && c != '+')
        .filter(|g| !g.is_empty())
        .map(|g| {
            g.chars()
                .map(|c| {
                    if c == '+' {
                        "plus".to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    groups.join(", ")
}

/// What the caller's reply to a read-back says.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmation {
    Confirmed,
    /// "No", with no new value: ask the question again.
    Denied,
    /// A new value ("no, it's s-a-m-m"): it replaces the recorded one and is read back in turn.
    Corrected(Answer),
    Unclear,
}

/// Words a correction starts with; what follows is the new value or the part of it that changes.
const CORRECTION_LEAD_INS: &[&str] = &[
    "correct",
    "right",
    "except",
    "but",
    "yes",
    "yeah",
    "ok",
    "okay",
    "so",
    "no",
    "nope",
    "not quite",
    "that's not right",
    "that's wrong",
    "that's not it",
    "wrong",
    "sorry",
    "actually",
    "wait",
    "i said",
    "it should be",
    "should be",
    "make that",
    "it's",
    "it is",
    "its",
];

/// Reads the caller's reply to the read-back of `previous`. A new value comes first: a value that
/// checks, or for an email the part that changed patched into the recorded address, is a
/// correction even when the reply also holds a yes ("yes, it's t o n y"). Only then is the reply a
/// yes (a plain one: "yes, the last digit is two" is none) or a no.
pub fn confirmation(
    expected: &Expected<'_>,
    previous: &Answer,
    reply: &str,
    ctx: &AnswerContext<'_>,
    source: &str,
) -> Confirmation {
    // A full stop between words is a pause ("No. It's T-O-N-Y."), not the end of the value.
    let tidied = tidy(reply).replace(". ", ", ");
    let rest = strip_leading(tidied.trim(), CORRECTION_LEAD_INS);
    if !rest.is_empty() {
        let mut candidates = vec![rest.to_owned()];
        // A whole new value first; the patches only when the reply is not one.
        let whole = matches!(check(expected, rest, ctx), Checked::Valid(_));
        if expected.format == ExpectedFormat::Email
            && !whole
            && let Some(value) = previous.value.as_deref()
        {
            match email_patch(value, rest) {
                Some(Patch::Candidate(c)) => candidates.push(c),
                Some(Patch::Ambiguous) => return Confirmation::Unclear,
                Some(Patch::Echo) | None => {}
            }
        }
        let negated = yes_no::read(reply) == Some(false) || has_negation(&tidied);
        for candidate in candidates {
            if let Checked::Valid(read) = check(expected, &candidate, ctx) {
                if previous.value.as_deref() == Some(read.value.as_str()) {
                    // The value said again: a yes, unless it comes with a no ("no, you have s a
                    // m m"): then it is the wrong one being quoted.
                    if negated {
                        continue;
                    }
                    return Confirmation::Confirmed;
                }
                let mut answer = Answer::checked(expected, &candidate, ctx, source);
                answer.raw = reply.trim().to_owned();
                return Confirmation::Corrected(answer);
            }
        }
    }
    // Letters or digits of the value said back one by one, in order ("yes, s a m"), are the
    // caller echoing it: what is left says yes or no. Out of order they are a change: "yes, 4 1
    // 6" for 415 is no echo.
    let value: String = previous
        .value
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let words: Vec<&str> = tidied
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let single = |w: &str| w.chars().count() == 1;
    let echoed: String = words.iter().copied().filter(|w| single(w)).collect();
    let echo = !echoed.is_empty() && value.contains(&echoed);
    let said: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !(echo && single(w)))
        .collect();
    let said = said.join(" ");
    match yes_no::read(&said) {
        Some(true) if plain_yes(&said) => Confirmation::Confirmed,
        Some(false) => Confirmation::Denied,
        _ => Confirmation::Unclear,
    }
}

/// What a reply to an address's read-back says of the address.
enum Patch {
    /// The address as corrected, in words for the email reader.
    Candidate(String),
    /// Letters of the address said back as they were read (no change).
    Echo,
    /// Spelled letters that could change the name or the domain, or that come with other words
    /// ("no, not s a m m", "r i v e r o studio"): asked about again, never guessed.
    Ambiguous,
}

/// The address `value` with the part the caller spelled or said changed: "at rivera dash studio
/// dot com" is the domain; one spelled run ("t-o-n-y", "Tony. T-O-N-Y.") is the name, or the
/// domain when it holds a "dot", names a well-known provider, or is the domain's name nearly
/// ("r i v e r a s t u d i o s" for riverastudio.com). Anything less clear is `Ambiguous`.
fn email_patch(value: &str, rest: &str) -> Option<Patch> {
    const AROUND: &[&str] = &[
        "no", "nope", "it's", "it", "is", "its", "yes", "yeah", "correct", "right", "so", "ok",
        "okay", "sorry", "actually", "the", "name", "spelled", "that's", "i", "said", "should",
        "be", "make", "that",
    ];
    let (local, domain) = value.split_once('@')?;
    if rest.starts_with("at ") {
        return Some(Patch::Candidate(format!("{local} {rest}")));
    }
    let runs = spelled_runs(rest);
    let [run] = runs.as_slice() else {
        return (runs.len() > 1).then_some(Patch::Ambiguous);
    };
    let letters: String = run
        .split_whitespace()
        .filter(|t| {
            !matches!(
                *t,
                "dot" | "underscore" | "dash" | "hyphen" | "double" | "triple"
            )
        })
        .collect::<String>()
        .replace('-', "");
    // Other words beside the run: only the ones a correction is said with, or the name itself
    // before its spelling ("Tony. T-O-N-Y.").
    let run_tokens: Vec<&str> = run.split_whitespace().collect();
    let others = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| t.trim_end_matches(['.', '!', '?']))
        .filter(|t| !t.is_empty() && !run_tokens.contains(t))
        .any(|t| !AROUND.contains(&t) && t != letters);
    if others {
        return Some(Patch::Ambiguous);
    }
    let (label, ending) = domain.split_once('.').unwrap_or((domain, ""));
    if run.split_whitespace().any(|t| t == "dot") {
        return Some(Patch::Candidate(format!("{local} at {run}")));
    }
    if letters == local || letters == label {
        return Some(Patch::Echo);
    }
    let new_domain = || format!("{local} at {run} dot {}", ending.replace('.', " dot "));
    if WELL_KNOWN_DOMAINS.contains(&letters.as_str()) {
        return Some(Patch::Candidate(new_domain()));
    }
    let shared = |a: &str, b: &str| a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let near_label = shared(&letters, label) >= 4 && letters.len().abs_diff(label.len()) <= 3;
    if near_label && shared(&letters, local) < 3 {
        return Some(Patch::Candidate(new_domain()));
    }
    if label.contains(&letters) || domain.contains(&letters) {
        return Some(Patch::Ambiguous);
    }
    Some(Patch::Candidate(format!("{run} at {domain}")))
}

/// A negation anywhere in the reply ("not", "wrong", "isn't").
fn has_negation(reply: &str) -> bool {
    reply
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| matches!(w, "not" | "no" | "wrong" | "nope") || w.ends_with("n't"))
}

/// The runs of letters and digits said one at a time (with the symbols' names between them), each
/// at least three letters long: how a name is spelled out ("a y" in "with a y" is an article and
/// a letter).
fn spelled_runs(text: &str) -> Vec<String> {
    let single = |p: &str| p.chars().count() == 1 && p.chars().all(char::is_alphanumeric);
    let letters = |r: &[&str]| -> usize {
        r.iter()
            .map(|t| t.split('-').filter(|p| single(p)).count())
            .sum()
    };
    let mut runs = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let tokens = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty());
    for token in tokens.chain(std::iter::once("")) {
        let token = token.trim_end_matches(['.', '!', '?']);
        let spelled = !token.is_empty()
            && (token.split('-').all(single)
                || matches!(
                    token,
                    "dot" | "underscore" | "dash" | "hyphen" | "double" | "triple"
                ));
        if spelled {
            run.push(token);
            continue;
        }
        if letters(&run) >= 3 {
            runs.push(run.join(" "));
        }
        run.clear();
    }
    runs
}

/// A yes with nothing else in it but the words of agreeing: "yes, that's right, thank you" is
/// one; "yes, the last digit is two" and "yes, dot net" are not.
fn plain_yes(reply: &str) -> bool {
    const AGREEING: &[&str] = &[
        "yes",
        "yeah",
        "yep",
        "yup",
        "ya",
        "yah",
        "sure",
        "correct",
        "right",
        "that's",
        "that",
        "is",
        "it",
        "it's",
        "exactly",
        "perfect",
        "great",
        "good",
        "sounds",
        "thanks",
        "thank",
        "you",
        "absolutely",
        "definitely",
        "ok",
        "okay",
        "all",
        "spot",
        "on",
        "mm",
        "hmm",
        "uh",
        "huh",
        "the",
        "one",
        "so",
        "indeed",
        "affirmative",
        "fine",
        "cool",
        "alright",
        "got",
        "uhhuh",
        "hmm",
        "totally",
        "certainly",
        "of",
        "course",
        "please",
        "you've",
        "have",
    ];
    reply
        .replace("uh-huh", "uhhuh")
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .all(|w| AGREEING.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn ctx() -> AnswerContext<'static> {
        AnswerContext::new("US", NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), "en")
    }

    fn recorded(format: ExpectedFormat, said: &str) -> Answer {
        Answer::checked(&Expected::plain(format), said, &ctx(), "live")
    }

    fn reply(format: ExpectedFormat, previous: &Answer, said: &str) -> Confirmation {
        confirmation(&Expected::plain(format), previous, said, &ctx(), "live")
    }

    #[test]
    fn values_are_said_back_the_way_they_are_checked() {
        assert_eq!(
            spoken(ExpectedFormat::Email, "sam.r@riverastudio.com", "US"),
            "s, a, m, dot, r at r, i, v, e, r, a, s, t, u, d, i, o dot com"
        );
        assert_eq!(
            spoken(ExpectedFormat::Email, "sam@4seasons.co.uk", "US"),
            "s, a, m at 4, s, e, a, s, o, n, s dot co dot uk"
        );
        assert_eq!(
            spoken(ExpectedFormat::Email, "sam@gmail.com", "US"),
            "s, a, m at gmail dot com"
        );
        assert_eq!(
            spoken(ExpectedFormat::Phone, "+14155552671", "US"),
            "4 1 5, 5 5 5, 2 6 7 1"
        );
        assert_eq!(
            spoken(ExpectedFormat::Phone, "+442079460018", "US"),
            "plus 4 4, 2 0, 7 9 4 6, 0 0 1 8"
        );
        assert_eq!(
            spoken(ExpectedFormat::Date, "2026-12-07", "US"),
            "Monday, December 7, 2026"
        );
    }

    #[test]
    fn a_correction_replaces_the_name_the_domain_or_the_whole() {
        let email = recorded(ExpectedFormat::Email, "sam at rivera studio dot com");
        for (said, now) in [
            ("no, it's s-a-m-m", "samm@riverastudio.com"),
            ("no, at rivera dash studio dot com", "sam@rivera-studio.com"),
            ("actually it's dana at example dot org", "dana@example.org"),
            ("it is t o n y", "tony@riverastudio.com"),
            ("t o n y at gmail dot com", "tony@gmail.com"),
            ("yes, it's t o n y", "tony@riverastudio.com"),
            ("ok so it's tony at gmail dot com", "tony@gmail.com"),
        ] {
            match reply(ExpectedFormat::Email, &email, said) {
                Confirmation::Corrected(a) => {
                    assert_eq!(a.value.as_deref(), Some(now), "{said:?}");
                    assert_eq!(a.raw, said);
                }
                other => panic!("{said:?}: {other:?}"),
            }
        }
        let phone = recorded(
            ExpectedFormat::Phone,
            "four one five five five five two six seven one",
        );
        match reply(
            ExpectedFormat::Phone,
            &phone,
            "no, four one five five five five two six seven two",
        ) {
            Confirmation::Corrected(a) => assert_eq!(a.value.as_deref(), Some("+14155552672")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn yes_no_and_unclear_replies() {
        let email = recorded(ExpectedFormat::Email, "sam at rivera studio dot com");
        for (said, meant) in [
            ("yes, that's right", Confirmation::Confirmed),
            ("correct", Confirmation::Confirmed),
            ("sam at rivera studio dot com", Confirmation::Confirmed),
            ("no", Confirmation::Denied),
            ("no, that's wrong", Confirmation::Denied),
            ("no, sam", Confirmation::Denied),
            ("what?", Confirmation::Unclear),
            ("that's not right", Confirmation::Denied),
            ("not correct", Confirmation::Denied),
            ("yes, but the last part is wrong", Confirmation::Unclear),
            ("almost", Confirmation::Unclear),
            ("yes, except the end", Confirmation::Unclear),
        ] {
            assert_eq!(
                reply(ExpectedFormat::Email, &email, said),
                meant,
                "{said:?}"
            );
        }
    }
}
