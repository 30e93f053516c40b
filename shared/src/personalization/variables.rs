//! The fixed set of dynamic variables every initiation response carries. ElevenLabs fails a call
//! when the agent's prompt or first message uses a variable the webhook did not send, so the set is
//! closed and every member always has a value (its default when unknown). The agent manager writes
//! these same names and defaults as the agent's `dynamic_variable_placeholders`.

use std::collections::BTreeMap;

use serde::Serialize;

/// A dynamic variable value: ElevenLabs accepts strings, numbers and booleans only.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum VarValue {
    Text(String),
    Number(i64),
    Flag(bool),
}

impl VarValue {
    pub fn to_text(&self) -> String {
        match self {
            VarValue::Text(s) => s.clone(),
            VarValue::Number(n) => n.to_string(),
            VarValue::Flag(b) => b.to_string(),
        }
    }
}

impl From<&str> for VarValue {
    fn from(s: &str) -> Self {
        VarValue::Text(s.to_owned())
    }
}
impl From<String> for VarValue {
    fn from(s: String) -> Self {
        VarValue::Text(s)
    }
}
impl From<i64> for VarValue {
    fn from(n: i64) -> Self {
        VarValue::Number(n)
    }
}
impl From<bool> for VarValue {
    fn from(b: bool) -> Self {
        VarValue::Flag(b)
    }
}

pub struct VariableSpec {
    pub name: &'static str,
    pub default: DefaultValue,
    pub description: &'static str,
}

#[derive(Clone, Copy)]
pub enum DefaultValue {
    Text(&'static str),
    Number(i64),
    Flag(bool),
}

impl DefaultValue {
    pub fn value(self) -> VarValue {
        match self {
            DefaultValue::Text(s) => VarValue::Text(s.to_owned()),
            DefaultValue::Number(n) => VarValue::Number(n),
            DefaultValue::Flag(b) => VarValue::Flag(b),
        }
    }
}

use DefaultValue::{Flag, Number, Text};

/// Every dynamic variable the initiation webhook sends, with its default and meaning.
pub const DYNAMIC_VARIABLES: &[VariableSpec] = &[
    VariableSpec {
        name: "business_name",
        default: Text("our office"),
        description: "The business that was called.",
    },
    VariableSpec {
        name: "caller_name",
        default: Text("there"),
        description: "The caller's name when they are a known client.",
    },
    VariableSpec {
        name: "caller_first_name",
        default: Text("there"),
        description: "A known client's first name, as a receptionist greets them (their full name when it starts with a title).",
    },
    VariableSpec {
        name: "caller_type",
        default: Text("new_caller"),
        description: "new_caller or known_client.",
    },
    VariableSpec {
        name: "is_known_client",
        default: Flag(false),
        description: "The caller's number belongs to a client of the business.",
    },
    VariableSpec {
        name: "client_company",
        default: Text("unknown"),
        description: "The known client's company.",
    },
    VariableSpec {
        name: "active_projects",
        default: Text("none"),
        description: "The known client's active projects with status and due date.",
    },
    VariableSpec {
        name: "active_project_count",
        default: Number(0),
        description: "How many active projects the known client has.",
    },
    VariableSpec {
        name: "caller_phone",
        default: Text("unknown"),
        description: "The caller's number in E.164.",
    },
    VariableSpec {
        name: "office_status",
        default: Text("unknown"),
        description: "open or closed, computed from the business hours.",
    },
    VariableSpec {
        name: "is_open",
        default: Flag(false),
        description: "The office is open right now.",
    },
    VariableSpec {
        name: "next_opening",
        default: Text("unknown"),
        description: "When the office next opens, in words.",
    },
    VariableSpec {
        name: "closes_at",
        default: Text("unknown"),
        description: "When the office closes today, in words, while open.",
    },
    VariableSpec {
        name: "holiday_name",
        default: Text("none"),
        description: "Today's holiday closure, if any.",
    },
    VariableSpec {
        name: "local_time",
        default: Text("unknown"),
        description: "The business's local day and time.",
    },
    VariableSpec {
        name: "business_timezone",
        default: Text("UTC"),
        description: "The business's IANA time zone.",
    },
    VariableSpec {
        name: "transfer_available",
        default: Flag(false),
        description: "A live transfer to the team is possible now.",
    },
    VariableSpec {
        name: "call_direction",
        default: Text("inbound"),
        description: "inbound or outbound.",
    },
    VariableSpec {
        name: "qualification_question_count",
        default: Number(0),
        description: "How many qualification questions a new caller is asked (0 for known clients).",
    },
];

/// Exactly the variables of `DYNAMIC_VARIABLES`, each with a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct DynamicVariables(BTreeMap<&'static str, VarValue>);

impl DynamicVariables {
    pub fn defaults() -> Self {
        Self(
            DYNAMIC_VARIABLES
                .iter()
                .map(|v| (v.name, v.default.value()))
                .collect(),
        )
    }

    /// Sets a member of the set; a name outside it is a programming error and is ignored (and fails
    /// the tests), so the response can never carry an undeclared variable.
    pub fn set(&mut self, name: &str, value: impl Into<VarValue>) {
        match self.0.get_mut(name) {
            Some(slot) => *slot = value.into(),
            None => debug_assert!(false, "{name} is not a declared dynamic variable"),
        }
    }

    pub fn get(&self, name: &str) -> Option<&VarValue> {
        self.0.get(name)
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).map(VarValue::to_text).unwrap_or_default()
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_the_whole_set_with_non_empty_values() {
        let d = DynamicVariables::defaults();
        assert_eq!(d.names().count(), DYNAMIC_VARIABLES.len());
        for spec in DYNAMIC_VARIABLES {
            assert!(
                !d.text(spec.name).is_empty(),
                "{} has an empty default",
                spec.name
            );
        }
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["is_open"], false);
        assert_eq!(json["active_project_count"], 0);
        assert_eq!(json["caller_name"], "there");
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = DYNAMIC_VARIABLES.iter().map(|v| v.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DYNAMIC_VARIABLES.len());
    }
}
