//! SendGrid's v3 mail API (`POST /v3/mail/send`): the business notifications.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::http_client::{HttpClient, HttpError};

pub const DEFAULT_BASE_URL: &str = "https://api.sendgrid.com";

#[derive(Clone)]
pub struct SendGrid {
    http: HttpClient,
    base_url: String,
    api_key: SecretString,
    from: Address,
}

#[derive(Debug, Clone, Serialize)]
pub struct Address {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Serialize)]
struct MailSend<'a> {
    personalizations: [Personalization; 1],
    from: &'a Address,
    subject: &'a str,
    content: [Content<'a>; 2],
    categories: [&'static str; 1],
}

#[derive(Serialize)]
struct Personalization {
    to: Vec<Address>,
}

#[derive(Serialize)]
struct Content<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'a str,
}

impl SendGrid {
    pub fn new(http: HttpClient, base_url: &str, api_key: SecretString, from: Address) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            from,
        }
    }

    /// The deployment's sender: `SENDGRID_BASE_URL` (the vendor's own when unset),
    /// `NOTIFICATION_FROM_EMAIL` (required) and `NOTIFICATION_FROM_NAME`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(
        env: &crate::config::Env<F>,
        http: HttpClient,
        api_key: SecretString,
    ) -> Result<Self, crate::config::ConfigError> {
        Ok(Self::new(
            http,
            &env.optional("SENDGRID_BASE_URL")
                .unwrap_or_else(|| DEFAULT_BASE_URL.into()),
            api_key,
            Address {
                email: env.required("NOTIFICATION_FROM_EMAIL")?,
                name: env.optional("NOTIFICATION_FROM_NAME"),
            },
        ))
    }

    /// Sends one email; SendGrid answers 202 with an `X-Message-Id`, which is returned.
    pub async fn send(&self, email: &Email) -> Result<String, HttpError> {
        let body = MailSend {
            personalizations: [Personalization {
                to: email
                    .to
                    .iter()
                    .map(|e| Address {
                        email: e.clone(),
                        name: None,
                    })
                    .collect(),
            }],
            from: &self.from,
            subject: &email.subject,
            // text/plain must come before text/html (SendGrid refuses the other order).
            content: [
                Content {
                    kind: "text/plain",
                    value: &email.text,
                },
                Content {
                    kind: "text/html",
                    value: &email.html,
                },
            ],
            categories: ["call-notification"],
        };
        let request = self
            .http
            .request(
                reqwest::Method::POST,
                format!("{}/v3/mail/send", self.base_url),
            )
            .bearer_auth(self.api_key.expose_secret())
            .json(&body);
        let response = self
            .http
            .require_success(self.http.send(request).await?)
            .await?;
        Ok(response
            .headers()
            .get("x-message-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned())
    }
}
