//! The authentication audit (`auth_events`): who signed in or tried to, from where, and every
//! change to who has access. Never a password or a token.

use uuid::Uuid;

use crate::domain::BusinessId;

/// One audited event; `kind` is one of the migration's CHECK values.
#[derive(Debug, Default)]
pub struct AuthEvent<'a> {
    pub kind: &'a str,
    pub user_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub business_id: Option<BusinessId>,
    pub email: Option<&'a str>,
    pub address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// Records the event. Long values are cut to the columns' limits (an address or user agent is
/// whatever the client sent).
pub async fn record<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    e: &AuthEvent<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO auth_events (kind, user_id, actor_id, business_id, email, address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        e.kind,
        e.user_id,
        e.actor_id,
        e.business_id.map(BusinessId::get),
        super::clip(e.email, 320),
        super::clip(e.address, 64),
        super::clip(e.user_agent, 512),
    )
    .execute(executor)
    .await?;
    Ok(())
}
