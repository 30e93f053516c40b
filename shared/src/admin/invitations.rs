//! Invitations: a user created without a password, and the link that lets them set one
//! (`POST /api/auth/invitations/accept`), good for `INVITE_LIFETIME`; only the token's digest is
//! stored. Made by a business's owner (`admin-users`) and, for a new business's first owner, by a
//! platform admin (`admin-businesses`).

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::users::UserView;

/// How long an invitation link works.
pub const INVITE_LIFETIME: chrono::Duration = chrono::Duration::days(7);

#[derive(Debug, Serialize, ToSchema)]
pub struct Invited {
    pub user: UserView,
    /// Send this to the person invited; it works once.
    pub invite_url: String,
    pub invite_expires_at: chrono::DateTime<chrono::Utc>,
}

/// The dashboard's page that takes the token (in the fragment: never sent to a server or logged).
pub fn invite_url(dashboard_url: &str, token: &str) -> String {
    format!(
        "{}/accept-invite#token={token}",
        dashboard_url.trim_end_matches('/')
    )
}
