//! Dates as they are spoken, read against today in the business's time zone: "tomorrow", "next
//! Monday", "in two weeks", "early March", "the 5th", "January 5th", "12/01", "December 1, 2026".
//!
//! Why each rule:
//! - Callers almost never say the year: a day or month without one is the next one on or after
//!   today ("January 5th" in December is next January; "March" in March is this March, from today).
//! - A weekday ("Monday", "this Monday", "next Monday", "on Monday") is the first one after today:
//!   nobody asks on a Monday for "Monday" meaning today. "Monday next week" is the one in the
//!   calendar week after this one.
//! - "the 5th" alone is the next 5th on or after today.
//! - A period ("early March" 1st–10th, "mid March" 11th–20th, "late March" 21st–end, "March",
//!   "next week" Monday–Sunday, "next month", "this weekend") is kept as its range; the value is
//!   its first day not yet past. "end of March", "end of the month" are that month's last day.
//! - "in two weeks", "a week from today", "in 3 days", "in a month" count from today; "a week
//!   from Friday" from that Friday.
//! - "the first week of January" is its 1st–7th, "the last week of June" its last seven days;
//!   "the end of the year" is December 31st.
//! - "ASAP", "as soon as possible", "right away" are today: the earliest date there is.
//! - Numeric dates are month first in the US and day first elsewhere (the business's region).
//! - Words around the date ("we'd like to start", "in the morning") are ignored; two different
//!   dates ("Monday or Tuesday"), a weekday that does not fall on the date given ("Monday the 5th"
//!   when the 5th is a Friday), or vague amounts ("in a few weeks") are refused.

use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};

use super::{AnswerContext, Range, Read, digits_for_words, tidy};

mod period;
mod words;

use period::{period, week_of};
use words::{amount, bare_day, month, ordinal, spoken_year, weekday};

/// One date or period read from the words.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    first: NaiveDate,
    last: NaiveDate,
}

impl Span {
    fn day(d: NaiveDate) -> Self {
        Self { first: d, last: d }
    }
}

pub fn read(text: &str, ctx: &AnswerContext<'_>) -> Option<Read> {
    let today = ctx.today;
    let tidied = tidy(text);
    if let Some(d) = written(&tidied) {
        return Some(Read::single(iso(d)));
    }
    let converted = digits_for_words(&tidied, ctx.language);
    let tokens: Vec<String> = converted
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|t| t.trim_matches(|c: char| matches!(c, '.' | '!' | '?' | ';' | ':')))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let t: Vec<&str> = tokens.iter().map(String::as_str).collect();
    // Vague amounts, and alternatives ("Monday or Tuesday", "in a week or two").
    if t.iter()
        .any(|w| matches!(*w, "few" | "couple" | "several" | "some" | "or"))
    {
        return None;
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut weekdays: Vec<Weekday> = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if let Some((used, span)) = relative(&t[i..], today)
            .or_else(|| week_of(&t[i..], today))
            .or_else(|| calendar(&t[i..], ctx))
            .or_else(|| period(&t[i..], today))
        {
            spans.push(span);
            i += used;
            continue;
        }
        if let Some(day) = weekday(t[i]) {
            weekdays.push(day);
            let next_week = t.get(i + 1) == Some(&"next") && t.get(i + 2) == Some(&"week");
            // "the Friday after next": the one after the coming one.
            if t.get(i + 1) == Some(&"after") && t.get(i + 2) == Some(&"next") {
                spans.push(Span::day(next_weekday(today, day) + Duration::days(7)));
                weekdays.push(day);
                i += 3;
                continue;
            }
            // "Monday next week": the Monday of the calendar week after this one.
            let after = if next_week {
                let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
                monday + Duration::days(7 + day.num_days_from_monday() as i64)
            } else {
                next_weekday(today, day)
            };
            if !spans_have_explicit_date(&t, i) {
                spans.push(Span::day(after));
            }
            i += if next_week { 3 } else { 1 };
            continue;
        }
        i += 1;
    }
    let first = *spans.first()?;
    if spans.iter().any(|s| *s != first) {
        return None;
    }
    // "Monday the 5th": the weekday must be the date's.
    if first.first == first.last && weekdays.iter().any(|w| *w != first.first.weekday()) {
        return None;
    }
    let value = first.first.max(today.min(first.last));
    Some(Read {
        value: iso(value),
        range: (first.first != first.last).then(|| Range {
            low: iso(value),
            high: iso(first.last),
        }),
    })
}

/// A weekday standing beside a day number ("Monday the 5th", "Monday, January 5th") only checks
/// that date; it is no date of its own.
fn spans_have_explicit_date(t: &[&str], at: usize) -> bool {
    let near = &t[at + 1..t.len().min(at + 5)];
    near.iter()
        .any(|w| ordinal(w).is_some() || month(w).is_some())
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// ISO (`2026-12-01`), numeric with a year, or long (`December 1, 2026`, `1 December 2026`).
fn written(text: &str) -> Option<NaiveDate> {
    // Only ISO: the spoken forms ("December 1, 2026", "1 December 2026") are read word by word,
    // where "March 2027" cannot become March 20th of the year 27.
    const FORMATS: &[&str] = &["%Y-%m-%d"];
    FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

/// "today", "tomorrow", "the day after tomorrow", "asap", "in 2 weeks", "a week from today".
fn relative(t: &[&str], today: NaiveDate) -> Option<(usize, Span)> {
    let day = |n: i64| Span::day(today + Duration::days(n));
    match t {
        ["the", "day", "after", "tomorrow", ..] => return Some((4, day(2))),
        ["day", "after", "tomorrow", ..] => return Some((3, day(2))),
        ["as", "soon", "as", "possible", ..] => return Some((4, day(0))),
        ["right", "away", ..] => return Some((2, day(0))),
        ["today" | "tonight" | "asap" | "immediately", ..] => return Some((1, day(0))),
        ["tomorrow", ..] => return Some((1, day(1))),
        _ => {}
    }
    let (count, unit, from, used) = match t {
        ["in", n, unit, ..] => (amount(n)?, *unit, today, 3),
        [n, unit, "from", "now" | "today", ..] => (amount(n)?, *unit, today, 4),
        [n, unit, "from", "tomorrow", ..] => (amount(n)?, *unit, today + Duration::days(1), 4),
        // "a week from Friday": counted from that Friday.
        [n, unit, "from", w, ..] => (amount(n)?, *unit, next_weekday(today, weekday(w)?), 4),
        _ => return None,
    };
    let date = match unit.trim_end_matches('s') {
        "day" => from + Duration::days(count),
        "week" => from + Duration::days(7 * count),
        "fortnight" => from + Duration::days(14 * count),
        "month" => from.checked_add_months(Months::new(u32::try_from(count).ok()?))?,
        _ => return None,
    };
    Some((used, Span::day(date)))
}

/// A day of a month: "january 5th", "jan 5 2027", "the 5th of january", "5 january", "the 5th",
/// "12/01", "12/01/2026".
fn calendar(t: &[&str], ctx: &AnswerContext<'_>) -> Option<(usize, Span)> {
    let today = ctx.today;
    let skip_the = usize::from(t.first() == Some(&"the"));
    let rest = &t[skip_the..];
    // month day [year]
    if let (Some(m), Some(after)) = (rest.first().and_then(|w| month(w)), rest.get(1)) {
        let (the, after) = match *after {
            "the" => (1, *rest.get(2)?),
            a => (0, a),
        };
        // "March twenty twenty seven" (text2num: "march 20 27") is a month and a spoken year.
        let spoken_year_next = after == "20"
            && rest
                .get(2 + the)
                .is_some_and(|y| y.len() == 2 && y.chars().all(|c| c.is_ascii_digit()));
        if let Some(d) = ordinal(after)
            .or_else(|| bare_day(after))
            .filter(|_| !spoken_year_next)
        {
            let year_at = 2 + the;
            let (year, year_words) = spoken_year(&rest[year_at.min(rest.len())..]).unzip();
            let used = skip_the + year_at + year_words.unwrap_or(0);
            return Some((used, Span::day(on_or_after(today, m, d, year)?)));
        }
    }
    let first = rest.first()?;
    // "the 1st of next month".
    if let (Some(d), ["of", which @ ("next" | "this"), "month", ..]) =
        (ordinal(first), rest.get(1..).unwrap_or_default())
    {
        let month_start = today.with_day(1)?;
        let month_start = match *which {
            "next" => month_start.checked_add_months(Months::new(1))?,
            _ => month_start,
        };
        return Some((skip_the + 4, Span::day(month_start.with_day(d)?)));
    }
    if skip_the == 0
        && let Some(d) = numeric(first, ctx)
    {
        return Some((1, Span::day(d)));
    }
    // [the] day [of] month [year], or [the] ordinal alone
    let d = ordinal(first).or_else(|| (skip_the == 0).then(|| bare_day(first)).flatten())?;
    let of = usize::from(rest.get(1) == Some(&"of"));
    if let Some(m) = rest.get(1 + of).and_then(|w| month(w)) {
        let (year, year_words) = spoken_year(&rest[(2 + of).min(rest.len())..]).unzip();
        let used = skip_the + 2 + of + year_words.unwrap_or(0);
        return Some((used, Span::day(on_or_after(today, m, d, year)?)));
    }
    if ordinal(first).is_some() {
        // "the 5th": this month's if not past, else the next month that has it.
        let mut month_start = today.with_day(1)?;
        for _ in 0..3 {
            if let Some(date) = month_start.with_day(d).filter(|date| *date >= today) {
                return Some((skip_the + 1, Span::day(date)));
            }
            month_start = month_start.checked_add_months(Months::new(1))?;
        }
        return None;
    }
    None
}

/// "12/01", "12/01/2026", "12-01-26": month first in the US, day first elsewhere.
fn numeric(word: &str, ctx: &AnswerContext<'_>) -> Option<NaiveDate> {
    let parts: Vec<&str> = word.split(['/', '-']).collect();
    // "5-10" is a range of numbers ("in 5-10 days"), not May 10th: a dash only in a full date.
    let fits = match parts.len() {
        2 => word.contains('/') && !word.contains('-'),
        3 => true,
        _ => false,
    };
    if !fits {
        return None;
    }
    let n: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (m, d) = if ctx.region.eq_ignore_ascii_case("US") {
        (n[0], n[1])
    } else {
        (n[1], n[0])
    };
    let year = match n.get(2) {
        Some(y) if *y < 100 => Some(2000 + *y as i32),
        Some(y) => Some(i32::try_from(*y).ok()?),
        None => None,
    };
    on_or_after(ctx.today, m, d, year)
}

/// Month `m`, day `d`: of `year` if given, else the next one on or after today.
/// A date said with a year that has passed is refused, as "early March 2026" is.
fn on_or_after(today: NaiveDate, m: u32, d: u32, year: Option<i32>) -> Option<NaiveDate> {
    match year {
        Some(y) => NaiveDate::from_ymd_opt(y, m, d).filter(|date| *date >= today),
        None => (0..=4)
            .filter_map(|ahead| NaiveDate::from_ymd_opt(today.year() + ahead, m, d))
            .find(|date| *date >= today),
    }
}

fn next_weekday(today: NaiveDate, day: Weekday) -> NaiveDate {
    let ahead =
        (7 + day.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64) % 7;
    today + Duration::days(if ahead == 0 { 7 } else { ahead })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday, November 30, 2026.
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn on(said: &str) -> Option<String> {
        read(said, &AnswerContext::new("US", today(), "en")).map(|r| r.value)
    }

    #[test]
    fn relative_and_calendar_dates() {
        for (said, date) in [
            ("tomorrow", "2026-12-01"),
            ("the day after tomorrow", "2026-12-02"),
            ("next Monday", "2026-12-07"),
            ("Monday", "2026-12-07"),
            ("on friday", "2026-12-04"),
            ("Tuesday next week", "2026-12-08"),
            ("in two weeks", "2026-12-14"),
            ("a week from today", "2026-12-07"),
            ("in a month", "2026-12-30"),
            ("January 5th", "2027-01-05"),
            ("the fifth of January", "2027-01-05"),
            ("the 5th", "2026-12-05"),
            ("the thirtieth", "2026-11-30"),
            ("December 1, 2026", "2026-12-01"),
            ("12/01/2026", "2026-12-01"),
            ("12/24", "2026-12-24"),
            ("2027-02-14", "2027-02-14"),
            ("asap", "2026-11-30"),
            ("we'd like to start early March", "2027-03-01"),
            ("end of the month", "2026-11-30"),
            ("end of January", "2027-01-31"),
            ("Saturday the 5th", "2026-12-05"),
            ("December 1st, twenty twenty seven", "2027-12-01"),
            ("the 3rd of March twenty twenty seven", "2027-03-03"),
            ("end of next week", "2026-12-11"),
            ("end of this week", "2026-12-04"),
            ("late next week", "2026-12-10"),
            ("March 2027", "2027-03-01"),
            ("March twenty twenty seven", "2027-03-01"),
            ("a week from tomorrow", "2026-12-08"),
            ("the Friday after next", "2026-12-11"),
        ] {
            assert_eq!(on(said).as_deref(), Some(date), "{said:?}");
        }
    }

    #[test]
    fn periods_keep_their_range() {
        let r = read("mid March", &AnswerContext::new("US", today(), "en")).unwrap();
        assert_eq!(r.value, "2027-03-11");
        assert_eq!(r.range.unwrap().high, "2027-03-20");
        let r = read("next week", &AnswerContext::new("US", today(), "en")).unwrap();
        assert_eq!(
            (r.value.as_str(), r.range.unwrap().high.as_str()),
            ("2026-12-07", "2026-12-13")
        );
        let r = read("this week", &AnswerContext::new("US", today(), "en")).unwrap();
        assert_eq!(r.value, "2026-11-30");
    }

    #[test]
    fn day_first_outside_the_us() {
        let r = read("01/12/2026", &AnswerContext::new("GB", today(), "en")).unwrap();
        assert_eq!(r.value, "2026-12-01");
    }

    #[test]
    fn ambiguous_or_vague_dates_are_refused() {
        for said in [
            "Monday or Tuesday",
            "Monday the 5th",
            "in a few weeks",
            "whenever",
            "we may start soon",
            "February 30th",
            "early March 2026",
            "March 5th, 2026",
            "in 5-10 days",
            "in a week or two",
            "12/01/4294967295",
        ] {
            assert_eq!(on(said), None, "{said:?}");
        }
    }
}
