//! The HTTP side of the gateway: route, build the API Gateway event, call the handler.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;

use crate::apigw;
use crate::routes::RouteTable;
use crate::schedule::{Schedules, scheduled_event};
use crate::web::Dashboard;

pub fn app(routes: Arc<RouteTable>, schedules: Arc<Schedules>) -> axum::Router {
    app_with_dashboard(routes, schedules, None)
}

/// The functions under `/api/`; with a dashboard, every other path is the web app, as the
/// distribution splits them in production.
pub fn app_with_dashboard(
    routes: Arc<RouteTable>,
    schedules: Arc<Schedules>,
    dashboard: Option<Dashboard>,
) -> axum::Router {
    let local = axum::Router::new()
        .route(
            "/_local/schedules/{name}",
            axum::routing::post(fire_schedule),
        )
        .with_state(schedules);
    axum::Router::new()
        .fallback(dispatch)
        .with_state(Arc::new(Http { routes, dashboard }))
        .merge(local)
}

struct Http {
    routes: Arc<RouteTable>,
    dashboard: Option<Dashboard>,
}

async fn fire_schedule(
    State(schedules): State<Arc<Schedules>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> axum::response::Response {
    let json = |status: http::StatusCode, body: serde_json::Value| {
        (status, axum::Json(body)).into_response()
    };
    let Some(handler) = schedules.get(&name) else {
        let known: Vec<&String> = schedules.keys().collect();
        return json(
            http::StatusCode::NOT_FOUND,
            serde_json::json!({"error": {"code": "not_found", "message": format!("no scheduled function {name:?}; known: {known:?}")}}),
        );
    };
    let event = scheduled_event(&name);
    crate::record::record(&name, &event);
    match handler(event).await {
        Ok(result) => json(
            http::StatusCode::OK,
            serde_json::json!({"invoked": name, "result": result}),
        ),
        Err(e) => json(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"error": {"code": "function_failed", "message": e.to_string()}}),
        ),
    }
}

async fn dispatch(
    State(http): State<Arc<Http>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let Some(dashboard) = &http.dashboard else {
        return api(&http.routes, request).await;
    };
    if !request.uri().path().starts_with("/api/") {
        return dashboard.serve(request).await;
    }
    // The distribution's `/api/*` behaviour has the same response headers policy as the app.
    let mut response = api(&http.routes, request).await;
    dashboard.secure(response.headers_mut());
    response
}

/// What API Gateway answers: the route's function, or its own 404 or 413.
async fn api(routes: &RouteTable, request: axum::extract::Request) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let Some(matched) = routes.find(parts.method.as_str(), parts.uri.path()) else {
        // What API Gateway answers for a route it does not have.
        return (
            http::StatusCode::NOT_FOUND,
            [(http::header::CONTENT_TYPE, "application/json")],
            r#"{"message":"Not Found"}"#,
        )
            .into_response();
    };
    let body: Bytes = match axum::body::to_bytes(body, apigw::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return (
                http::StatusCode::PAYLOAD_TOO_LARGE,
                [(http::header::CONTENT_TYPE, "application/json")],
                r#"{"message":"Request Entity Too Large"}"#,
            )
                .into_response();
        }
    };
    let event = apigw::event(&parts, matched.route, &matched.path_parameters, &body);
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "could not build the Lambda request");
            return (
                http::StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"message":"Internal Server Error"}"#,
            )
                .into_response();
        }
    };
    let response = (matched.handler)(request).await;
    if !response.status().is_server_error() {
        crate::record::record(matched.route.function.logical_id(), &event);
    }
    let (parts, bytes) = apigw::into_http(response).into_parts();
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}
