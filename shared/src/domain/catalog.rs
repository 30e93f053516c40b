//! The closed sets of values the data model uses. Each `as_str` is the value stored in Postgres.

use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        /// Ordered as declared (for `Priority`, low to urgent).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $( #[serde(rename = $text)] $variant ),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        // By hand: the derive does not see a `serde(rename)` whose value is a macro argument.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(concat!("{:?} is not a valid ", stringify!($name)), other)),
                }
            }
        }
    };
}

string_enum!(
    /// Who a user is to the platform.
    Role { PlatformAdmin => "platform_admin", BusinessOwner => "business_owner", BusinessMember => "business_member" }
);

string_enum!(
    /// How a number came to ring a business. Only a platform admin (admin API) or the operator
    /// CLI assigns numbers; the agent sync connects only those (`connects_to_agent`).
    NumberAssignment { Unconfirmed => "unconfirmed", Operator => "operator", PlatformAdmin => "platform_admin" }
);

impl NumberAssignment {
    /// Whether the agent sync may import this number or point it at the business's agent.
    pub fn connects_to_agent(self) -> bool {
        self != NumberAssignment::Unconfirmed
    }
}

string_enum!(
    /// What a caller recognised by caller ID alone, not yet verified, may hear: nothing of their
    /// account (`anonymous`), a greeting by name and general help (`name`, the default), or also
    /// their projects (`projects`, the business accepts that caller ID can be spoofed).
    CallerAccess { Anonymous => "anonymous", Name => "name", Projects => "projects" }
);

impl Default for CallerAccess {
    fn default() -> Self {
        CallerAccess::Name
    }
}

string_enum!(
    /// What form a qualification answer must take.
    ExpectedFormat {
        Text => "text", Email => "email", Phone => "phone", Number => "number",
        Date => "date", YesNo => "yes_no", Choice => "choice",
    }
);

string_enum!(
    /// Lead priority, lowest first; urgency keywords carry the priority they raise a lead to.
    Priority { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
);

impl Default for LeadOrder {
    fn default() -> Self {
        LeadOrder::Newest
    }
}

impl Default for Priority {
    fn default() -> Self {
        Priority::Normal
    }
}

string_enum!(
    /// The order of the lead list: newest first, or most urgent first and then newest.
    LeadOrder { Newest => "newest", Priority => "priority" }
);

string_enum!(
    /// Where a lead stands with the business.
    LeadStatus { New => "new", Contacted => "contacted", Qualified => "qualified", Closed => "closed" }
);

string_enum!(
    /// The lead column a qualification answer fills.
    LeadField { ContactName => "contact_name", Email => "email", Phone => "phone", Company => "company", Notes => "notes" }
);

string_enum!(
    /// How a call ended up, as the call log records it.
    CallStatus {
        Completed => "completed", Failed => "failed", Busy => "busy", NoAnswer => "no-answer",
        InProgress => "in-progress",
    }
);

string_enum!(
    /// Who placed the call.
    CallDirection { Inbound => "inbound", Outbound => "outbound" }
);

string_enum!(
    /// A project's or task's status, normalised across PM tools (their own label is kept beside it).
    ProjectStatus { Todo => "todo", InProgress => "in_progress", Done => "done" }
);

string_enum!(
    /// Where a project came from.
    Provider { Jira => "jira", Asana => "asana", Monday => "monday", Manual => "manual" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_order_from_low_to_urgent() {
        let mut shuffled = vec![
            Priority::Urgent,
            Priority::Low,
            Priority::High,
            Priority::Normal,
        ];
        shuffled.sort();
        assert_eq!(shuffled, Priority::ALL);
    }

    #[test]
    fn string_forms_round_trip() {
        for f in ExpectedFormat::ALL {
            assert_eq!(f.as_str().parse::<ExpectedFormat>().unwrap(), *f);
            assert_eq!(
                serde_json::to_string(f).unwrap(),
                format!("\"{}\"", f.as_str())
            );
        }
        assert!(
            "maybe"
                .parse::<Role>()
                .unwrap_err()
                .contains("not a valid Role")
        );
    }
}
