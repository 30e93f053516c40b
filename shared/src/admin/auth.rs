//! Who is calling the admin API and what they may do: argon2id password hashes, short-lived HS256
//! access tokens, and the one tenant rule every admin route applies.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lambda_http::Request;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::BusinessId;
use crate::domain::catalog::Role;
use crate::error::ApiError;

pub const ISSUER: &str = "studioconnect";
pub const AUDIENCE: &str = "studioconnect-admin";
/// How long an access token lives unless `ACCESS_TOKEN_TTL_SECS` says otherwise: short, because
/// the refresh token, not the access token, is what keeps a session going.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// The longest `ACCESS_TOKEN_TTL_SECS` may set (a longer one fails the cold start).
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(60 * 60);
/// Passwords shorter than this are refused when a user is created.
pub const MIN_PASSWORD_LEN: usize = 12;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The user's business; absent for platform admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bid: Option<BusinessId>,
    pub role: Role,
    /// The user's token version when the token was issued: a token of an older version is
    /// refused (a password change, a reset, a role change, disabling or logging out everywhere
    /// bumps it).
    #[serde(default)]
    pub ver: i32,
    pub iat: u64,
    pub exp: u64,
    pub iss: String,
    pub aud: String,
}

/// The authenticated caller of an admin route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub business_id: Option<BusinessId>,
    pub role: Role,
}

/// What a route does to a business's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    /// Day-to-day work on leads, which members do too.
    WorkLeads,
    /// Configuration and records only an owner (or a platform admin) changes.
    Write,
}

impl Access {
    /// The access a configuration route's method needs: reads for GET, changes otherwise.
    pub fn for_method(method: &http::Method) -> Self {
        if method == http::Method::GET {
            Access::Read
        } else {
            Access::Write
        }
    }
}

impl Principal {
    /// The tenant rule: a platform admin may act on any business; anyone else only on their own,
    /// and a member only reads (and works leads). Another tenant's id is a 403, never data.
    pub fn authorize(&self, business_id: BusinessId, access: Access) -> Result<(), ApiError> {
        match self.role {
            Role::PlatformAdmin => Ok(()),
            _ if self.business_id != Some(business_id) => Err(ApiError::forbidden(
                "this token does not give access to that business",
            )),
            Role::BusinessOwner => Ok(()),
            Role::BusinessMember => match access {
                Access::Read | Access::WorkLeads => Ok(()),
                Access::Write => Err(ApiError::forbidden(
                    "business members have read-only access to this resource",
                )),
            },
        }
    }
}

/// Issues and verifies access tokens with the key from the secret store.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

impl TokenKeys {
    pub fn new(signing_key: &SecretString, ttl: Duration) -> Self {
        let key = signing_key.expose_secret().as_bytes();
        // The algorithm is pinned: a token naming any other (including "none") is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            ttl,
        }
    }

    /// A token of token version 0 (a user who never ended a session).
    pub fn issue(&self, principal: &Principal, now_unix: u64) -> Result<String, ApiError> {
        self.issue_versioned(principal, 0, now_unix)
    }

    pub fn issue_versioned(
        &self,
        principal: &Principal,
        version: i32,
        now_unix: u64,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: principal.user_id,
            bid: principal.business_id,
            role: principal.role,
            ver: version,
            iat: now_unix,
            exp: now_unix + self.ttl.as_secs(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        Ok(self.verify_versioned(token)?.0)
    }

    /// The token's principal and the token version it was issued under.
    pub fn verify_versioned(&self, token: &str) -> Result<(Principal, i32), ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired",
                    ErrorKind::InvalidAlgorithm => "the access token uses a refused algorithm",
                    _ => "the access token is not valid",
                };
                ApiError::unauthorized(why)
            })?;
        let c = data.claims;
        // A token must agree with the tenancy rule the users table enforces.
        if (c.role == Role::PlatformAdmin) != c.bid.is_none() {
            return Err(ApiError::unauthorized("the access token is not valid"));
        }
        Ok((
            Principal {
                user_id: c.sub,
                business_id: c.bid,
                role: c.role,
            },
            c.ver,
        ))
    }

    /// The bearer token of a request, its signature and claims verified (not yet whether its
    /// session still stands: `AdminState::authenticate`).
    pub fn authenticate(&self, req: &Request) -> Result<Principal, ApiError> {
        Ok(self.authenticate_versioned(req)?.0)
    }

    pub fn authenticate_versioned(&self, req: &Request) -> Result<(Principal, i32), ApiError> {
        let header = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?;
        let value = header
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not valid"))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?;
        self.verify_versioned(token)
    }
}

/// An argon2id PHC string of the password, with a fresh random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Whether the password matches the stored hash. `None` (no such user) still runs one full
/// verification against a fixed hash, so a login for an unknown email takes as long as a wrong
/// password and the two cannot be told apart.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    // An invited user's hash is empty: it too costs a full verification, so a pending invitation
    // cannot be told from a wrong password by the time the answer takes.
    let stored = stored.and_then(|h| PasswordHash::new(h).ok());
    let real = stored.is_some();
    let Some(parsed) = stored.or_else(|| PasswordHash::new(dummy_hash()).ok()) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && real
}

/// Builds the fixed hash now (at cold start) so the first unknown-email login is not slower than
/// a wrong password, which would tell the two apart.
pub fn prepare_login() {
    let _ = dummy_hash();
}

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password anyone has").unwrap_or_default())
}

/// Checks a new password's strength (length only: long passphrases beat composition rules).
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "password must be at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    if password.len() > 1024 {
        return Err("password must be at most 1024 bytes".into());
    }
    // The sign-in route refuses such a password (every JSON body is checked), so one set here,
    // by the operator CLI, could never be used.
    if let Some(c) = crate::domain::text::forbidden_in(password) {
        return Err(format!(
            "password must not contain control characters (found U+{:04X})",
            c as u32
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            &SecretString::from("a-signing-key-for-tests"),
            DEFAULT_TOKEN_TTL,
        )
    }

    fn owner(business: BusinessId) -> Principal {
        Principal {
            user_id: Uuid::new_v4(),
            business_id: Some(business),
            role: Role::BusinessOwner,
        }
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    #[test]
    fn a_new_password_holds_no_control_character() {
        assert!(check_new_password("correct\thorse battery").is_ok());
        let refused = check_new_password("correct horse\u{7}battery").unwrap_err();
        assert!(refused.contains("U+0007"), "{refused}");
    }

    #[test]
    fn a_token_round_trips() {
        let p = owner(Uuid::new_v4().into());
        let token = keys().issue(&p, now()).unwrap();
        assert_eq!(keys().verify(&token).unwrap(), p);
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let p = owner(Uuid::new_v4().into());
        let expired = keys().issue(&p, now() - 3600).unwrap();
        assert_eq!(
            keys().verify(&expired).unwrap_err().message(),
            "the access token has expired"
        );
        let other_key = TokenKeys::new(&SecretString::from("another-key"), DEFAULT_TOKEN_TTL);
        let foreign = other_key.issue(&p, now()).unwrap();
        assert_eq!(keys().verify(&foreign).unwrap_err().status(), 401);
        let mut tampered = keys().issue(&p, now()).unwrap();
        tampered.insert(tampered.len() / 2, 'x');
        assert_eq!(keys().verify(&tampered).unwrap_err().status(), 401);
    }

    #[test]
    fn the_algorithm_is_pinned() {
        // An unsigned token ("alg":"none") with otherwise valid claims.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let claims = serde_json::json!({"sub": Uuid::new_v4(), "role": "platform_admin",
            "iat": now(), "exp": now() + 600, "iss": ISSUER, "aud": AUDIENCE});
        let none = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(claims.to_string())
        );
        assert_eq!(keys().verify(&none).unwrap_err().status(), 401);
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"a-signing-key-for-tests"),
        )
        .unwrap();
        assert_eq!(
            keys().verify(&hs512).unwrap_err().message(),
            "the access token uses a refused algorithm"
        );
    }

    #[test]
    fn the_tenant_rule() {
        let mine = BusinessId::new(Uuid::new_v4());
        let theirs = BusinessId::new(Uuid::new_v4());
        let o = owner(mine);
        assert!(o.authorize(mine, Access::Write).is_ok());
        assert_eq!(o.authorize(theirs, Access::Read).unwrap_err().status(), 403);
        let member = Principal {
            role: Role::BusinessMember,
            ..o
        };
        assert!(member.authorize(mine, Access::Read).is_ok());
        assert!(member.authorize(mine, Access::WorkLeads).is_ok());
        assert_eq!(
            member.authorize(mine, Access::Write).unwrap_err().status(),
            403
        );
        let admin = Principal {
            user_id: Uuid::new_v4(),
            business_id: None,
            role: Role::PlatformAdmin,
        };
        assert!(admin.authorize(theirs, Access::Write).is_ok());
    }

    #[test]
    fn passwords_verify_and_unknown_users_never_match() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("wrong horse battery", Some(&hash)));
        assert!(!verify_password("not a password anyone has", None));
        assert!(!verify_password("x", Some("not a phc string")));
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("a long enough passphrase").is_ok());
    }
}
