//! Each client's verification steps across calls (`caller_verification_events`): the audit, and
//! the counts `domain::caller_verification::ClientRecord` limits. A client's steps are taken one
//! at a time (`lock`), so two calls at once cannot both spend the client's last attempt.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::caller_verification::{CLIENT_WINDOW_SECS, ClientRecord};

/// One step, as the migration's CHECK names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    CodeSent,
    Failed,
    Verified,
    /// The client's wrong answers reached the limit.
    Locked,
    /// A request refused because the client is locked or has had its codes.
    Refused,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::CodeSent => "code_sent",
            Step::Failed => "failed",
            Step::Verified => "verified",
            Step::Locked => "locked",
            Step::Refused => "refused",
        }
    }
}

/// Takes the client's verification lock until `tx` ends. A transaction left idle (its request
/// died between statements) ends by itself, and the lock with it.
pub async fn lock(tx: &mut Transaction<'_, Postgres>, client_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("SET LOCAL idle_in_transaction_session_timeout = '10s'")
        .execute(&mut **tx)
        .await?;
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('caller-verification:' || $1::text, 0))",
        client_id.to_string(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The client's counts in the window that ends at `now`. Steps stamped after `now` count too:
/// another instance's clock may run a little ahead.
pub async fn record(
    conn: &mut PgConnection,
    client_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ClientRecord, sqlx::Error> {
    let since = now - chrono::Duration::seconds(CLIENT_WINDOW_SECS);
    let row = sqlx::query!(
        r#"WITH recent AS (
             SELECT kind, at FROM caller_verification_events
             WHERE client_id = $1 AND at > $2
           ), last_verified AS (
             SELECT coalesce(max(at), '-infinity') AS at FROM recent WHERE kind = 'verified'
           )
           SELECT count(*) FILTER (WHERE kind = 'code_sent') AS "codes_sent!",
                  count(*) FILTER (WHERE kind = 'failed'
                                     AND recent.at > (SELECT at FROM last_verified)) AS "failures!"
           FROM recent"#,
        client_id,
        since,
    )
    .fetch_one(conn)
    .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(ClientRecord {
        codes_sent: count(row.codes_sent),
        failures: count(row.failures),
    })
}

/// Records the steps one request took, at `now`.
pub async fn add(
    conn: &mut PgConnection,
    business_id: Uuid,
    client_id: Uuid,
    conversation_id: &str,
    steps: &[Step],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let kinds: Vec<&str> = steps.iter().map(|s| s.as_str()).collect();
    sqlx::query!(
        "INSERT INTO caller_verification_events (business_id, client_id, conversation_id, kind, at)
         SELECT $1, $2, $3, kind, $5 FROM unnest($4::text[]) AS kind",
        business_id,
        client_id,
        conversation_id,
        &kinds as &[&str],
        now,
    )
    .execute(conn)
    .await?;
    Ok(())
}
