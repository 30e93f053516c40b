//! Tokens and webhook secrets at rest: AES-256-GCM with a random 96-bit nonce per value, stored as
//! `nonce || ciphertext || tag` beside the id of the key that sealed it. The associated data binds
//! a value to its row and purpose, so a ciphertext copied into another business's row (or from the
//! refresh column into the access column) does not decrypt.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("no token encryption key with id {0:?} is configured")]
    UnknownKey(String),
    #[error("a stored secret does not decrypt (wrong key, wrong row or tampered)")]
    Undecryptable,
    #[error("token encryption key must be 32 bytes")]
    BadKey,
}

/// The current key (used to seal) and any earlier ones still needed to open older rows.
#[derive(Clone)]
pub struct TokenCipher {
    current_id: String,
    keys: HashMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCipher")
            .field("current_id", &self.current_id)
            .finish_non_exhaustive()
    }
}

impl TokenCipher {
    pub fn new(current_id: &str, current_key: &[u8]) -> Result<Self, CryptoError> {
        let mut cipher = Self {
            current_id: current_id.to_owned(),
            keys: HashMap::new(),
        };
        cipher.add_key(current_id, current_key)?;
        Ok(cipher)
    }

    /// The keys of the token-encryption secret.
    pub fn from_secrets(secrets: &crate::secrets::Secrets) -> anyhow::Result<Self> {
        let keys = secrets.token_keys()?;
        let mut cipher = Self::new(&keys.current_id, &keys.current)?;
        for (id, key) in keys.previous {
            cipher.add_key(&id, &key)?;
        }
        Ok(cipher)
    }

    /// Adds a retired key that may still open older rows (rotation).
    pub fn add_key(&mut self, id: &str, key: &[u8]) -> Result<(), CryptoError> {
        let key = Key::<Aes256Gcm>::try_from(key).map_err(|_| CryptoError::BadKey)?;
        self.keys.insert(id.to_owned(), Aes256Gcm::new(&key));
        Ok(())
    }

    pub fn current_key_id(&self) -> &str {
        &self.current_id
    }

    /// Seals `plaintext` with the current key; `context` names the row and purpose.
    pub fn seal(&self, plaintext: &SecretString, context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let cipher = &self.keys[&self.current_id];
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext.expose_secret().as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed under `key_id` with the same `context`.
    pub fn open(
        &self,
        key_id: &str,
        sealed: &[u8],
        context: &str,
    ) -> Result<SecretString, CryptoError> {
        let cipher = self
            .keys
            .get(key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        if sealed.len() < NONCE_LEN + 16 {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| CryptoError::Undecryptable)?;
        let plain = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| CryptoError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> TokenCipher {
        TokenCipher::new("k1", &[7u8; 32]).unwrap()
    }

    #[test]
    fn round_trips_with_a_fresh_nonce_each_time() {
        let c = cipher();
        let secret = SecretString::from("access-token-value");
        let a = c.seal(&secret, "b1:jira:access");
        let b = c.seal(&secret, "b1:jira:access");
        assert_ne!(a, b, "nonces differ");
        assert!(
            !a.windows(6).any(|w| w == b"access"),
            "no plaintext in the output"
        );
        let opened = c.open("k1", &a, "b1:jira:access").unwrap();
        assert_eq!(opened.expose_secret(), "access-token-value");
    }

    #[test]
    fn another_row_tampering_or_an_unknown_key_do_not_open() {
        let c = cipher();
        let mut sealed = c.seal(&SecretString::from("t"), "b1:jira:access");
        assert!(matches!(
            c.open("k1", &sealed, "b2:jira:access"),
            Err(CryptoError::Undecryptable)
        ));
        assert!(matches!(
            c.open("k0", &sealed, "b1:jira:access"),
            Err(CryptoError::UnknownKey(_))
        ));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(c.open("k1", &sealed, "b1:jira:access").is_err());
        assert!(c.open("k1", &[1, 2, 3], "b1:jira:access").is_err());
    }

    #[test]
    fn a_rotated_key_still_opens_old_rows() {
        let old = cipher();
        let sealed = old.seal(&SecretString::from("t"), "ctx");
        let mut new = TokenCipher::new("k2", &[9u8; 32]).unwrap();
        new.add_key("k1", &[7u8; 32]).unwrap();
        assert_eq!(new.open("k1", &sealed, "ctx").unwrap().expose_secret(), "t");
        assert_eq!(new.current_key_id(), "k2");
        assert!(TokenCipher::new("k", &[1u8; 16]).is_err());
    }
}
