//! E.164 phone numbers. Every number we store or compare goes through `E164::parse` first, so
//! "(415) 555-2671", "+1 415-555-2671" and "4155552671" are the same caller. Parsing and validation
//! come from `phonenumber` (a port of Google's libphonenumber), not string hacks.

use std::fmt;
use std::str::FromStr;

use phonenumber::Mode;
use phonenumber::country::Id as Region;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("{0:?} is not a phone number")]
    Unparseable(String),
    #[error("{0:?} is not a valid phone number")]
    Invalid(String),
    #[error("{0:?} is not a known region code")]
    UnknownRegion(String),
}

/// Whether `code` is an ISO 3166 alpha-2 region libphonenumber knows (a business's default region).
pub fn is_region(code: &str) -> bool {
    code.len() == 2 && Region::from_str(code).is_ok()
}

/// A valid phone number in E.164 form (`+14155552671`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct E164(String);

impl E164 {
    /// Parses a number written in any common format. `default_region` (ISO 3166 alpha-2, e.g. "US")
    /// interprets numbers written without a country code.
    pub fn parse(input: &str, default_region: &str) -> Result<Self, PhoneError> {
        let region = Region::from_str(default_region)
            .map_err(|_| PhoneError::UnknownRegion(default_region.to_owned()))?;
        let number = phonenumber::parse(Some(region), input)
            .map_err(|_| PhoneError::Unparseable(input.to_owned()))?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid(input.to_owned()));
        }
        // E.164 holds at most 15 digits; libphonenumber's metadata calls some longer national
        // numbers valid (German fixed lines reach 17 with the country code), which the database's
        // `is_e164` check, and carriers, refuse.
        let e164 = number.format().mode(Mode::E164).to_string();
        Self::canonical(&e164).ok_or_else(|| PhoneError::Invalid(input.to_owned()))
    }

    /// Parses a number that must already carry its country code (the form carriers send).
    pub fn parse_international(input: &str) -> Result<Self, PhoneError> {
        if !input.trim_start().starts_with('+') {
            return Err(PhoneError::Unparseable(input.to_owned()));
        }
        Self::parse(input, "US")
    }

    /// A number as a carrier hands it over on a live call (`caller_id`, `called_number`,
    /// `system__caller_id`). Twilio sends canonical E.164 (`+` then 7 to 15 digits, no leading
    /// zero), which is taken as is; anything else goes through `parse_international`. Why: the
    /// first libphonenumber parse builds its metadata (~70 ms, most of a Lambda cold start), and a
    /// canonical number needs no rewriting. It is only ever compared with numbers that were fully
    /// validated when stored, so an impossible number in canonical form simply matches nothing.
    pub fn from_carrier(input: &str) -> Result<Self, PhoneError> {
        match Self::canonical(input) {
            Some(number) => Ok(number),
            None => Self::parse_international(input),
        }
    }

    fn canonical(input: &str) -> Option<Self> {
        let digits = input.strip_prefix('+')?;
        let well_formed = (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        well_formed.then(|| E164(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as people write it: national form when it is in `region` ("(415) 555-2671"),
    /// international otherwise ("+44 20 7946 0018"). Read back to callers digit by digit.
    pub fn written(&self, region: &str) -> String {
        let Ok(number) = phonenumber::parse(None, &self.0) else {
            return self.0.clone();
        };
        let home = Region::from_str(region).ok();
        let mode = if home.is_some() && number.country().id() == home {
            Mode::National
        } else {
            Mode::International
        };
        number.format().mode(mode).to_string()
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for E164 {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse_international(&value)
    }
}

impl From<E164> for String {
    fn from(value: E164) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_known_two_letter_codes() {
        assert!(is_region("US") && is_region("GB"));
        assert!(!is_region("XX") && !is_region("USA") && !is_region(""));
    }

    #[test]
    fn common_formats_normalise_to_the_same_number() {
        for input in [
            "+1 415-555-2671",
            "(415) 555-2671",
            "415.555.2671",
            "4155552671",
            "+14155552671",
            "1-415-555-2671",
        ] {
            assert_eq!(
                E164::parse(input, "US").unwrap().as_str(),
                "+14155552671",
                "{input}"
            );
        }
    }

    #[test]
    fn national_formats_use_the_business_region() {
        assert_eq!(
            E164::parse("020 7946 0018", "GB").unwrap().as_str(),
            "+442079460018"
        );
        assert_eq!(
            E164::parse("030 123456789", "DE").unwrap().as_str(),
            "+4930123456789"
        );
    }

    #[test]
    fn garbage_and_impossible_numbers_are_refused() {
        assert!(matches!(
            E164::parse("call me maybe", "US"),
            Err(PhoneError::Unparseable(_))
        ));
        assert!(matches!(
            E164::parse("+1 000 000 0000", "US"),
            Err(PhoneError::Unparseable(_) | PhoneError::Invalid(_))
        ));
        // Parses, but no such US area code exists.
        assert!(matches!(
            E164::parse("+1 199 555 2671", "US"),
            Err(PhoneError::Invalid(_))
        ));
        assert!(matches!(
            E164::parse("123", "US"),
            Err(PhoneError::Unparseable(_) | PhoneError::Invalid(_))
        ));
        assert!(matches!(
            E164::parse("4155552671", "XX"),
            Err(PhoneError::UnknownRegion(_))
        ));
        // Valid to libphonenumber (a German fixed line), but longer than E.164's 15 digits.
        assert!(phonenumber::is_valid(
            &phonenumber::parse(None, "+49 30 1234567890123").unwrap()
        ));
        assert_eq!(
            E164::parse("+49 30 1234567890123", "DE"),
            Err(PhoneError::Invalid("+49 30 1234567890123".into()))
        );
    }

    #[test]
    fn international_form_requires_a_country_code() {
        assert!(E164::parse_international("4155552671").is_err());
        assert_eq!(
            E164::parse_international(" +14155552671").unwrap().as_str(),
            "+14155552671"
        );
    }

    #[test]
    fn carrier_numbers_in_canonical_form_agree_with_the_full_parse() {
        for input in [
            "+14155552671",
            "+442079460018",
            "+4930123456789",
            "+6421234567",
        ] {
            assert_eq!(
                E164::from_carrier(input).unwrap(),
                E164::parse_international(input).unwrap(),
                "{input}"
            );
        }
    }

    #[test]
    fn carrier_numbers_in_other_forms_take_the_full_parse() {
        for (input, expected) in [
            ("+1 (415) 555-2671", "+14155552671"),
            (" +14155552671", "+14155552671"),
            ("+44 20 7946 0018", "+442079460018"),
        ] {
            assert_eq!(E164::from_carrier(input).unwrap().as_str(), expected);
        }
        for refused in [
            "4155552671",
            "+",
            "+0123456789",
            "+1234",
            "+1234567890123456",
            "anonymous",
            "",
        ] {
            assert!(E164::from_carrier(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn serde_round_trip_validates() {
        let n: E164 = serde_json::from_str("\"+1 (415) 555-2671\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"+14155552671\"");
        assert!(serde_json::from_str::<E164>("\"nope\"").is_err());
    }
}
