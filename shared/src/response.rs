//! A JSON response, the one shape every answer (and every error, `error::ApiError`) takes; below
//! both `error` and `web`, so neither depends on the other to build one.

use http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

/// `body` as JSON with `status`; a body that cannot be serialised is the JSON 500.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Body> {
    match serde_json::to_string(body) {
        Ok(json) => Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Body::Text(json))
            .unwrap_or_else(|_| fallback_500()),
        Err(e) => {
            tracing::error!(error = %e, "response did not serialise");
            fallback_500()
        }
    }
}

fn fallback_500() -> Response<Body> {
    let mut resp = Response::new(Body::Text(
        r#"{"error":{"code":"internal","message":"internal error"}}"#.into(),
    ));
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}
