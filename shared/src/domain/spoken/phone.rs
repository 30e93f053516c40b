//! Phone numbers as they are spoken: "four one five, five five five, two six seven one", "oh two
//! oh, double seven ...", "plus four four, seven seven ...", "one eight hundred ...".
//!
//! Why each rule:
//! - Digit words and digits are the number; grouping pauses (commas, "then", "dash") carry
//!   nothing.
//! - "oh" and "o" are zero: that is how most English speakers say it in a number.
//! - "double five" is "55", "triple oh" is "000" (British and Australian habit, common in the US).
//! - "eight hundred" after a digit is "800" ("one eight hundred ..."), "twenty six" is "26"
//!   ("two six seven one" is also said "twenty-six seventy-one"), a teen is its two digits.
//! - A leading "plus" is the international prefix.
//! - The digits then go through the same phone check as a written number (libphonenumber, the
//!   business's region for numbers without a country code), so only a dialable number passes.
//! - Any other word ("no wait, four one six", "or") is refused rather than skipped: skipping it
//!   could record a number the caller did not mean.

use super::{strip_leading, strip_trailing, tidy};

const LEAD_INS: &[&str] = &[
    "my number is",
    "my phone number is",
    "my cell is",
    "my cell number is",
    "my cell phone is",
    "my cell phone number is",
    "my mobile is",
    "my mobile number is",
    "the number is",
    "number is",
    "you can reach me at",
    "reach me at",
    "call me at",
    "call me on",
    "it's",
    "it is",
    "its",
    "that's",
    "sure",
    "yes",
    "yeah",
    "ok",
    "okay",
    "so",
];

const CLOSINGS: &[&str] = &[
    "please",
    "thanks",
    "thank you",
    "that's it",
    "that's my cell",
    "that's my cell phone",
    "that's my cell number",
    "that's my mobile",
    "that's my mobile number",
    "that's my number",
    "that's the best number",
];

/// Words that only group or introduce digits.
const GROUPING: &[&str] = &["then", "dash", "and", "area", "code"];

fn unit(word: &str) -> Option<u32> {
    Some(match word {
        "zero" | "oh" | "o" | "nought" => 0,
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        _ => return None,
    })
}

fn teen(word: &str) -> Option<u32> {
    Some(match word {
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        _ => return None,
    })
}

fn tens(word: &str) -> Option<u32> {
    Some(match word {
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

/// The dialled characters the words spell ("+" and digits), or `None` when a word is not part of
/// a number.
pub fn read(text: &str) -> Option<String> {
    let tidied = tidy(text);
    let body = strip_leading(tidied.trim(), LEAD_INS);
    let body = strip_trailing(body, CLOSINGS);
    // Written numbers keep their own punctuation for the phone check: "(415) 555-2671".
    if body.chars().any(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || " +()-.".contains(c))
    {
        return Some(body.to_owned());
    }
    let tokens: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '.' | '(' | ')'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let next = tokens.get(i + 1).copied();
        if t == "plus" && out.is_empty() {
            out.push('+');
        } else if let Some(d) = t.strip_prefix('+').filter(|_| out.is_empty()) {
            out.push('+');
            out.push_str(d.chars().all(|c| c.is_ascii_digit()).then_some(d)?);
        } else if t.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(t);
        } else if let Some(times) = match t {
            "double" => Some(2),
            "triple" => Some(3),
            _ => None,
        } {
            let d = unit(next?)?;
            out.push_str(&d.to_string().repeat(times));
            i += 1;
        } else if let Some(d) = unit(t) {
            if next == Some("hundred") {
                out.push_str(&format!("{d}00"));
                i += 1;
            } else {
                out.push_str(&d.to_string());
            }
        } else if let Some(n) = teen(t) {
            out.push_str(&n.to_string());
        } else if let Some(n) = tens(t) {
            match next.and_then(unit).filter(|d| *d > 0) {
                Some(d) if next != Some("oh") && next != Some("o") => {
                    out.push_str(&(n + d).to_string());
                    i += 1;
                }
                _ => out.push_str(&n.to_string()),
            }
        } else if !GROUPING.contains(&t) {
            return None;
        }
        i += 1;
    }
    (out.chars().filter(char::is_ascii_digit).count() >= 7).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn spoken_digits_and_groupings_are_read() {
        for (said, digits) in [
            (
                "four one five, five five five, two six seven one",
                "4155552671",
            ),
            (
                "four one five double five five two six seven one",
                "4155552671",
            ),
            (
                "oh two oh, seven nine four six, oh nine five eight",
                "02079460958",
            ),
            (
                "plus four four, seven seven double oh, nine double oh one two three",
                "+447700900123",
            ),
            (
                "one eight hundred, five five five, one two three four",
                "18005551234",
            ),
            (
                "four fifteen, five five five, twenty-six seventy-one",
                "4155552671",
            ),
            ("my number is 415 555 2671", "415 555 2671"),
            ("(415) 555-2671", "(415) 555-2671"),
        ] {
            assert_eq!(read(said).as_deref(), Some(digits), "{said:?}");
        }
    }

    #[test]
    fn other_words_and_short_numbers_are_refused() {
        for said in [
            "four one five, no wait, four one six",
            "four one five or five one four",
            "call me maybe",
            "five five five",
        ] {
            assert_eq!(read(said), None, "{said:?}");
        }
    }
}
