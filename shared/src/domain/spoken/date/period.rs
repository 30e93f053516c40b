//! Periods rather than days: "early March", "mid-March", "the end of March", "next week", "this
//! weekend", "the first week of January", "the end of the month". Each is kept as its range.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::Span;
use super::words::{month, ordinal, spoken_year};

/// "the first week of january" (1st–7th), "the second week of march" (8th–14th), "the last week
/// of june" (its last seven days).
pub(super) fn week_of(t: &[&str], today: NaiveDate) -> Option<(usize, Span)> {
    let skip_the = usize::from(t.first() == Some(&"the"));
    let [which, "week", "of", m, ..] = t[skip_the..] else {
        return None;
    };
    let m = month(m)?;
    let start = (0..=1)
        .filter_map(|a| NaiveDate::from_ymd_opt(today.year() + a, m, 1))
        .find(|s| last_of_month(*s) >= today)?;
    let span = match which {
        "last" => Span {
            first: last_of_month(start) - Duration::days(6),
            last: last_of_month(start),
        },
        w => {
            let n = ordinal(w).filter(|n| (1..=4).contains(n))?;
            let first = start.with_day((n - 1) * 7 + 1)?;
            Span {
                first,
                last: first + Duration::days(6),
            }
        }
    };
    (span.last >= today).then_some((skip_the + 4, span))
}

/// "early march", "mid-march", "the end of march", "march", "next week", "this weekend",
/// "next month", "end of the month".
pub(super) fn period(t: &[&str], today: NaiveDate) -> Option<(usize, Span)> {
    let month_span = |m: u32, year: Option<i32>| -> Option<Span> {
        let start = |y: i32| NaiveDate::from_ymd_opt(y, m, 1);
        let pick = match year {
            Some(y) => start(y)?,
            None => (0..=1)
                .filter_map(|a| start(today.year() + a))
                .find(|s| last_of_month(*s) >= today)?,
        };
        Some(Span {
            first: pick,
            last: last_of_month(pick),
        })
    };
    let this_month = Span {
        first: today.with_day(1)?,
        last: last_of_month(today),
    };
    let next_month = {
        let first = this_month.first.checked_add_months(Months::new(1))?;
        Span {
            first,
            last: last_of_month(first),
        }
    };
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let week = |offset: i64| Span {
        first: monday + Duration::days(offset),
        last: monday + Duration::days(offset + 6),
    };
    let weekend = |offset: i64| Span {
        first: monday + Duration::days(offset + 5),
        last: monday + Duration::days(offset + 6),
    };
    let t: Vec<&str> = t
        .iter()
        .map(|w| if *w == "the" { "" } else { *w })
        .collect();
    let t: Vec<&str> = t.into_iter().filter(|w| !w.is_empty()).collect();
    let (part, used_part): (Option<&str>, usize) = match t.as_slice() {
        ["early" | "beginning" | "start", "of", ..] => (Some("early"), 2),
        ["middle" | "mid", "of", ..] => (Some("mid"), 2),
        ["end", "of", ..] => (Some("end"), 2),
        ["early" | "mid" | "late", ..] => (Some(t[0]), 1),
        [w, ..] if w.starts_with("mid-") => (Some("mid"), 0),
        _ => (None, 0),
    };
    let rest = &t[used_part..];
    let head = rest.first().map(|w| w.trim_start_matches("mid-"))?;
    let mut explicit_year = false;
    let mut in_week = false;
    let (used, span) = match (head, rest.get(1).copied()) {
        ("next" | "this", Some("week")) => {
            in_week = true;
            (2, if head == "next" { week(7) } else { week(0) })
        }
        ("next" | "this", Some("weekend")) if part.is_none() => (
            2,
            if head == "next" {
                weekend(7)
            } else {
                weekend(0)
            },
        ),
        ("next", Some("month")) => (2, next_month),
        ("year", _) if part == Some("end") => {
            let last = NaiveDate::from_ymd_opt(today.year(), 12, 31)?;
            (1, Span::day(last))
        }
        ("this", Some("month")) | ("month", _) if part.is_some() => {
            (if head == "this" { 2 } else { 1 }, this_month)
        }
        ("this", Some("month")) => (2, this_month),
        (w, _) if month(w).is_some() && (part.is_some() || !is_may_verb(&t, used_part)) => {
            let m = month(w)?;
            let (y, year_words) = spoken_year(&rest[1..]).unzip();
            explicit_year = y.is_some();
            (1 + year_words.unwrap_or(0), month_span(m, y)?)
        }
        _ => return None,
    };
    let whole = span;
    let day = |n: i64| whole.first + Duration::days(n);
    let span = match part {
        None => whole,
        // Parts of a week: early is Monday–Tuesday, mid Tuesday–Thursday, late Thursday–Friday,
        // the end Friday (the working week; "this weekend" is its own phrase).
        Some("end") if in_week => Span::day(day(4)),
        Some("early") if in_week => Span {
            first: day(0),
            last: day(1),
        },
        Some("mid") if in_week => Span {
            first: day(1),
            last: day(3),
        },
        Some(_) if in_week => Span {
            first: day(3),
            last: day(4),
        },
        Some("end") => Span::day(whole.last),
        Some("early") => Span {
            first: whole.first,
            last: whole.first.with_day(10)?,
        },
        Some("mid") => Span {
            first: whole.first.with_day(11)?,
            last: whole.first.with_day(20)?,
        },
        Some(_) => Span {
            first: whole.first.with_day(21)?,
            last: whole.last,
        },
    };
    // The period has passed this year ("early March" on March 20th): the next one.
    if span.last < today && part.is_some() && month(head).is_some() && !explicit_year {
        let shift = |d: NaiveDate| d.checked_add_months(Months::new(12));
        return Some((
            used_part + used,
            Span {
                first: shift(span.first)?,
                last: shift(span.last)?,
            },
        ));
    }
    (span.last >= today).then_some((used_part + used, span))
}

/// "may" alone is a month only where a month can stand ("in may", "by may"), not the verb ("we
/// may start").
fn is_may_verb(t: &[&str], at: usize) -> bool {
    t.get(at) == Some(&"may")
        && !matches!(
            at.checked_sub(1).and_then(|i| t.get(i)),
            Some(&("in" | "by" | "of" | "before" | "until"))
        )
}

pub(super) fn last_of_month(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).expect("day 1 exists");
    first
        .checked_add_months(Months::new(1))
        .map(|n| n - Duration::days(1))
        .unwrap_or(first)
}
