//! Small helpers shared by every HTTP function: JSON responses, JSON bodies, and running a handler
//! under the Lambda runtime.

use std::convert::Infallible;
use std::future::Future;

use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::domain::text;
use crate::error::ApiError;

pub use crate::response::json_response;

/// The request body as raw bytes, exactly as received (signature checks need the untouched bytes).
pub fn body_bytes(req: &Request) -> &[u8] {
    req.body().as_ref()
}

/// Parses a JSON body; a bad body is the caller's fault and the message says where: the field at
/// fault (`voice.stability: invalid type: string "high", expected f32`, `unknown field \`colour\``)
/// or, for broken JSON, the position.
pub fn parse_json<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes = body_bytes(req);
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the request body is empty; a JSON object is required",
        ));
    }
    refuse_control_characters(bytes)?;
    // The fast parse serves every good body (the initiation webhook's hot path); only a refused
    // body is parsed again to learn the path of the field at fault.
    serde_json::from_slice(bytes).map_err(|first| {
        let message = if first.is_data() {
            let de = &mut serde_json::Deserializer::from_slice(bytes);
            match serde_path_to_error::deserialize::<_, T>(de) {
                Err(e) if !matches!(e.path().to_string().as_str(), "" | ".") => {
                    let path = e.path().to_string();
                    format!("{path}: {}", without_position(&e.into_inner().to_string()))
                }
                _ => format!("invalid JSON body: {first}"),
            }
        } else {
            // Broken JSON: the position is what helps.
            format!("invalid JSON body: {first}")
        };
        ApiError::bad_request("invalid_json", message)
    })
}

/// A body whose strings hold a control character Postgres cannot store, or no one should
/// (`domain::text`), is a 400 naming the field, whatever the route does with it. Only a body whose
/// bytes may hold one is walked.
fn refuse_control_characters(bytes: &[u8]) -> Result<(), ApiError> {
    if !text::may_hold_forbidden(bytes) {
        return Ok(());
    }
    // Not JSON at all (or a lone surrogate, which a typed parse may skip in a field it ignores):
    // refused here, so nothing unchecked gets through.
    let value = serde_json::from_slice::<serde_json::Value>(bytes)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("invalid JSON body: {e}")))?;
    match text::find_forbidden(&value) {
        None => Ok(()),
        Some((path, c)) => Err(ApiError::bad_request(
            "invalid_field",
            format!(
                "{path}: must not contain control characters (found U+{:04X})",
                c as u32
            ),
        )),
    }
}

/// A serde_json message without its " at line 1 column 57" suffix, for messages that name the
/// field instead.
pub fn without_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Turns a handler's result into the response; errors become the JSON error shape.
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(ApiError::into_response)
}

/// Hands an HTTP handler to the Lambda runtime. Handlers never fail at the runtime level: every
/// error is already an HTTP response.
pub async fn run_http<S, F, Fut>(state: S, handler: F) -> Result<(), lambda_http::Error>
where
    S: Send + Sync + 'static,
    F: Fn(&'static S, Request) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Response<Body>> + Send,
{
    let state: &'static S = Box::leak(Box::new(state));
    lambda_http::run(lambda_http::service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(contain_panics(handler(state, req)).await)
    }))
    .await
}

/// Serves a handler's response; a panic inside it is a 500 with the JSON error body and a log
/// line, not a dead process: the next request is served as usual (the release profile unwinds).
pub async fn contain_panics(handling: impl Future<Output = Response<Body>>) -> Response<Body> {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(handling).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(
                panic = crate::runtime::panic_message(&panic),
                "handler panicked"
            );
            ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
        }
    }
}

/// A uuid path parameter; a malformed one is a 404 (no such resource), like an unknown one.
pub fn path_id(req: &Request, name: &str) -> Result<Uuid, ApiError> {
    let params = req.path_parameters();
    let raw = params
        .first(name)
        .ok_or_else(|| ApiError::not_found(format!("missing path parameter {name}")))?;
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(format!("no resource with id {raw:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_with_the_error_body_and_the_next_request_is_served() {
        async fn handler(req: Request) -> Response<Body> {
            if req.uri().path() == "/boom" {
                panic!("a bug");
            }
            crate::response::json_response(http::StatusCode::OK, &serde_json::json!({"ok": true}))
        }
        let boom = Request::new(Body::Empty);
        let mut boom = boom;
        *boom.uri_mut() = "/boom".parse().unwrap();
        let resp = contain_panics(handler(boom)).await;
        assert_eq!(resp.status(), 500);
        let body: serde_json::Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let next = contain_panics(handler(Request::new(Body::Empty))).await;
        assert_eq!(next.status(), 200);
    }

    #[test]
    fn control_characters_in_any_body_are_a_400_naming_the_field() {
        let req = |body: &str| Request::new(Body::Text(body.to_owned()));
        let err =
            parse_json::<serde_json::Value>(&req(r#"{"call":{"answer":"ok\u0000"}}"#)).unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        assert_eq!(
            err.message(),
            "call.answer: must not contain control characters (found U+0000)"
        );
        // Accents written as escapes, lines and tabs are text like any other.
        let ok = parse_json::<serde_json::Value>(&req(r#"{"n":"Ren\u00e9e\n\tx"}"#)).unwrap();
        assert_eq!(ok["n"], "Renée\n\tx");
    }

    #[test]
    fn body_errors_name_the_field() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Voice {
            stability: f32,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Body1 {
            voice: Voice,
        }
        let req = Request::new(Body::Text(r#"{"voice":{"stability":"high"}}"#.into()));
        let err = parse_json::<Body1>(&req).unwrap_err();
        assert!(
            err.message().starts_with("voice.stability: invalid type"),
            "{}",
            err.message()
        );
        let req = Request::new(Body::Text(
            r#"{"voice":{"stability":0.5},"colour":1}"#.into(),
        ));
        let err = parse_json::<Body1>(&req).unwrap_err();
        assert!(
            err.message().contains("unknown field `colour`"),
            "{}",
            err.message()
        );
        let req = Request::new(Body::Text(r#"{"voice":"#.into()));
        let err = parse_json::<Body1>(&req).unwrap_err();
        assert!(
            err.message().starts_with("invalid JSON body: EOF"),
            "{}",
            err.message()
        );
    }
}

/// Which requests came through our CloudFront distribution, and so whose viewer address to
/// believe. Behind the distribution API Gateway's `sourceIp` is a CloudFront edge, shared by
/// everyone near it: the login throttle would lock them out together and audits would name the
/// edge. The distribution's viewer-request function writes the viewer's address in
/// `VIEWER_ADDRESS_HEADER` (over anything the viewer sent), and its origin adds the stack's
/// generated `EDGE_TOKEN_HEADER` (CloudFront overwrites a viewer's header of that name). A request
/// straight to the API's own URL cannot carry the token, so its claimed address is ignored.
#[derive(Clone, Default)]
pub struct EdgeTrust {
    token: Option<secrecy::SecretString>,
}

/// Set by the distribution's origin (template.yaml, `DashboardDistribution`).
pub const EDGE_TOKEN_HEADER: &str = "x-studioconnect-edge";
/// Set by the distribution's viewer-request function (template.yaml, `DashboardApiViewer`).
pub const VIEWER_ADDRESS_HEADER: &str = "x-studioconnect-viewer-address";

impl EdgeTrust {
    pub fn new(token: secrecy::SecretString) -> Self {
        Self { token: Some(token) }
    }

    /// The viewer's address when the request proves it came through the distribution, else
    /// API Gateway's `sourceIp` (`None` for a request built in a test without one).
    pub fn client_address(&self, req: &Request) -> Option<String> {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let through_edge = match (&self.token, header(EDGE_TOKEN_HEADER)) {
            (Some(token), Some(given)) => {
                bool::from(token.expose_secret().as_bytes().ct_eq(given.as_bytes()))
            }
            _ => false,
        };
        if through_edge
            && let Some(address) = header(VIEWER_ADDRESS_HEADER)
                .and_then(|a| a.trim().parse::<std::net::IpAddr>().ok())
        {
            return Some(address.to_string());
        }
        source_ip(req)
    }
}

/// The client's address as API Gateway saw it (`requestContext.http.sourceIp`); `None` for a
/// request built in a test. Behind CloudFront that is an edge: `EdgeTrust::client_address`.
pub fn source_ip(req: &Request) -> Option<String> {
    use lambda_http::request::RequestContext;
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.clone(),
        _ => None,
    }
}

/// The `User-Agent` header, when it is text.
pub fn user_agent(req: &Request) -> Option<&str> {
    req.headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod edge_trust_tests {
    use super::*;

    fn request(edge_token: Option<&str>, viewer: Option<&str>) -> Request {
        let mut req = Request::default();
        if let Some(t) = edge_token {
            req.headers_mut()
                .insert(EDGE_TOKEN_HEADER, t.parse().unwrap());
        }
        if let Some(v) = viewer {
            req.headers_mut()
                .insert(VIEWER_ADDRESS_HEADER, v.parse().unwrap());
        }
        let mut context =
            lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
        context.http.source_ip = Some("130.176.0.1".into()); // a CloudFront edge
        req.extensions_mut()
            .insert(lambda_http::request::RequestContext::ApiGatewayV2(context));
        req
    }

    fn trust() -> EdgeTrust {
        EdgeTrust::new("generated-edge-token".to_owned().into())
    }

    #[test]
    fn the_viewer_address_is_believed_only_beside_the_distributions_token() {
        let from_edge = request(Some("generated-edge-token"), Some("203.0.113.7"));
        assert_eq!(
            trust().client_address(&from_edge).as_deref(),
            Some("203.0.113.7")
        );
        let v6 = request(Some("generated-edge-token"), Some("2001:db8::1"));
        assert_eq!(trust().client_address(&v6).as_deref(), Some("2001:db8::1"));
        // Straight to the API's own URL: a claimed address without the token, or with a wrong
        // one, is ignored.
        for forged in [
            request(None, Some("203.0.113.7")),
            request(Some("guessed-token"), Some("203.0.113.7")),
            request(Some("generated-edge-tokeN"), Some("203.0.113.7")),
        ] {
            assert_eq!(
                trust().client_address(&forged).as_deref(),
                Some("130.176.0.1")
            );
        }
        // A deployment without the token (the local gateway's tests) believes no header.
        assert_eq!(
            EdgeTrust::default().client_address(&from_edge).as_deref(),
            Some("130.176.0.1")
        );
        // The token without a readable address: the source address.
        let garbled = request(Some("generated-edge-token"), Some("not an address"));
        assert_eq!(
            trust().client_address(&garbled).as_deref(),
            Some("130.176.0.1")
        );
    }
}
