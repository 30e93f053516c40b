//! What every vendor module reads the same way: the delivery JWT of Jira and monday, the vendors'
//! timestamps and dates, and a response's status as a `PmError`.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;

use super::{PmError, Provider};

/// The JWT a Jira or monday delivery carries: HS256 only (an `alg` of none, HS512 or RS256 is
/// refused), signed with the app's secret, `exp` required (30 s leeway). Returns its claims.
pub fn verify_delivery_jwt(
    secret: &SecretString,
    token: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    use secrecy::ExposeSecret;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp"]);
    validation.leeway = 30;
    jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
        token.trim(),
        &DecodingKey::from_secret(secret.expose_secret().as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|e| format!("invalid delivery token: {e}"))
}

/// Parses the vendors' timestamps: RFC 3339, and Jira's `2026-01-02T10:00:00.000+0000`.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A `YYYY-MM-DD` date (or the date part of an instant).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// A provider response as JSON, or the error its status means: 401 is a refused grant, a 429
/// that outlasted the client's retries is a rate limit to come back after, anything else non-2xx
/// is `PmError::Status` with the vendor's text (for the log; `PmError::for_owner` leaves it out).
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    provider: Provider,
    response: reqwest::Response,
) -> Result<T, PmError> {
    let response = check_status(provider, response).await?;
    let bytes = response
        .bytes()
        .await
        .map_err(|e| PmError::api(provider, e.to_string()))?;
    crate::domain::text::parse_vendor_json(&bytes).map_err(|e| {
        PmError::api(
            provider,
            format!(
                "unexpected response ({e}): {}",
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ),
        )
    })
}

/// The response if it is a 2xx, else the `PmError` its status means (see `read_json`).
pub(crate) async fn check_status(
    provider: Provider,
    response: reqwest::Response,
) -> Result<reqwest::Response, PmError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::http_client::parse_retry_after);
    let body: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    Err(match status.as_u16() {
        // A 403 is one resource's permission (a project made private), not a dead grant.
        401 => PmError::Unauthorized {
            provider,
            detail: format!("HTTP {status}: {body}"),
        },
        429 => PmError::RateLimited {
            provider,
            retry_in: retry_after.unwrap_or(Duration::from_secs(60)),
        },
        _ => PmError::Status {
            provider,
            status,
            body,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_timestamps_parse() {
        let jira = parse_instant("2026-01-02T10:00:00.000+0000").unwrap();
        let rfc = parse_instant("2026-01-02T10:00:00Z").unwrap();
        assert_eq!(jira, rfc);
        assert_eq!(
            parse_date("2026-12-05T17:00:00.000Z"),
            NaiveDate::from_ymd_opt(2026, 12, 5)
        );
        assert_eq!(parse_date("soon"), None);
    }
}
