//! Sessions of the admin API: a short-lived access token (`auth::TokenKeys`) and a refresh token
//! that keeps the session going. Refresh tokens are opaque (`<id>.<secret>`, 256 random bits),
//! stored as SHA-256 digests, rotated on every use, and revocable; a family (one sign-in) lives
//! `REFRESH_LIFETIME` however often it is refreshed, and a token used twice revokes its family.
//! Every access token carries its user's token version, which every request checks.

use chrono::{DateTime, SubsecRound, Utc};
use oauth2::CsrfToken;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::AdminState;
use super::auth::Principal;
use crate::domain::catalog::Role;
use crate::error::ApiError;
use crate::store::sessions::{self, NewRefresh};

/// How long one sign-in can be kept going by refreshing.
pub const REFRESH_LIFETIME: chrono::Duration = chrono::Duration::days(30);

/// A refresh token as the client holds it.
pub struct RefreshToken {
    pub id: Uuid,
    secret: String,
}

impl RefreshToken {
    fn new() -> Self {
        Self {
            id: Uuid::new_v4(),
            secret: CsrfToken::new_random_len(32).into_secret(),
        }
    }

    /// `None` for anything that is not the shape we hand out.
    pub fn parse(raw: &str) -> Option<Self> {
        let (id, secret) = raw.trim().split_once('.')?;
        let id = id.parse().ok()?;
        (secret.len() >= 32 && secret.len() <= 64).then(|| Self {
            id,
            secret: secret.to_owned(),
        })
    }

    /// What the database keeps: the secret's digest (the id is not secret).
    pub fn digest(&self) -> String {
        digest_of(&self.secret)
    }

    fn expose(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }
}

/// A one-time secret (an invitation) and the digest that is stored in its place.
pub fn new_secret() -> (String, String) {
    let secret = CsrfToken::new_random_len(32).into_secret();
    let digest = digest_of(&secret);
    (secret, digest)
}

pub fn digest_of(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

/// Where a sign-in came from (kept with its refresh tokens and in the audit).
#[derive(Debug, Default, Clone)]
pub struct ClientMeta {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// What signing in, refreshing, changing one's password or accepting an invitation answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Exchanged at `POST /api/auth/refresh` for a new pair; each one works once.
    pub refresh_token: String,
    /// When this sign-in ends, however often it is refreshed.
    pub refresh_expires_at: DateTime<Utc>,
    pub user_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_id: Option<Uuid>,
    #[schema(example = "business_owner")]
    pub role: Role,
}

/// Issues a pair for `principal` at token version `version`: a new sign-in (`family` `None`),
/// or the next token of a refreshed one (its id and end).
pub async fn issue(
    state: &AdminState,
    conn: &mut sqlx::PgConnection,
    principal: &Principal,
    version: i32,
    family: Option<(Uuid, DateTime<Utc>)>,
    meta: &ClientMeta,
) -> Result<TokenPair, ApiError> {
    let now = (state.now)();
    // Microseconds, as Postgres keeps it: the answer says exactly what is stored.
    let (family_id, ends) =
        family.unwrap_or_else(|| (Uuid::new_v4(), (now + REFRESH_LIFETIME).trunc_subsecs(6)));
    let refresh = RefreshToken::new();
    sessions::insert(
        conn,
        &NewRefresh {
            id: refresh.id,
            user_id: principal.user_id,
            family_id,
            digest: &refresh.digest(),
            expires_at: ends,
            address: meta.address.as_deref(),
            user_agent: meta.user_agent.as_deref(),
        },
    )
    .await?;
    let access = state
        .tokens
        .issue_versioned(principal, version, now.timestamp().max(0) as u64)?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl.as_secs(),
        refresh_token: refresh.expose(),
        refresh_expires_at: ends,
        user_id: principal.user_id,
        business_id: principal.business_id.map(|b| b.get()),
        role: principal.role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_token_round_trips_and_only_its_digest_is_kept() {
        let t = RefreshToken::new();
        let raw = t.expose();
        let back = RefreshToken::parse(&raw).unwrap();
        assert_eq!((back.id, back.digest()), (t.id, t.digest()));
        assert!(!t.digest().contains(&t.secret));
        for bad in [
            "",
            "x",
            "not-a-uuid.secretsecretsecretsecretsecretsecret",
            &format!("{}.short", t.id),
        ] {
            assert!(RefreshToken::parse(bad).is_none(), "{bad}");
        }
    }
}
