//! The OAuth 2.0 authorization-code flow for every provider, with the `oauth2` crate:
//! - `OAuthApp` describes a provider's endpoints, scopes, extra parameters and PKCE support;
//! - `StateStore` keeps each pending authorization (business, provider, PKCE verifier, the user
//!   who started it and a digest of their browser's binding cookie) in the DynamoDB
//!   `OAUTH_STATE_TABLE` for ten minutes and hands it out exactly once;
//! - `BrowserBinding` is that cookie: the callback connects only in the browser that asked for
//!   the authorize link, so a link sent to someone else cannot connect their account to ours;
//! - `exchange_code` and `refresh` call the token endpoint through our own HTTP client (reqwest
//!   0.13, redirects never followed), bridged to the crate's `AsyncHttpClient`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client as DynamoDb;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::Provider;
use crate::aws::describe_error;
use crate::http_client::HttpClient;

/// How long an authorization may take between connect and callback.
pub const STATE_TTL: Duration = Duration::from_secs(600);

/// A provider's OAuth application.
#[derive(Clone)]
pub struct OAuthApp {
    pub provider: Provider,
    pub client_id: String,
    pub client_secret: SecretString,
    pub authorize_url: String,
    pub token_url: String,
    pub redirect_uri: String,
    pub scopes: &'static [&'static str],
    pub extra_params: &'static [(&'static str, &'static str)],
    pub pkce: bool,
}

/// A token pair as the provider returned it.
#[derive(Clone)]
pub struct TokenGrant {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Why a token request failed.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// `invalid_grant`: the code or refresh token is spent, revoked or expired.
    #[error("the provider refused the grant: {0}")]
    InvalidGrant(String),
    /// Any other answer from the token endpoint (bad client, server error, garbage).
    #[error("token endpoint failed: {0}")]
    Failed(String),
}

type Client = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

impl OAuthApp {
    fn client(&self) -> Result<Client, GrantError> {
        let bad = |what: &str, e: oauth2::url::ParseError| {
            GrantError::Failed(format!("{} {what} URL is invalid: {e}", self.provider))
        };
        Ok(BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                self.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(
                AuthUrl::new(self.authorize_url.clone()).map_err(|e| bad("authorize", e))?,
            )
            .set_token_uri(TokenUrl::new(self.token_url.clone()).map_err(|e| bad("token", e))?)
            .set_redirect_uri(
                RedirectUrl::new(self.redirect_uri.clone()).map_err(|e| bad("redirect", e))?,
            )
            // All three providers take the client credentials in the form body.
            .set_auth_type(AuthType::RequestBody))
    }

    /// The URL to send the user to, for `state`; with a PKCE challenge when the provider takes one
    /// (the verifier is returned to be kept with the state).
    pub fn authorize_url(&self, state: &str) -> Result<(String, Option<String>), GrantError> {
        let client = self.client()?;
        let mut request = client
            .authorize_url(|| CsrfToken::new(state.to_owned()))
            .add_scopes(self.scopes.iter().map(|s| Scope::new((*s).to_owned())));
        for (k, v) in self.extra_params {
            request = request.add_extra_param(*k, *v);
        }
        let verifier = if self.pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            Some(verifier.into_secret())
        } else {
            None
        };
        let (url, _) = request.url();
        Ok((url.to_string(), verifier))
    }

    pub async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        pkce_verifier: Option<&str>,
    ) -> Result<TokenGrant, GrantError> {
        let client = self.client()?;
        let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned()));
        if let Some(v) = pkce_verifier {
            request = request.set_pkce_verifier(PkceCodeVerifier::new(v.to_owned()));
        }
        grant(request.request_async(&Bridge(http.clone())).await)
    }

    pub async fn refresh(
        &self,
        http: &HttpClient,
        refresh_token: &SecretString,
    ) -> Result<TokenGrant, GrantError> {
        let client = self.client()?;
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        grant(
            client
                .exchange_refresh_token(&token)
                .request_async(&Bridge(http.clone()))
                .await,
        )
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BridgeError(String);

/// `oauth2`'s HTTP client trait over ours. The future is boxed with an explicit `Send` (a closure
/// here would make every caller's future fail the higher-ranked `Send` check).
struct Bridge(HttpClient);

impl<'c> oauth2::AsyncHttpClient<'c> for Bridge {
    type Error = BridgeError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, BridgeError>> + Send + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

/// `oauth2`'s HTTP request through our client (reqwest 0.13; the crate's own reqwest feature is
/// 0.12). Token requests are POSTs: retried only when surely not processed.
async fn send(
    http: &HttpClient,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, BridgeError> {
    let (parts, body) = request.into_parts();
    let builder = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body);
    let response = http
        .send(builder)
        .await
        .map_err(|e| BridgeError(e.to_string()))?;
    let mut out = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        out = out.header(name, value);
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| BridgeError(e.to_string()))?;
    out.body(bytes.to_vec())
        .map_err(|e| BridgeError(e.to_string()))
}

fn grant(
    result: Result<
        BasicTokenResponse,
        RequestTokenError<BridgeError, oauth2::basic::BasicErrorResponse>,
    >,
) -> Result<TokenGrant, GrantError> {
    match result {
        Ok(token) => {
            let access_token = SecretString::from(token.access_token().secret().to_owned());
            let expires_at = token
                .expires_in()
                .map(|d| Utc::now() + chrono::Duration::from_std(d).unwrap_or_default())
                // monday's access token is a JWT whose `exp` is its only expiry.
                .or_else(|| jwt_expiry(access_token.expose_secret()));
            Ok(TokenGrant {
                access_token,
                refresh_token: token
                    .refresh_token()
                    .map(|t| SecretString::from(t.secret().to_owned())),
                expires_at,
                scopes: token
                    .scopes()
                    .map(|s| s.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default(),
            })
        }
        Err(RequestTokenError::ServerResponse(e))
            if *e.error() == BasicErrorResponseType::InvalidGrant =>
        {
            Err(GrantError::InvalidGrant(
                e.error_description()
                    .cloned()
                    .unwrap_or_else(|| "invalid_grant".into()),
            ))
        }
        Err(RequestTokenError::ServerResponse(e)) => Err(GrantError::Failed(format!(
            "{}{}",
            e.error().as_ref(),
            e.error_description()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ))),
        Err(RequestTokenError::Request(e)) => Err(GrantError::Failed(e.to_string())),
        // The body is never quoted: a half-readable token response still carries tokens.
        Err(RequestTokenError::Parse(e, _body)) => Err(GrantError::Failed(format!(
            "unreadable token response: {e}"
        ))),
        Err(RequestTokenError::Other(e)) => Err(GrantError::Failed(e)),
    }
}

/// The `exp` claim of a JWT, read without verifying it (only to know when to refresh our own
/// token; the provider verifies it).
pub fn jwt_expiry(token: &str) -> Option<DateTime<Utc>> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims.get("exp")?.as_i64()?, 0)
}

/// A pending authorization, as kept between connect and callback.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAuthorization {
    pub business_id: Uuid,
    pub provider: Provider,
    pub pkce_verifier: Option<String>,
    /// Who asked for the authorize link: recorded on the connection.
    pub user_id: Uuid,
    /// `BrowserBinding::digest` of the cookie set on their browser.
    pub browser_digest: String,
    pub expires_at: SystemTime,
}

/// The secret an HttpOnly, SameSite=Lax cookie carries from the connect route to the callback.
/// Only its digest is stored with the state, so the state store alone cannot forge it.
pub struct BrowserBinding(String);

impl BrowserBinding {
    pub fn new() -> Self {
        Self(CsrfToken::new_random_len(32).into_secret())
    }

    /// Per provider, so two connects in two tabs do not overwrite each other's cookie. The
    /// `__Host-` prefix makes the browser refuse it unless Secure, host-only and path `/`.
    pub fn cookie_name(provider: Provider) -> String {
        format!("__Host-sc_oauth_{}", provider.as_str())
    }

    pub fn digest(&self) -> String {
        digest(&self.0)
    }

    /// The `Set-Cookie` value the connect route answers with.
    pub fn set_cookie(&self, provider: Provider) -> String {
        Cookie::build((Self::cookie_name(provider), self.0.clone()))
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(cookie::time::Duration::seconds(STATE_TTL.as_secs() as i64))
            .build()
            .to_string()
    }

    /// The `Set-Cookie` value that removes it (the callback's answer, whatever the outcome).
    pub fn clear_cookie(provider: Provider) -> String {
        let mut c = Cookie::build((Self::cookie_name(provider), ""))
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Lax)
            .path("/")
            .build();
        c.make_removal();
        c.to_string()
    }

    /// Whether the request's `Cookie` header carries the binding whose digest the state holds.
    pub fn presented(cookie_header: Option<&str>, provider: Provider, digest_stored: &str) -> bool {
        let name = Self::cookie_name(provider);
        let Some(value) = cookie_header
            .into_iter()
            .flat_map(Cookie::split_parse)
            .find_map(|c| {
                c.ok()
                    .filter(|c| c.name() == name)
                    .map(|c| c.value().to_owned())
            })
        else {
            return false;
        };
        digest(&value)
            .as_bytes()
            .ct_eq(digest_stored.as_bytes())
            .into()
    }
}

impl Default for BrowserBinding {
    fn default() -> Self {
        Self::new()
    }
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("unknown or already used state")]
    Unknown,
    #[error("the authorization took too long; start again")]
    Expired,
    #[error("state store failed: {0}")]
    Store(String),
}

/// Pending authorizations in DynamoDB: `{id (the state), business_id, provider, pkce_verifier,
/// user_id, browser_digest, expiration}`; the table's TTL attribute sweeps abandoned ones.
#[derive(Clone, Debug)]
pub struct StateStore {
    client: DynamoDb,
    table: String,
}

impl StateStore {
    pub fn new(client: DynamoDb, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A fresh state: 256 random bits, URL-safe.
    pub fn new_state() -> String {
        CsrfToken::new_random_len(32).into_secret()
    }

    /// Stores a pending authorization under `state`; returns when it expires.
    pub async fn begin(
        &self,
        state: &str,
        business_id: Uuid,
        provider: Provider,
        pkce_verifier: Option<&str>,
        user_id: Uuid,
        binding: &BrowserBinding,
    ) -> Result<SystemTime, StateError> {
        let expires_at = SystemTime::now() + STATE_TTL;
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(state.to_owned()))
            .item("business_id", AttributeValue::S(business_id.to_string()))
            .item("provider", AttributeValue::S(provider.as_str().into()))
            .item("user_id", AttributeValue::S(user_id.to_string()))
            .item("browser_digest", AttributeValue::S(binding.digest()))
            .item(
                "expiration",
                AttributeValue::N(epoch(expires_at).to_string()),
            )
            .condition_expression("attribute_not_exists(id)");
        if let Some(v) = pkce_verifier {
            put = put.item("pkce_verifier", AttributeValue::S(v.to_owned()));
        }
        put.send()
            .await
            .map_err(|e| StateError::Store(describe_error(&e)))?;
        Ok(expires_at)
    }

    /// Takes the authorization for `state` out of the store: a state opens one callback only,
    /// even under a replay racing the first use (the delete is conditional).
    pub async fn take(&self, state: &str) -> Result<PendingAuthorization, StateError> {
        if state.is_empty() || state.len() > 128 {
            return Err(StateError::Unknown);
        }
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(state.to_owned()))
            .condition_expression("attribute_exists(id)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let item = match out {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(e) => {
                return Err(match e.as_service_error() {
                    Some(DeleteItemError::ConditionalCheckFailedException(_)) => {
                        StateError::Unknown
                    }
                    _ => StateError::Store(describe_error(&e)),
                });
            }
        };
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let expires_at = item
            .get("expiration")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<u64>().ok())
            .map(|s| UNIX_EPOCH + Duration::from_secs(s))
            .ok_or(StateError::Unknown)?;
        // DynamoDB's TTL sweep runs late: the expiry is checked here, not left to it.
        if expires_at <= SystemTime::now() {
            return Err(StateError::Expired);
        }
        let pending = PendingAuthorization {
            business_id: text("business_id")
                .and_then(|s| s.parse().ok())
                .ok_or(StateError::Unknown)?,
            provider: text("provider")
                .and_then(|p| Provider::parse(&p))
                .ok_or(StateError::Unknown)?,
            pkce_verifier: text("pkce_verifier"),
            user_id: text("user_id")
                .and_then(|s| s.parse().ok())
                .ok_or(StateError::Unknown)?,
            browser_digest: text("browser_digest").ok_or(StateError::Unknown)?,
            expires_at,
        };
        Ok(pending)
    }
}

fn epoch(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(pkce: bool) -> OAuthApp {
        OAuthApp {
            provider: Provider::Jira,
            client_id: "cid".into(),
            client_secret: SecretString::from("secret"),
            authorize_url: "https://auth.example/authorize".into(),
            token_url: "https://auth.example/token".into(),
            redirect_uri: "https://api.example/api/integrations/jira/callback".into(),
            scopes: &["read:jira-work", "offline_access"],
            extra_params: &[("audience", "api.atlassian.com"), ("prompt", "consent")],
            pkce,
        }
    }

    #[test]
    fn the_binding_cookie_is_host_only_http_only_lax_and_checked_by_digest() {
        let binding = BrowserBinding::new();
        let set = binding.set_cookie(Provider::Jira);
        assert!(set.starts_with("__Host-sc_oauth_jira="), "{set}");
        for attr in [
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=600",
        ] {
            assert!(set.contains(attr), "{set} lacks {attr}");
        }
        let value = set.split(';').next().unwrap();
        let header = format!("theme=dark; {value}; other=1");
        let digest = binding.digest();
        assert!(BrowserBinding::presented(
            Some(&header),
            Provider::Jira,
            &digest
        ));
        assert!(!BrowserBinding::presented(
            Some(&header),
            Provider::Asana,
            &digest
        ));
        assert!(!BrowserBinding::presented(None, Provider::Jira, &digest));
        let other = BrowserBinding::new().set_cookie(Provider::Jira);
        let other_value = other.split(';').next().unwrap();
        assert!(!BrowserBinding::presented(
            Some(other_value),
            Provider::Jira,
            &digest
        ));
        assert!(BrowserBinding::clear_cookie(Provider::Jira).contains("Max-Age=0"));
    }

    #[test]
    fn the_authorize_url_carries_state_scopes_extras_and_pkce() {
        let (url, verifier) = app(true).authorize_url("st4te").unwrap();
        let url = url::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["state"], "st4te");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["scope"], "read:jira-work offline_access");
        assert_eq!(q["audience"], "api.atlassian.com");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(
            q["redirect_uri"],
            "https://api.example/api/integrations/jira/callback"
        );
        assert!(verifier.unwrap().len() >= 43);
        let (url, verifier) = app(false).authorize_url("s").unwrap();
        assert!(!url.contains("code_challenge"));
        assert!(verifier.is_none());
    }

    #[test]
    fn a_jwt_expiry_is_read_from_its_claims() {
        use base64::Engine;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"exp":1795690800,"actid":9876543}"#);
        let token = format!("eyJhbGciOiJIUzI1NiJ9.{claims}.sig");
        assert_eq!(jwt_expiry(&token).unwrap().timestamp(), 1795690800);
        assert_eq!(jwt_expiry("opaque-token"), None);
    }
}
