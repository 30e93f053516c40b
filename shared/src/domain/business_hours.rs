//! A business's opening hours: several intervals per weekday, intervals that run past midnight
//! (close earlier than open), and dated holiday closures. Stored as JSONB on `businesses`.
//! Deciding "open now?" is done from this in code, never by the language model.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// Keys: mon, tue, wed, thu, fri, sat, sun. A missing day is closed all day.
    #[serde(default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    #[serde(with = "hhmm")]
    pub open: NaiveTime,
    #[serde(with = "hhmm")]
    pub close: NaiveTime,
}

impl Interval {
    pub fn is_overnight(&self) -> bool {
        self.close <= self.open
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl BusinessHours {
    /// Checks what the type cannot: no empty intervals, no overlaps within a day, no repeated holidays.
    pub fn validate(&self) -> Result<(), HoursError> {
        for (day, intervals) in &self.weekly {
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

    #[test]
    fn timezones_are_checked() {
        let tz: Timezone = serde_json::from_str("\"America/Los_Angeles\"").unwrap();
        assert_eq!(tz.to_string(), "America/Los_Angeles");
        assert!(serde_json::from_str::<Timezone>("\"Mars/Olympus\"").is_err());
    }
}
