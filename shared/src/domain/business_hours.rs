//! A business's opening hours: several intervals per weekday, intervals that run past midnight
//! (close earlier than open), and dated holiday closures. Stored as JSONB on `businesses`.
//! Deciding "open now?" is done from this in code, never by the language model.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// Keys: mon, tue, wed, thu, fri, sat, sun. A missing day is closed all day.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, Vec<Interval>>)]
    pub weekly: BTreeMap<DayKey, Vec<Interval>>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKey {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl DayKey {
    pub fn weekday(self) -> Weekday {
        match self {
            DayKey::Mon => Weekday::Mon,
            DayKey::Tue => Weekday::Tue,
            DayKey::Wed => Weekday::Wed,
            DayKey::Thu => Weekday::Thu,
            DayKey::Fri => Weekday::Fri,
            DayKey::Sat => Weekday::Sat,
            DayKey::Sun => Weekday::Sun,
        }
    }
}

/// `open`-`close` in local time, "HH:MM". `close` <= `open` means the interval ends the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    #[serde(with = "hhmm")]
    #[schema(value_type = String, example = "09:00")]
    pub open: NaiveTime,
    #[serde(with = "hhmm")]
    #[schema(value_type = String, example = "17:30")]
    pub close: NaiveTime,
}

impl Interval {
    pub fn is_overnight(&self) -> bool {
        self.close <= self.open
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: NaiveDate,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("{day:?}: an interval opens and closes at the same time ({at})")]
    Empty { day: DayKey, at: NaiveTime },
    #[error("{day:?}: intervals overlap")]
    Overlap { day: DayKey },
    #[error("holiday {0} is listed twice")]
    DuplicateHoliday(NaiveDate),
    #[error("{day:?}: at most {MAX_INTERVALS_PER_DAY} intervals a day")]
    TooManyIntervals { day: DayKey },
    #[error("at most {MAX_HOLIDAYS} holidays")]
    TooManyHolidays,
    #[error("holiday {0}: the name may have at most {MAX_HOLIDAY_NAME_CHARS} characters")]
    HolidayNameTooLong(NaiveDate),
}

/// Bounds on what an owner can store: hours are read on every call.
pub const MAX_INTERVALS_PER_DAY: usize = 6;
pub const MAX_HOLIDAYS: usize = 100;
pub const MAX_HOLIDAY_NAME_CHARS: usize = 100;

impl BusinessHours {
    /// Hours as stored. Hours that no longer parse must not cost a call: they count as unknown
    /// (closed, no known opening, so the agent takes a message), with a warning.
    pub fn from_stored(value: serde_json::Value) -> Self {
        serde_json::from_value(value).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "business hours are invalid; treating as closed");
            BusinessHours::default()
        })
    }

    /// Checks what the type cannot: no empty intervals, no overlaps within a day, no repeated
    /// holidays, and the sizes an owner may store.
    pub fn validate(&self) -> Result<(), HoursError> {
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(HoursError::TooManyHolidays);
        }
        if let Some(h) = self.holidays.iter().find(|h| {
            h.name
                .as_ref()
                .is_some_and(|n| n.chars().count() > MAX_HOLIDAY_NAME_CHARS)
        }) {
            return Err(HoursError::HolidayNameTooLong(h.date));
        }
        for (day, intervals) in &self.weekly {
            if intervals.len() > MAX_INTERVALS_PER_DAY {
                return Err(HoursError::TooManyIntervals { day: *day });
            }
            let mut spans: Vec<(u32, u32)> = Vec::new();
            for i in intervals {
                if i.open == i.close {
                    return Err(HoursError::Empty {
                        day: *day,
                        at: i.open,
                    });
                }
                let open = minutes(i.open);
                let close = if i.is_overnight() {
                    minutes(i.close) + 24 * 60
                } else {
                    minutes(i.close)
                };
                spans.push((open, close));
            }
            spans.sort();
            if spans.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(HoursError::Overlap { day: *day });
            }
        }
        let mut dates: Vec<_> = self.holidays.iter().map(|h| h.date).collect();
        dates.sort();
        if let Some(w) = dates.windows(2).find(|w| w[0] == w[1]) {
            return Err(HoursError::DuplicateHoliday(w[0]));
        }
        Ok(())
    }
}

/// Whether a business is open at an instant, computed in its own time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursStatus {
    pub open: bool,
    /// When the current opening ends (when open).
    pub closes_at: Option<DateTime<Tz>>,
    /// The next opening after `now` (when closed); `None` if no opening within a year.
    pub next_open: Option<DateTime<Tz>>,
    /// Today is a listed holiday.
    pub holiday: Option<String>,
}

/// How far ahead to look for the next opening (long holiday closures included).
const LOOKAHEAD_DAYS: i64 = 370;

impl BusinessHours {
    /// Open or closed at `now`, and when that changes. Intervals that run past midnight belong to the
    /// day they open on; a holiday closes the intervals that open on that date. Local times that do
    /// not exist (the spring-forward gap) open at the first valid instant after them.
    pub fn status_at(&self, now: DateTime<Utc>, tz: Tz) -> HoursStatus {
        let local_today = now.with_timezone(&tz).date_naive();
        let holiday = self
            .holiday_on(local_today)
            .map(|h| h.name.clone().unwrap_or_else(|| "holiday".into()));
        let mut next_open: Option<DateTime<Tz>> = None;
        // Start a day back: yesterday's overnight interval may still be running.
        for offset in -1..=LOOKAHEAD_DAYS {
            let Some(date) = local_today.checked_add_signed(chrono::Duration::days(offset)) else {
                break;
            };
            if self.holiday_on(date).is_some() {
                continue;
            }
            for interval in self.intervals_on(date.weekday()) {
                let (Some(start), Some(end)) = (
                    local_instant(tz, date, interval.open),
                    local_instant(tz, close_date(date, interval), interval.close),
                ) else {
                    continue;
                };
                if start <= now && now < end {
                    return HoursStatus {
                        open: true,
                        closes_at: Some(end),
                        next_open: None,
                        holiday,
                    };
                }
                if start > now && next_open.is_none_or(|n| start < n) {
                    next_open = Some(start);
                }
            }
            // Days are visited in order: the first day with a future opening holds the earliest one.
            if next_open.is_some() && offset >= 0 {
                break;
            }
        }
        HoursStatus {
            open: false,
            closes_at: None,
            next_open,
            holiday,
        }
    }

    fn holiday_on(&self, date: NaiveDate) -> Option<&Holiday> {
        self.holidays.iter().find(|h| h.date == date)
    }

    fn intervals_on(&self, weekday: Weekday) -> &[Interval] {
        self.weekly
            .iter()
            .find(|(day, _)| day.weekday() == weekday)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }
}

fn close_date(open_date: NaiveDate, interval: &Interval) -> NaiveDate {
    if interval.is_overnight() {
        open_date.succ_opt().unwrap_or(open_date)
    } else {
        open_date
    }
}

/// The instant a local wall-clock time names; in a DST gap, the first instant after the gap.
fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Tz>> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t),
        LocalResult::Ambiguous(first, _) => Some(first),
        LocalResult::None => (1..=180).find_map(|m| {
            tz.from_local_datetime(&(naive + chrono::Duration::minutes(m)))
                .earliest()
        }),
    }
}

fn minutes(t: NaiveTime) -> u32 {
    use chrono::Timelike;
    t.hour() * 60 + t.minute()
}

/// An IANA time zone name, checked against the tz database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timezone(pub chrono_tz::Tz);

impl TryFrom<String> for Timezone {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value
            .parse::<chrono_tz::Tz>()
            .map(Timezone)
            .map_err(|_| format!("{value:?} is not an IANA time zone"))
    }
}

impl From<Timezone> for String {
    fn from(value: Timezone) -> Self {
        value.0.name().to_owned()
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let s = String::deserialize(d)?;
        NaiveTime::parse_from_str(&s, "%H:%M").map_err(|_| {
            serde::de::Error::custom(format!("{s:?} is not a time of day in HH:MM form"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<BusinessHours, String> {
        let hours: BusinessHours = serde_json::from_value(json).map_err(|e| e.to_string())?;
        hours.validate().map_err(|e| e.to_string())?;
        Ok(hours)
    }

    #[test]
    fn several_intervals_overnight_spans_and_holidays() {
        let hours = parse(serde_json::json!({
            "weekly": {"mon": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:30"}],
                       "fri": [{"open": "20:00", "close": "02:00"}]},
            "holidays": [{"date": "2026-12-25", "name": "Christmas"}]
        }))
        .unwrap();
        assert_eq!(hours.weekly[&DayKey::Mon].len(), 2);
        assert!(hours.weekly[&DayKey::Fri][0].is_overnight());
        let back = serde_json::to_value(&hours).unwrap();
        assert_eq!(back["weekly"]["mon"][1]["close"], "17:30");
    }

    #[test]
    fn the_sizes_an_owner_may_store_are_bounded() {
        let interval = |h: u32| serde_json::json!({"open": format!("{h:02}:00"), "close": format!("{h:02}:30")});
        let seven: Vec<_> = (1..=7).map(interval).collect();
        assert!(
            parse(serde_json::json!({"weekly": {"tue": seven}}))
                .unwrap_err()
                .contains("at most 6 intervals")
        );
        let holidays: Vec<_> = (0..101)
            .map(|d| {
                serde_json::json!({"date": (chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
                + chrono::Days::new(d)).to_string()})
            })
            .collect();
        assert!(
            parse(serde_json::json!({"holidays": holidays}))
                .unwrap_err()
                .contains("at most 100 holidays")
        );
        assert!(
            parse(
                serde_json::json!({"holidays": [{"date": "2027-01-01", "name": "x".repeat(101)}]})
            )
            .unwrap_err()
            .contains("at most 100 characters")
        );
    }

    #[test]
    fn bad_hours_are_refused_with_a_reason() {
        assert!(
            parse(serde_json::json!({"weekly": {"mon": [{"open": "9am", "close": "17:00"}]}}))
                .unwrap_err()
                .contains("HH:MM")
        );
        assert!(parse(serde_json::json!({"weekly": {"funday": []}})).is_err());
        assert!(
            parse(serde_json::json!({"weekly": {"tue": [{"open": "09:00", "close": "09:00"}]}}))
                .unwrap_err()
                .contains("same time")
        );
        assert!(parse(serde_json::json!({"weekly": {"tue": [{"open": "09:00", "close": "13:00"}, {"open": "12:00", "close": "14:00"}]}}))
            .unwrap_err()
            .contains("overlap"));
        assert!(
            parse(
                serde_json::json!({"holidays": [{"date": "2026-01-01"}, {"date": "2026-01-01"}]})
            )
            .unwrap_err()
            .contains("twice")
        );
    }

    fn hours() -> BusinessHours {
        serde_json::from_value(serde_json::json!({
            "weekly": {"mon": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:00"}],
                       "tue": [{"open": "09:00", "close": "17:00"}],
                       "fri": [{"open": "20:00", "close": "02:00"}]},
            "holidays": [{"date": "2026-12-01", "name": "Studio retreat"}]
        }))
        .unwrap()
    }

    const LA: Tz = chrono_tz::America::Los_Angeles;

    fn at(local: &str) -> DateTime<Utc> {
        LA.from_local_datetime(
            &chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap(),
        )
        .unwrap()
        .with_timezone(&Utc)
    }

    fn local(t: Option<DateTime<Tz>>) -> String {
        t.map(|t| t.format("%a %Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    #[test]
    fn open_within_an_interval_and_closed_over_lunch() {
        // 2026-11-23 is a Monday.
        let s = hours().status_at(at("2026-11-23 10:30"), LA);
        assert!(s.open);
        assert_eq!(local(s.closes_at), "Mon 2026-11-23 12:00");
        let lunch = hours().status_at(at("2026-11-23 12:30"), LA);
        assert!(!lunch.open);
        assert_eq!(local(lunch.next_open), "Mon 2026-11-23 13:00");
    }

    #[test]
    fn closing_time_is_exclusive_and_the_next_day_is_found() {
        let s = hours().status_at(at("2026-11-23 17:00"), LA);
        assert!(!s.open);
        assert_eq!(local(s.next_open), "Tue 2026-11-24 09:00");
    }

    #[test]
    fn overnight_intervals_run_past_midnight() {
        // Friday 20:00 until Saturday 02:00.
        assert!(hours().status_at(at("2026-11-27 23:59"), LA).open);
        let s = hours().status_at(at("2026-11-28 01:30"), LA);
        assert!(s.open);
        assert_eq!(local(s.closes_at), "Sat 2026-11-28 02:00");
        let after = hours().status_at(at("2026-11-28 02:00"), LA);
        assert!(!after.open);
        assert_eq!(local(after.next_open), "Mon 2026-11-30 09:00");
    }

    #[test]
    fn holidays_close_the_day_and_are_named() {
        // Tuesday 2026-12-01 is the retreat.
        let s = hours().status_at(at("2026-12-01 10:00"), LA);
        assert!(!s.open);
        assert_eq!(s.holiday.as_deref(), Some("Studio retreat"));
        assert_eq!(local(s.next_open), "Fri 2026-12-04 20:00");
    }

    #[test]
    fn the_business_time_zone_decides_not_utc() {
        // 17:30 UTC on a Monday is 09:30 in Los Angeles (open) and 02:30 Tuesday in Tokyo (closed).
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(hours().status_at(now, LA).open);
        let tokyo = hours().status_at(now, chrono_tz::Asia::Tokyo);
        assert!(!tokyo.open);
        assert_eq!(
            tokyo.next_open.unwrap().format("%a %H:%M").to_string(),
            "Tue 09:00"
        );
    }

    #[test]
    fn dst_gap_openings_start_after_the_gap() {
        // 2027-03-14 02:00 does not exist in Los Angeles; a Sunday 02:30 opening starts at 03:00.
        let h: BusinessHours = serde_json::from_value(
            serde_json::json!({"weekly": {"sun": [{"open": "02:30", "close": "05:00"}]}}),
        )
        .unwrap();
        let s = h.status_at(at("2027-03-14 01:00"), LA);
        assert_eq!(local(s.next_open), "Sun 2027-03-14 03:00");
    }

    #[test]
    fn no_hours_means_closed_with_no_next_opening() {
        let s = BusinessHours::default().status_at(at("2026-11-23 10:00"), LA);
        assert_eq!((s.open, s.next_open), (false, None));
    }

    #[test]
    fn timezones_are_checked() {
        let tz: Timezone = serde_json::from_str("\"America/Los_Angeles\"").unwrap();
        assert_eq!(tz.to_string(), "America/Los_Angeles");
        assert!(serde_json::from_str::<Timezone>("\"Mars/Olympus\"").is_err());
    }
}
