//! An agent's text-to-speech settings: ElevenLabs' ranges and our defaults, in this one place.
//! The admin API refuses values outside the ranges; the initiation webhook clamps whatever it
//! reads (a row written before a range narrowed must still give a call that ElevenLabs accepts);
//! a business that never saved its agent configuration speaks with the defaults.
//! (The `agent_configs` column defaults in the first migration hold the same numbers; forward-only
//! migrations keep them, and no insert relies on them.)

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VoiceSettings {
    pub stability: f32,
    pub similarity_boost: f32,
    pub speed: f32,
}

impl VoiceSettings {
    pub const DEFAULT: VoiceSettings = VoiceSettings {
        stability: 0.5,
        similarity_boost: 0.8,
        speed: 1.0,
    };
    /// ElevenLabs' ranges for agent TTS settings, inclusive.
    pub const STABILITY_RANGE: (f32, f32) = (0.0, 1.0);
    pub const SIMILARITY_BOOST_RANGE: (f32, f32) = (0.0, 1.0);
    pub const SPEED_RANGE: (f32, f32) = (0.7, 1.2);

    /// The stored settings, each missing one (no configuration saved yet) at its default.
    pub fn stored(
        stability: Option<f32>,
        similarity_boost: Option<f32>,
        speed: Option<f32>,
    ) -> Self {
        let d = Self::DEFAULT;
        Self {
            stability: stability.unwrap_or(d.stability),
            similarity_boost: similarity_boost.unwrap_or(d.similarity_boost),
            speed: speed.unwrap_or(d.speed),
        }
    }

    fn fields(self) -> [(&'static str, f32, (f32, f32)); 3] {
        [
            ("stability", self.stability, Self::STABILITY_RANGE),
            (
                "similarity_boost",
                self.similarity_boost,
                Self::SIMILARITY_BOOST_RANGE,
            ),
            ("speed", self.speed, Self::SPEED_RANGE),
        ]
    }

    /// The first value outside ElevenLabs' range, as (field, message).
    pub fn check(self) -> Result<Self, (&'static str, String)> {
        for (field, value, (lo, hi)) in self.fields() {
            if !(lo..=hi).contains(&value) {
                return Err((field, format!("must be between {lo} and {hi}")));
            }
        }
        Ok(self)
    }

    /// Every value brought into its range (NaN to the low end).
    pub fn clamped(self) -> Self {
        let clamp = |(lo, hi): (f32, f32), v: f32| if v.is_nan() { lo } else { v.clamp(lo, hi) };
        Self {
            stability: clamp(Self::STABILITY_RANGE, self.stability),
            similarity_boost: clamp(Self::SIMILARITY_BOOST_RANGE, self.similarity_boost),
            speed: clamp(Self::SPEED_RANGE, self.speed),
        }
    }
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_inside_the_ranges() {
        assert_eq!(VoiceSettings::DEFAULT.check(), Ok(VoiceSettings::DEFAULT));
        assert_eq!(VoiceSettings::DEFAULT.clamped(), VoiceSettings::DEFAULT);
    }

    #[test]
    fn check_names_the_first_field_out_of_range_and_clamp_brings_it_back() {
        let fast = VoiceSettings {
            speed: 1.5,
            ..VoiceSettings::DEFAULT
        };
        assert_eq!(fast.check().unwrap_err().0, "speed");
        assert_eq!(fast.clamped().speed, 1.2);
        let nan = VoiceSettings {
            stability: f32::NAN,
            ..VoiceSettings::DEFAULT
        };
        assert_eq!(nan.check().unwrap_err().0, "stability");
        assert_eq!(nan.clamped().stability, 0.0);
    }

    #[test]
    fn missing_stored_values_take_the_defaults() {
        assert_eq!(
            VoiceSettings::stored(None, None, None),
            VoiceSettings::DEFAULT
        );
        assert_eq!(VoiceSettings::stored(Some(0.1), None, None).stability, 0.1);
    }
}
