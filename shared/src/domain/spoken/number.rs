//! Quantities as they are spoken: "about eight thousand", "8k", "five grand", "$8,000", "ten to
//! fifteen thousand", "two point five million", "half a million".
//!
//! Why each rule:
//! - Number words become digits with `text2num` (English, and the agent's language where it has
//!   it): "eight thousand" is 8000, "fifteen hundred" 1500.
//! - "k", "grand" and "thousand" multiply by 1,000, "m", "mil" and "million" by a million, "bn"
//!   and "billion" by a billion: how budgets are said aloud.
//! - Currency signs and words, thousands separators and hedges ("about", "around", "maybe",
//!   "roughly", "up to", "at least") carry no quantity and are dropped.
//! - Two numbers joined by "to", "or", "and" (after "between") or a dash are a range: both ends
//!   are kept and the midpoint is the value. A low end said without the high end's scale takes it
//!   when that puts it just below the high end ("ten to fifteen thousand" is 10,000–15,000,
//!   "twelve to fifteen hundred" 1,200–1,500; "800 to 1,200" stays as said).
//! - In German, Spanish, Italian, Portuguese, Dutch and Danish a dot groups thousands and a comma
//!   is the decimal mark ("5.000" is five thousand there, five in English).
//! - "a couple", "a few", "several", "some" are not quantities: refused, never guessed. So are two
//!   numbers that are not a range ("eight people and five thousand"): which one was the answer
//!   cannot be known.

use super::{Range, Read, digits_for_words, tidy};

const VAGUE: &[&str] = &["couple", "few", "several", "some", "many", "dozens", "lots"];

const NOISE: &[&str] = &[
    "dollars", "dollar", "bucks", "usd", "euros", "euro", "eur", "pounds", "pound", "gbp", "cad",
    "aud",
];

/// A number token and the scale words after it.
#[derive(Debug, Clone, Copy)]
struct Quantity {
    value: f64,
    /// A scale word followed it ("ten thousand"): such a low end keeps its own scale.
    scaled: bool,
}

fn scale(word: &str) -> Option<f64> {
    Some(match word {
        "hundred" => 100.0,
        "k" | "grand" | "thousand" => 1_000.0,
        "m" | "mil" | "mm" | "million" => 1_000_000.0,
        "bn" | "billion" => 1_000_000_000.0,
        _ => return None,
    })
}

pub fn read(text: &str, language: &str) -> Option<Read> {
    let tidied = tidy(text);
    if ambiguous_comma(&tidied, language) {
        return None;
    }
    let mut s = continental_digits(&tidied, language);
    for (spoken, written) in [
        ("half a million", "500000"),
        ("half a mil", "500000"),
        ("a quarter million", "250000"),
        ("a million", "1000000"),
        ("a thousand", "1000"),
        ("a grand", "1000"),
        ("a hundred", "100"),
    ] {
        s = s.replace(spoken, written);
    }
    let s = digits_for_words(&s, language);
    // "$8,000" and "8,000": a comma between digit groups is a thousands separator.
    let s = strip_group_separators(&s);
    let s = s.replace(['$', '€', '£'], " ");
    let words: Vec<String> = split_units(&s);
    if words.iter().any(|w| VAGUE.contains(&w.as_str())) {
        return None;
    }
    let mut quantities: Vec<Quantity> = Vec::new();
    let mut connectors = 0usize;
    let mut between = false;
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if let Some(value) = parse_plain(w) {
            let mut q = Quantity {
                value,
                scaled: false,
            };
            while let Some(m) = words.get(i + 1).and_then(|n| scale(n)) {
                q.value *= m;
                q.scaled = true;
                i += 1;
            }
            // "one and a half million", "two million and a half": text2num leaves the half as
            // words, before or after the scale.
            take_half(&words, &mut i, &mut q)?;
            // text2num writes "two point five million" as "2.5 1000000" and "20 thousand" as
            // "20 1000": a number under a thousand followed by a bare scale is one quantity.
            if q.value < 1000.0
                && !q.scaled
                && let Some(m) = words.get(i + 1).and_then(|n| parse_plain(n))
                && [1e3, 1e6, 1e9].contains(&m)
            {
                q.value *= m;
                q.scaled = true;
                i += 1;
                take_half(&words, &mut i, &mut q)?;
            }
            quantities.push(q);
        } else if matches!(w, "-" | "minus" | "negative") && quantities.is_empty() {
            // A negative amount is not something a caller means: refused, not read as positive.
            return None;
        } else if matches!(w, "to" | "or" | "-" | "–") && !quantities.is_empty() {
            connectors += 1;
        } else if w == "and" && between {
            connectors += 1;
        } else if w == "between" {
            between = true;
        }
        i += 1;
    }
    match quantities[..] {
        [q] => q.value.is_finite().then(|| Read::single(plain(q.value))),
        [low, high] if connectors >= 1 => {
            let mut low = low;
            if !low.scaled {
                low.value = shared_scale(low.value, high.value);
            }
            let (a, b) = if low.value <= high.value {
                (low.value, high.value)
            } else {
                (high.value, low.value)
            };
            (a.is_finite() && b.is_finite()).then(|| Read {
                value: plain((a + b) / 2.0),
                range: Some(Range {
                    low: plain(a),
                    high: plain(b),
                }),
            })
        }
        _ => None,
    }
}

/// Adds "and a half" when it follows the quantity: half of the unit said last ("one and a half" is
/// 1.5, "two million and a half" 2,500,000). Only a whole count of the unit takes it; what "two
/// hundred fifty thousand and a half" or "1.5 million and a half" mean cannot be known: `None`.
fn take_half(words: &[String], i: &mut usize, q: &mut Quantity) -> Option<()> {
    if !words
        .get(*i + 1..*i + 4)
        .is_some_and(|w| w == ["and", "a", "half"])
    {
        return Some(());
    }
    let unit = if q.value >= 1000.0 {
        1000f64.powf(q.value.log(1000.0).floor())
    } else {
        1.0
    };
    let count = q.value / unit;
    if count.fract() != 0.0 || (q.value >= 1000.0 && count > 9.0) {
        return None;
    }
    q.value += unit / 2.0;
    *i += 3;
    Some(())
}

/// The low end of a range said without the high end's scale, with it: "ten to fifteen thousand"
/// (10, 15000) is 10,000; "twelve to fifteen hundred" 1,200; "one to two hundred thousand"
/// 100,000; "one to one and a half million" 1,000,000. The scale is the largest power of ten
/// (from 100) that puts the low end below the high end and within a tenth of it; with none ("800
/// to 1,200", "5 to 10", "1 to 100", "one to ten thousand" at 1,000) the low end stays as said.
fn shared_scale(low: f64, high: f64) -> f64 {
    (2..=9)
        .rev()
        .map(|p| 10f64.powi(p))
        .find(|scale| {
            let scaled = low * scale;
            scaled < high && scaled * 10.0 >= high && low * 10.0 < high
        })
        .map_or(low, |scale| low * scale)
}

/// "5.000" → "5000" and "2,5" → "2.5" where the language writes numbers so (a dot between digit
/// groups, a decimal comma).
fn continental_digits(s: &str, language: &str) -> String {
    let code = language.split(['-', '_']).next().unwrap_or("en");
    if !matches!(code, "de" | "es" | "it" | "pt" | "nl" | "da") {
        return s.to_owned();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        let digit_before = i > 0 && chars[i - 1].is_ascii_digit();
        let group_after = chars.len() > i + 3
            && chars[i + 1..i + 4].iter().all(char::is_ascii_digit)
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        match c {
            '.' if digit_before && group_after => {}
            // A decimal comma has one or two digits after it; three are a thousands group
            // ("5,000 dólares" in Mexico and the US).
            ',' if digit_before && decimals_after(&chars[i + 1..]) => out.push('.'),
            other => out.push(*other),
        }
    }
    out
}

/// "2,500": two and a half where a comma is the decimal mark, two thousand five hundred where it
/// groups thousands, and both in Spanish (Spain, Mexico): refused in those languages, unless a
/// decimal point elsewhere shows the comma groups ("12,500.50").
fn ambiguous_comma(s: &str, language: &str) -> bool {
    let code = language.split(['-', '_']).next().unwrap_or("en");
    if !matches!(code, "de" | "es" | "it" | "pt" | "nl" | "da") || s.contains('.') {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, c)| {
        *c == ','
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count()
                == 3
    })
}

fn decimals_after(rest: &[char]) -> bool {
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=2).contains(&digits)
}

/// "8,000" → "8000"; a comma that is not between digit groups stays (it separates words).
fn strip_group_separators(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        let grouped = *c == ','
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.len() > i + 3
            && chars[i + 1..i + 4].iter().all(char::is_ascii_digit)
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        if !grouped {
            out.push(*c);
        }
    }
    out
}

/// Words, with a unit fused to its number split off ("8k" → "8", "k"; "1.5m" → "1.5", "m") and
/// dashes between numbers kept as their own word ("5-10k").
fn split_units(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in s.split(|c: char| c.is_whitespace() || c == ',' || c == '?' || c == '!') {
        for (n, part) in raw.split(['-', '–']).enumerate() {
            if n > 0 {
                out.push("-".into());
            }
            let part = part.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
            let part = part.trim_end_matches('.');
            if part.is_empty() {
                continue;
            }
            let split = part
                .find(|c: char| !c.is_ascii_digit() && c != '.')
                .filter(|&at| at > 0 && part[..at].parse::<f64>().is_ok());
            match split {
                Some(at) if scale(&part[at..]).is_some() => {
                    out.push(part[..at].to_owned());
                    out.push(part[at..].to_owned());
                }
                _ if NOISE.contains(&part) => {}
                _ => out.push(part.to_owned()),
            }
        }
    }
    out
}

fn parse_plain(w: &str) -> Option<f64> {
    if !w.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    w.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A number without a trailing ".0", and without float noise ("2.5" stays "2.5").
pub fn plain(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let rounded = (n * 1e6).round() / 1e6;
        format!("{rounded}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(said: &str) -> Option<String> {
        read(said, "en").map(|r| r.value)
    }

    #[test]
    fn spoken_quantities_are_read() {
        for (said, n) in [
            ("about eight thousand", "8000"),
            ("8k", "8000"),
            ("five grand", "5000"),
            ("$8,000", "8000"),
            ("$12,500.50", "12500.5"),
            ("two point five million", "2500000"),
            ("1.5m", "1500000"),
            ("half a million", "500000"),
            ("one and a half million", "1500000"),
            ("a million and a half", "1500000"),
            ("two million and a half", "2500000"),
            ("a thousand and a half", "1500"),
            ("fifteen hundred dollars", "1500"),
            ("a hundred bucks", "100"),
            ("roughly 20 thousand, maybe", "20000"),
            ("2.5", "2.5"),
        ] {
            assert_eq!(value(said).as_deref(), Some(n), "{said:?}");
        }
    }

    #[test]
    fn ranges_keep_both_ends_and_a_midpoint() {
        let r = read("ten to fifteen thousand", "en").unwrap();
        assert_eq!(r.value, "12500");
        assert_eq!(
            r.range,
            Some(Range {
                low: "10000".into(),
                high: "15000".into()
            })
        );
        for (said, low, high) in [
            ("twelve to fifteen hundred", "1200", "1500"),
            ("five to six hundred", "500", "600"),
            ("one to two hundred thousand", "100000", "200000"),
            ("three to five hundred thousand", "300000", "500000"),
            ("two to three million", "2000000", "3000000"),
            ("5 to 10", "5", "10"),
            ("one to ten thousand", "1000", "10000"),
            ("1 to 100", "1", "100"),
            ("between 5 and 500", "5", "500"),
            ("500 to 50,000", "500", "50000"),
            ("one to one and a half million", "1000000", "1500000"),
        ] {
            let range = read(said, "en").and_then(|r| r.range).unwrap();
            assert_eq!(
                (range.low.as_str(), range.high.as_str()),
                (low, high),
                "{said:?}"
            );
        }
        let r = read("between 800 and 1,200", "en").unwrap();
        assert_eq!(
            (r.value.as_str(), r.range.unwrap().low.as_str()),
            ("1000", "800")
        );
        assert_eq!(read("5-10k", "en").unwrap().value, "7500");
    }

    #[test]
    fn vague_or_several_numbers_are_refused() {
        for said in [
            "a few",
            "a couple thousand",
            "eight people and five thousand",
            "NaN",
            "lots",
        ] {
            assert_eq!(value(said), None, "{said:?}");
        }
    }

    #[test]
    fn other_languages_number_words() {
        assert_eq!(read("veinte mil dólares", "es").unwrap().value, "20000");
        assert_eq!(read("5.000 euros", "es").unwrap().value, "5000");
        assert_eq!(read("5,000 dólares", "es"), None, "2,500 is 2.5 in Spain");
        assert_eq!(read("2,500 Euro", "de"), None);
        assert_eq!(read("2,5 Euro", "de").unwrap().value, "2.5");
        assert_eq!(read("$12,500.50", "es").unwrap().value, "12500.5");
        assert_eq!(read("2,5 Millionen", "de").unwrap().value, "2500000");
        assert_eq!(read("5.000", "en").unwrap().value, "5");
        assert_eq!(read("zwanzigtausend", "de").unwrap().value, "20000");
    }
}
