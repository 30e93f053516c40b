//! Callers' answers as speech-to-text writes them down, turned into the values the format checks
//! expect: "sam at rivera studio dot com" is an email address, "four one five, double five, ..." a
//! phone number, "about eight grand" a number, "next Monday" a date, "yeah, that works" a yes.
//!
//! Deterministic rules, not the language model, decide what was said: the tool definitions ask the
//! agent for the caller's words unedited, and each rule here says why it exists. Where a rule could
//! read a wrong value into an answer (a sentence around an email address, two numbers where one
//! was asked), it refuses instead: a re-ask costs a few seconds, a wrong email loses the lead.
//!
//! English first. Number words (and so spoken digits, quantities and ordinal days) also follow the
//! agent's language where `text2num` covers it (Danish, Dutch, French, German, Italian,
//! Portuguese, Spanish); the other phrasings are English only.

pub mod choice;
pub mod date;
pub mod email;
pub mod number;
pub mod phone;
pub mod yes_no;

use chrono::NaiveDate;

/// What an answer is read against besides its question.
#[derive(Debug, Clone, Copy)]
pub struct AnswerContext<'a> {
    /// The business's default region: phone numbers without a country code, and whether "12/01"
    /// is December 1 (`US`) or January 12 (elsewhere).
    pub region: &'a str,
    /// Today in the business's time zone: "tomorrow" and "January 5th" are read from it.
    pub today: NaiveDate,
    /// The agent's language (ISO 639-1, e.g. `en`, `es`): number words in it are read too.
    pub language: &'a str,
}

impl<'a> AnswerContext<'a> {
    pub fn new(region: &'a str, today: NaiveDate, language: &'a str) -> Self {
        Self {
            region,
            today,
            language,
        }
    }
}

/// A value read from a range ("ten to fifteen thousand", "early March"): both ends, kept on the
/// answer beside the single value the lead uses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = AnswerRange)]
pub struct Range {
    pub low: String,
    pub high: String,
}

/// What a normaliser read: the value, and the range it stands for when the caller gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub value: String,
    pub range: Option<Range>,
}

impl Read {
    pub fn single(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            range: None,
        }
    }
}

/// Lower case, curly apostrophes straightened, the sentence's final punctuation and hesitations
/// ("um", "uh", "er") dropped: speech-to-text writes them, they never carry the answer.
pub fn tidy(text: &str) -> String {
    let lower = text.trim().to_lowercase().replace(['’', '‘'], "'");
    let lower = lower.trim_end_matches(['.', '!', '?', ',', ';', ' ']);
    lower
        .split_whitespace()
        .filter(|w| !HESITATIONS.contains(&w.trim_matches([',', '.'])))
        .collect::<Vec<_>>()
        .join(" ")
}

const HESITATIONS: &[&str] = &["um", "umm", "uh", "uhh", "er", "erm", "hmm", "ah"];

/// Words split on anything that is not a letter, digit or apostrophe.
pub(crate) fn words(text: &str) -> Vec<String> {
    tidy(text)
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Number words written as digits, in English and in the agent's language when `text2num` has
/// it ("eight thousand" → "8000", "the fifth" → "the 5th", "veinte" → "20"). Isolated small
/// numbers are converted too (threshold 0): on this path "one" is always a number.
pub(crate) fn digits_for_words(text: &str, language: &str) -> String {
    let english = text2num::Language::english();
    let mut out = text2num::replace_numbers_in_text(text, &english, 0.0);
    let code = language.split(['-', '_']).next().unwrap_or("en");
    if code != "en"
        && let Some(lang) = text2num::get_interpreter_for(code)
    {
        out = text2num::replace_numbers_in_text(&out, &lang, 0.0);
    }
    out
}

/// Strips the first of `phrases` that `text` starts with (whole words), repeatedly.
pub fn strip_leading<'t>(mut text: &'t str, phrases: &[&str]) -> &'t str {
    'again: loop {
        for p in phrases {
            if let Some(rest) = text.strip_prefix(p)
                && (rest.is_empty() || rest.starts_with([' ', ',']))
            {
                text = rest.trim_start_matches([' ', ',']);
                continue 'again;
            }
        }
        return text;
    }
}

/// Strips the first of `phrases` that `text` ends with (whole words), repeatedly.
pub(crate) fn strip_trailing<'t>(mut text: &'t str, phrases: &[&str]) -> &'t str {
    'again: loop {
        for p in phrases {
            if let Some(rest) = text.strip_suffix(p)
                && (rest.is_empty() || rest.ends_with([' ', ',']))
            {
                text = rest.trim_end_matches([' ', ',']);
                continue 'again;
            }
        }
        return text;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hesitations_and_final_punctuation_go() {
        assert_eq!(tidy("  Um, Sam’s the name, uh, OK?"), "sam's the name, ok");
    }

    #[test]
    fn number_words_become_digits() {
        assert_eq!(digits_for_words("about eight thousand", "en"), "about 8000");
        assert_eq!(digits_for_words("veinte mil", "es"), "20000");
    }

    #[test]
    fn leading_and_trailing_phrases_strip_whole_words_only() {
        assert_eq!(strip_leading("it's sam", &["it's", "its"]), "sam");
        assert_eq!(strip_leading("itsy", &["its"]), "itsy");
        assert_eq!(strip_trailing("dot com please", &["please"]), "dot com");
        assert_eq!(
            strip_trailing("dot compleased", &["please"]),
            "dot compleased"
        );
    }
}
