//! Core domain types: plain data, validated once at the edge ("parse, don't validate"), no AWS.
//! Their names and string forms match the CHECK constraints in `migrations/`.

pub mod agent;
pub mod answers;
pub mod business_hours;
pub mod caller_verification;
pub mod catalog;
pub mod client_match;
pub mod ids;
pub mod knowledge;
pub mod lead;
pub mod login_throttle;
pub mod numbers;
pub mod qualification;
pub mod read_back;
pub mod spoken;
pub mod summary;
pub mod text;
pub mod urgency;
pub mod voice;

pub use business_hours::{BusinessHours, Holiday, Interval, Timezone};
pub use catalog::{ExpectedFormat, NumberAssignment, Priority, ProjectStatus, Provider, Role};
pub use ids::{BusinessId, ConversationId};
pub use voice::VoiceSettings;
