//! API Gateway HTTP API (payload format 2.0) on the local machine: the event AWS would send for a
//! request, and the HTTP response for what the handler returned.

use base64::Engine;
use chrono::Utc;
use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};

use crate::routes::Route;

/// API Gateway's own payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The payload-2.0 event for one request, as API Gateway builds it: lower-case header names with
/// repeated values comma-joined, cookies split out, a text body as is and anything else base64.
pub fn event(
    parts: &http::request::Parts,
    route: &Route,
    path_parameters: &[(String, String)],
    body: &[u8],
) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query = Map::new();
    for (k, v) in form_urlencoded_pairs(raw_query) {
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let route_key = format!("{} {}", route.method, route.path);
    let now = Utc::now();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host").and_then(Value::as_str).unwrap_or("localhost"),
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": format!("{:?}", parts.version),
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").and_then(Value::as_str).unwrap_or(""),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !path_parameters.is_empty() {
        event["pathParameters"] = path_parameters
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>()
            .into();
    }
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => event["body"] = Value::String(text.to_owned()),
            Err(_) => {
                event["body"] =
                    Value::String(base64::engine::general_purpose::STANDARD.encode(body));
                event["isBase64Encoded"] = Value::Bool(true);
            }
        }
    }
    event
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// The client-facing response for what the handler returned.
pub fn into_http(response: Response<Body>) -> http::Response<Vec<u8>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    http::Response::from_parts(parts, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{HttpFunction, Route};

    const ROUTE: Route = Route {
        method: "POST",
        path: "/api/businesses/{id}",
        function: HttpFunction::Health,
    };

    fn parts(uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut b = http::Request::builder().method("POST").uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn builds_the_event_lambda_http_parses() {
        let p = parts(
            "/api/businesses/b1?status=new&status=qualified&q=a%20b",
            &[
                ("Content-Type", "application/json"),
                ("X-Multi", "1"),
                ("X-Multi", "2"),
                ("Cookie", "a=1; b=2"),
            ],
        );
        let event = event(&p, &ROUTE, &[("id".into(), "b1".into())], br#"{"x":1}"#);
        assert_eq!(event["headers"]["x-multi"], "1,2");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(event["queryStringParameters"]["status"], "new,qualified");
        assert_eq!(event["routeKey"], "POST /api/businesses/{id}");

        use lambda_http::RequestExt;
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri().path(), "/api/businesses/b1");
        assert_eq!(
            req.path_parameters_ref().and_then(|p| p.first("id")),
            Some("b1")
        );
        assert_eq!(
            req.query_string_parameters_ref().and_then(|q| q.first("q")),
            Some("a b")
        );
        assert_eq!(req.body().as_ref(), br#"{"x":1}"#);
        assert_eq!(req.headers()["content-type"], "application/json");
    }

    #[test]
    fn binary_bodies_travel_base64() {
        let event = event(&parts("/x", &[]), &ROUTE, &[], &[0xff, 0x00, 0x10]);
        assert_eq!(event["isBase64Encoded"], true);
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(req.body().as_ref(), &[0xff, 0x00, 0x10]);
    }
}
