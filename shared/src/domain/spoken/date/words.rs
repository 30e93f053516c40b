//! The words dates are made of, as text2num leaves them: weekdays, months, ordinals ("5th"),
//! bare days, years (also "20 27" for "twenty twenty-seven") and counts ("a", "2").

use chrono::Weekday;

pub(super) fn amount(word: &str) -> Option<i64> {
    match word {
        "a" | "an" | "one" => Some(1),
        n => n.parse().ok().filter(|n: &i64| (1..=120).contains(n)),
    }
}

pub(super) fn weekday(word: &str) -> Option<Weekday> {
    Some(match word.trim_end_matches("'s") {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

pub(super) fn month(word: &str) -> Option<u32> {
    Some(match word {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sept" | "sep" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// "5th", "1st", "22nd", "3rd" (text2num writes spoken ordinals so).
pub(super) fn ordinal(word: &str) -> Option<u32> {
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| word.strip_suffix(s))?;
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

pub(super) fn bare_day(word: &str) -> Option<u32> {
    (word.len() <= 2)
        .then(|| word.parse().ok())
        .flatten()
        .filter(|d| (1..=31).contains(d))
}

/// A year at the start of `t`, and how many words it took: "2027", or "20 27" (text2num's
/// writing of "twenty twenty-seven").
pub(super) fn spoken_year(t: &[&str]) -> Option<(i32, usize)> {
    match t {
        [y, ..] if year(y).is_some() => Some((year(y)?, 1)),
        ["20", yy, ..] if yy.len() == 2 => Some((2000 + yy.parse::<i32>().ok()?, 2)),
        _ => None,
    }
}

pub(super) fn year(word: &str) -> Option<i32> {
    (word.len() == 4)
        .then(|| word.parse().ok())
        .flatten()
        .filter(|y| (2000..=2100).contains(y))
}
