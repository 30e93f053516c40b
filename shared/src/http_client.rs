//! The outbound HTTP client every integration uses (ElevenLabs, OpenAI, SendGrid, Twilio, Jira,
//! Asana, monday). It adds what each vendor's rate limits and outages demand:
//! - timeouts on connect and on the whole request;
//! - retries on 429, 5xx and transport errors with exponential backoff and full jitter (`backon`),
//!   waiting at least what the server's `Retry-After` asks (capped); a non-idempotent request (POST,
//!   PATCH without an `Idempotency-Key`) only when it surely was not processed (429, no connection);
//! - a circuit breaker per client (`failsafe`): after consecutive failures, calls fail fast for a
//!   while instead of piling up behind a dead vendor, then lets calls through again (half-open) and
//!   closes on success.
//! Redirects are never followed: no vendor API answers with one, and following one would carry a
//! request (an OAuth code exchange included) somewhere it was not addressed. Vendor-specific signals
//! (monday's `retry_in_seconds` inside a 200) are read by that vendor's module.

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use failsafe::StateMachine;
use failsafe::backoff::{self, Constant};
use failsafe::failure_policy::{self, ConsecutiveFailures};
use failsafe::futures::CircuitBreaker;
use reqwest::{Request, Response, StatusCode};

use crate::domain::text;

#[derive(Debug, Clone)]
pub struct HttpPolicy {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: usize,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// A longer Retry-After than this is not waited for: the attempt fails and SQS retries later.
    pub max_retry_after: Duration,
    /// Consecutive failed attempts that open the circuit.
    pub breaker_failures: u32,
    /// How long an open circuit rejects calls before letting one through.
    pub breaker_open_for: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
            max_retries: 3,
            min_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            breaker_failures: 8,
            breaker_open_for: Duration::from_secs(30),
        }
    }
}

impl HttpPolicy {
    /// The longest one call can take: every attempt to its timeout, and the longest wait between
    /// attempts (a backoff, or a Retry-After this policy honours). A caller with a deadline
    /// checks its policy against it instead of cutting a request off mid-flight.
    pub fn worst_case(&self) -> Duration {
        let attempts = u32::try_from(self.max_retries + 1).unwrap_or(u32::MAX);
        let waits = u32::try_from(self.max_retries).unwrap_or(u32::MAX);
        self.request_timeout * attempts + self.max_backoff.max(self.max_retry_after) * waits
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{service}: circuit open after repeated failures; not calling")]
    CircuitOpen { service: &'static str },
    #[error("{service}: request failed: {source}")]
    Transport {
        service: &'static str,
        source: reqwest::Error,
    },
    #[error("{service}: request could not be built: {reason}")]
    Build {
        service: &'static str,
        reason: String,
    },
    #[error("{service}: HTTP {status}: {body}")]
    Status {
        service: &'static str,
        status: StatusCode,
        body: String,
    },
    #[error("{service}: response was not the expected JSON: {reason}")]
    Decode {
        service: &'static str,
        reason: String,
    },
}

/// An unexpected status in a business owner's words: "Jira answered 500 Internal Server Error".
pub fn answered(who: &str, status: StatusCode) -> String {
    format!("{who} answered {status}")
}

impl HttpError {
    /// What went wrong, in words a business owner reads beside the service's name (`who`): the
    /// status, or why there was none, never the answer's body (that is for our logs).
    pub fn for_owner(&self, who: &str) -> String {
        match self {
            HttpError::Status { status, .. } => answered(who, *status),
            HttpError::CircuitOpen { .. } => format!("{who} failed repeatedly and was not called"),
            HttpError::Transport { .. } => {
                format!("{who} could not be reached, or did not answer in time")
            }
            HttpError::Build { .. } => format!("the request to {who} could not be made"),
            HttpError::Decode { .. } => format!("{who}'s answer could not be read"),
        }
    }

    /// The service the client calls (`HttpClient::new`'s name).
    pub fn service(&self) -> &'static str {
        match self {
            HttpError::CircuitOpen { service }
            | HttpError::Transport { service, .. }
            | HttpError::Build { service, .. }
            | HttpError::Status { service, .. }
            | HttpError::Decode { service, .. } => service,
        }
    }
}

type Breaker = StateMachine<ConsecutiveFailures<Constant>, ()>;

/// One client per outside service, built once at cold start and shared.
#[derive(Clone)]
pub struct HttpClient {
    service: &'static str,
    client: reqwest::Client,
    policy: HttpPolicy,
    breaker: Breaker,
}

/// A failed attempt (a 429/5xx response or a transport error); it counts against the circuit.
struct AttemptFailure {
    response: Option<Response>,
    retry_after: Option<Duration>,
    error: Option<reqwest::Error>,
}

impl HttpClient {
    pub fn new(service: &'static str, policy: HttpPolicy) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .user_agent(concat!("studioconnect-ai/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HttpError::Build {
                service,
                reason: e.to_string(),
            })?;
        Ok(Self::new_with(service, client, policy))
    }

    fn new_with(service: &'static str, client: reqwest::Client, policy: HttpPolicy) -> Self {
        let breaker = failsafe::Config::new()
            .failure_policy(failure_policy::consecutive_failures(
                policy.breaker_failures,
                backoff::constant(policy.breaker_open_for),
            ))
            .build();
        Self {
            service,
            client,
            policy,
            breaker,
        }
    }

    /// The same connection pool and policy with a circuit breaker of its own: one tenant's failing
    /// site (a PM integration) cannot open the circuit for every other tenant of that vendor.
    pub fn with_own_breaker(&self) -> Self {
        Self::new_with(self.service, self.client.clone(), self.policy.clone())
    }

    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Starts a request; finish it with the builder's methods and pass it to `send`.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: impl reqwest::IntoUrl,
    ) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }

    /// Sends with retries. Returns the final response whatever its status (callers decide what a 404
    /// means to them); errors only when no response could be had or the circuit is open.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<Response, HttpError> {
        self.send_request(request, false).await
    }

    /// `send` for a POST with no side effects (a completion, a search), which is safe to repeat
    /// after a 5xx or a timeout even without an idempotency key.
    pub async fn send_repeatable(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<Response, HttpError> {
        self.send_request(request, true).await
    }

    /// Sends and requires a 2xx JSON body of type `T`; anything else is an `HttpError` with the
    /// vendor's own error text (truncated), so it can be surfaced to an operator.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, HttpError> {
        let response = self.send(request).await?;
        self.json_body(response).await
    }

    /// `send_json` through `send_repeatable`.
    pub async fn send_json_repeatable<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, HttpError> {
        let response = self.send_repeatable(request).await?;
        self.json_body(response).await
    }

    /// The response if it is a 2xx; otherwise an `HttpError::Status` carrying the vendor's own
    /// error text (truncated), so it can be surfaced to an operator.
    pub async fn require_success(&self, response: Response) -> Result<Response, HttpError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        Err(HttpError::Status {
            service: self.service,
            status,
            body: truncate(&body, 500),
        })
    }

    async fn json_body<T: serde::de::DeserializeOwned>(
        &self,
        response: Response,
    ) -> Result<T, HttpError> {
        let bytes = self
            .require_success(response)
            .await?
            .bytes()
            .await
            .map_err(|source| HttpError::Transport {
                service: self.service,
                source,
            })?;
        // A vendor's text is kept less the characters Postgres cannot store (`domain::text`), so
        // one stray NUL in a task name cannot fail every sync of the integration.
        text::parse_vendor_json(&bytes).map_err(|e| HttpError::Decode {
            service: self.service,
            reason: e.to_string(),
        })
    }

    async fn send_request(
        &self,
        request: reqwest::RequestBuilder,
        repeatable: bool,
    ) -> Result<Response, HttpError> {
        let request = request.build().map_err(|e| HttpError::Build {
            service: self.service,
            reason: e.to_string(),
        })?;
        let mut delays = ExponentialBuilder::default()
            .with_min_delay(self.policy.min_backoff)
            .with_max_delay(self.policy.max_backoff)
            .with_max_times(self.policy.max_retries)
            .with_jitter()
            .build();
        let mut next = Some(request);
        loop {
            let Some(current) = next.take() else {
                unreachable!("a request is always prepared before the next attempt")
            };
            // A streaming body cannot be replayed; such a request gets exactly one attempt.
            let replay = current.try_clone();
            let idempotent = repeatable || is_idempotent(&current);
            let attempt = self.breaker.call(self.attempt(current)).await;
            let failure = match attempt {
                Ok(response) => return Ok(response),
                Err(failsafe::Error::Rejected) => {
                    return Err(HttpError::CircuitOpen {
                        service: self.service,
                    });
                }
                Err(failsafe::Error::Inner(failure)) => failure,
            };
            let AttemptFailure {
                response,
                retry_after,
                error,
            } = failure;
            // A POST that reached the server may have taken effect (an email sent, an SMS queued):
            // repeat it only when it surely did not (429, no connection) or it carries an
            // idempotency key the vendor deduplicates on.
            let surely_not_processed = response
                .as_ref()
                .is_some_and(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
                || error.as_ref().is_some_and(|e| e.is_connect());
            let replay = replay.filter(|_| idempotent || surely_not_processed);
            let wait = match (replay, delays.next()) {
                (Some(replay), Some(backoff)) => match retry_after {
                    Some(asked) if asked > self.policy.max_retry_after => None,
                    Some(asked) => Some((replay, backoff.max(asked))),
                    None => Some((replay, backoff)),
                },
                _ => None,
            };
            match wait {
                Some((replay, delay)) => {
                    tracing::warn!(
                        service = self.service,
                        status = response.as_ref().map(|r| r.status().as_u16()),
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    next = Some(replay);
                }
                None => {
                    return match (response, error) {
                        (Some(response), _) => Ok(response),
                        (None, Some(source)) => Err(HttpError::Transport {
                            service: self.service,
                            source,
                        }),
                        (None, None) => unreachable!("a failed attempt has a response or an error"),
                    };
                }
            }
        }
    }

    async fn attempt(&self, request: Request) -> Result<Response, AttemptFailure> {
        match self.client.execute(request).await {
            Ok(response) if is_retryable(response.status()) => {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after);
                Err(AttemptFailure {
                    response: Some(response),
                    retry_after,
                    error: None,
                })
            }
            Ok(response) => Ok(response),
            Err(error) => Err(AttemptFailure {
                response: None,
                retry_after: None,
                error: Some(error),
            }),
        }
    }
}

/// Safe to send twice: the method says so, or the request carries an idempotency key.
fn is_idempotent(request: &Request) -> bool {
    use reqwest::Method;
    matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    ) || request.headers().contains_key("idempotency-key")
}

fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(when.timestamp()).ok()?);
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests;
