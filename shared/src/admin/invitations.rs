//! Invitations: a user created without a password, and the link that lets them set one
//! (`POST /api/auth/invitations/accept`), good for `INVITE_LIFETIME`; only the token's digest is
//! stored. Made by a business's owner (`admin-users`) and, for a new business's first owner, by a
//! platform admin (`admin-businesses`).

use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::AdminState;
use crate::admin::sessions::ClientMeta;
use crate::domain::BusinessId;
use crate::platform::Platform;
use crate::store::auth_events::{self, AuthEvent};
use crate::store::users::UserView;

/// The state of a route that invites: the admin state and where invitation links point.
pub struct InvitingState {
    pub admin: AdminState,
    /// Invitation links are `{dashboard_url}/accept-invite#token=...`.
    pub dashboard_url: String,
}

impl InvitingState {
    /// `AdminState::from_platform` and the dashboard's URL (`DASHBOARD_URL`, else the stack's
    /// `DASHBOARD_URL_PARAMETER`: `Platform`).
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            dashboard_url: platform.require_dashboard_url()?,
        })
    }
}

/// Who invited whom, to which business, from where: the audit record of an invitation, written
/// in the transaction that creates the user.
pub struct InvitationAudit<'a> {
    pub invited: uuid::Uuid,
    pub inviter: uuid::Uuid,
    pub business_id: BusinessId,
    pub email: &'a str,
    pub meta: &'a ClientMeta,
}

impl InvitationAudit<'_> {
    pub async fn record(
        &self,
        conn: &mut sqlx::PgConnection,
    ) -> Result<(), crate::error::ApiError> {
        auth_events::record(
            conn,
            &AuthEvent {
                kind: "user_invited",
                user_id: Some(self.invited),
                actor_id: Some(self.inviter),
                business_id: Some(self.business_id),
                email: Some(self.email),
                address: self.meta.address.as_deref(),
                user_agent: self.meta.user_agent.as_deref(),
            },
        )
        .await?;
        Ok(())
    }
}

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
