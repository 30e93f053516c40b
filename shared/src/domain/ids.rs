//! Identifiers, each its own type so one can never be passed for another: a business id where a
//! client id is expected is a compile error, not a cross-tenant read. Parsed once at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A business: the tenant every record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BusinessId(Uuid);

impl BusinessId {
    pub const fn new(id: Uuid) -> Self {
        Self(id)
    }

    pub const fn get(self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for BusinessId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl FromStr for BusinessId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

impl fmt::Display for BusinessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An ElevenLabs conversation id (`system__conversation_id`, a post-call event's
/// `data.conversation_id`): the key every record of a call hangs on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ConversationId(String);

impl ConversationId {
    /// Longer than any id ElevenLabs issues (`conv_` and 26 characters), short enough to index.
    pub const MAX_LEN: usize = 128;

    /// Non-empty, at most `MAX_LEN`, printable ASCII without spaces: what an id can be, so a
    /// stray value never becomes a key.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::check(raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// `parse` for a string already owned (a deserialised body): no second copy.
    fn parse_owned(raw: String) -> Result<Self, String> {
        Self::check(&raw)?;
        Ok(Self(raw))
    }

    fn check(raw: &str) -> Result<(), String> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.len() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be printable ASCII without spaces".into());
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every payload that carries one names it `conversation_id`, and the tool bodies flatten it (so
/// serde cannot say where the error is): the message names the field itself.
impl<'de> Deserialize<'de> for ConversationId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse_owned(raw)
            .map_err(|e| serde::de::Error::custom(format!("conversation_id: {e}")))
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_are_checked_once() {
        assert_eq!(
            ConversationId::parse("conv_01jxk3m5v6w7y8z9abcdefghjk")
                .unwrap()
                .as_str(),
            "conv_01jxk3m5v6w7y8z9abcdefghjk"
        );
        for bad in ["", " conv_1", "conv 1", "conv_\u{0}", "cönv"] {
            assert!(ConversationId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ConversationId::parse(&"x".repeat(129)).is_err());
        let json: Result<ConversationId, _> = serde_json::from_str("\"\"");
        assert!(json.is_err());
    }

    #[test]
    fn business_ids_round_trip_as_their_uuid() {
        let id: BusinessId = "a0000000-0000-4000-8000-000000000001".parse().unwrap();
        assert_eq!(id.to_string(), "a0000000-0000-4000-8000-000000000001");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"a0000000-0000-4000-8000-000000000001\""
        );
        assert!("not-a-uuid".parse::<BusinessId>().is_err());
    }
}
