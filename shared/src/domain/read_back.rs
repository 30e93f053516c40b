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
/// checks, or for an email its name or domain alone patched into the recorded address, is a
/// correction even when the reply also holds a yes ("yes, it's t o n y"). Only then is the reply a
/// yes or a no; a yes with a "but" or an "except" is neither.
pub fn confirmation(
    expected: &Expected<'_>,
    previous: &Answer,
    reply: &str,
    ctx: &AnswerContext<'_>,
    source: &str,
) -> Confirmation {
    let tidied = tidy(reply);
    let rest = strip_leading(tidied.trim(), CORRECTION_LEAD_INS);
    if !rest.is_empty() {
        let mut candidates = vec![rest.to_owned()];
        if expected.format == ExpectedFormat::Email
            && let Some((local, domain)) = previous.value.as_deref().and_then(|v| v.split_once('@'))
        {
            match rest.strip_prefix("at ") {
                // "at rivera dash studio dot com": the domain alone.
                Some(_) => candidates.push(format!("{local} {rest}")),
                // "s-a-m-m", "s a m m": the name alone, spelled (anything else could be any word:
                // "what?" is no name).
                None if spelled(rest) => candidates.push(format!("{rest} at {domain}")),
                None => {}
            }
        }
        for candidate in candidates {
            if let Checked::Valid(read) = check(expected, &candidate, ctx) {
                if previous.value.as_deref() == Some(read.value.as_str()) {
                    return Confirmation::Confirmed;
                }
                let mut answer = Answer::checked(expected, &candidate, ctx, source);
                answer.raw = reply.trim().to_owned();
                return Confirmation::Corrected(answer);
            }
        }
    }
    let qualified = tidied
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| matches!(w, "but" | "except" | "though" | "however" | "almost"));
    match yes_no::read(reply) {
        Some(true) if !qualified => Confirmation::Confirmed,
        Some(false) => Confirmation::Denied,
        _ => Confirmation::Unclear,
    }
}

/// Letters, digits and the symbols' names, one at a time: how a name is spelled out.
fn spelled(text: &str) -> bool {
    let mut letters = 0;
    for token in text.split(|c: char| c.is_whitespace() || c == ',') {
        for part in token.split('-').filter(|p| !p.is_empty()) {
            let single = part.chars().count() == 1 && part.chars().all(|c| c.is_alphanumeric());
            let symbol = matches!(
                part,
                "dot" | "underscore" | "dash" | "hyphen" | "double" | "triple"
            );
            if !single && !symbol {
                return false;
            }
            letters += usize::from(single);
        }
    }
    letters >= 2
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
