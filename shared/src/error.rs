//! The one error type every HTTP function answers with: `{"error":{"code","message"}}`.
//! The caller's faults carry a message meant for them; our faults are logged in full and answered
//! with a generic message, so internals never leak.

use http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    source: Option<anyhow::Error>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            source: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// A dependency we need is down: the client may retry.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// `what` (the job queue, the idempotency table, ...) failed or timed out: a 503 the caller
    /// (a vendor's webhook retries, the dashboard) may retry, with the cause logged, never shown.
    pub fn dependency_down(what: &str, source: impl Into<anyhow::Error>) -> Self {
        let mut err = ApiError::unavailable(format!("{what} is unavailable, try again shortly"));
        err.source = Some(source.into());
        err
    }

    /// Our fault. The chain is logged when the response is built; the caller sees a generic message.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error".into(),
            source: Some(source.into()),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn into_response(self) -> Response<Body> {
        match &self.source {
            Some(source) => tracing::error!(
                code = self.code,
                error = format!("{source:#}"),
                "request failed"
            ),
            None if self.status.is_server_error() => {
                tracing::error!(code = self.code, message = %self.message, "request failed")
            }
            None => {
                tracing::info!(status = self.status.as_u16(), code = self.code, message = %self.message, "request refused")
            }
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
            },
        };
        crate::response::json_response(self.status, &body)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

/// Keeps the cause chain when an `ApiError` travels on inside another error (e.g. `anyhow`).
impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if database_unavailable(&e) {
            ApiError::dependency_down("the database", e)
        } else {
            ApiError::internal(e)
        }
    }
}

/// The database (not the statement) failed: the pool or the connection is gone, or the server is
/// going away or not taking connections yet. Such an error is a 503, and worth one more try.
pub fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => true,
        // The connection lost or refused (08000, 08001, 08003, 08004, 08006), shut down by an
        // administrator or a crash, or still starting (57P01-57P03), out of connections (53300).
        // Not a protocol violation (08P01) or a dropped database (57P04): those are ours to fix.
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            matches!(
                c.as_ref(),
                "08000"
                    | "08001"
                    | "08003"
                    | "08004"
                    | "08006"
                    | "57P01"
                    | "57P02"
                    | "57P03"
                    | "53300"
            )
        }),
        _ => false,
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        let mut err = ApiError::unavailable("the database is unavailable, try again shortly");
        err.source = Some(e.into());
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(resp: Response<Body>) -> serde_json::Value {
        serde_json::from_slice(resp.body().as_ref()).unwrap()
    }

    #[test]
    fn client_errors_carry_their_message() {
        let resp = ApiError::bad_request("invalid_json", "body is not JSON").into_response();
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.headers()["content-type"], "application/json");
        assert_eq!(
            body_of(resp),
            serde_json::json!({"error": {"code": "invalid_json", "message": "body is not JSON"}})
        );
    }

    #[test]
    fn internal_errors_never_leak_details() {
        let resp = ApiError::internal(anyhow::anyhow!("password=hunter2 in connection string"))
            .into_response();
        assert_eq!(resp.status(), 500);
        let body = body_of(resp);
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "internal", "message": "internal error"}})
        );
    }

    #[test]
    fn pool_timeouts_are_unavailable_not_internal() {
        let err: ApiError = sqlx::Error::PoolTimedOut.into();
        assert_eq!(err.status(), 503);
    }
}
