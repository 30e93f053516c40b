//! Twilio's Programmable Messaging API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`): the
//! text message a business gets when a caller's matter is urgent. Form-encoded, HTTP Basic auth with
//! the account SID and auth token; Twilio answers 201 with the message resource (`sid` "SM...").

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::http_client::{HttpClient, HttpError};

pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";
/// Twilio splits longer bodies into segments and refuses more than 1,600 characters.
pub const MAX_BODY_CHARS: usize = 1_600;

#[derive(Clone)]
pub struct Twilio {
    http: HttpClient,
    base_url: String,
    account_sid: String,
    auth_token: SecretString,
}

/// The part of Twilio's message resource we keep.
#[derive(Debug, Clone, Deserialize)]
pub struct MessageResource {
    pub sid: String,
    #[serde(default)]
    pub status: Option<String>,
}

impl Twilio {
    pub fn new(
        http: HttpClient,
        base_url: &str,
        account_sid: String,
        auth_token: SecretString,
    ) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid,
            auth_token,
        }
    }

    /// Sends one SMS from one of the account's numbers. Not retried after a 5xx or a timeout:
    /// Twilio has no idempotency key, and a second text is worse than a late one.
    pub async fn send_sms(
        &self,
        from: &str,
        to: &str,
        body: &str,
    ) -> Result<MessageResource, HttpError> {
        let body: String = body.chars().take(MAX_BODY_CHARS).collect();
        let request = self
            .http
            .request(
                reqwest::Method::POST,
                format!(
                    "{}/2010-04-01/Accounts/{}/Messages.json",
                    self.base_url, self.account_sid
                ),
            )
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&[("To", to), ("From", from), ("Body", body.as_str())]);
        self.http.send_json(request).await
    }
}
