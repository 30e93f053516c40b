//! `GET /api/integrations/{provider}/callback` (`PmOAuthCallbackFunction`): the provider sends the
//! browser back here after consent (the connect route, `GET /api/integrations/{provider}/connect`,
//! stored the state it brings back and set the browser-binding cookie this checks).

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use uuid::Uuid;

use shared::pm::Provider;
use shared::pm::oauth::{BrowserBinding, StateError};
use shared::pm::store;
use shared::pm::sync::PmJob;

mod config;

pub use config::{SECRETS, State};

fn path_provider(req: &Request) -> Option<Provider> {
    req.path_parameters()
        .first("provider")
        .and_then(Provider::parse)
}

// ----------------------------------------------------------------------------- OAuth callback

/// `GET /api/integrations/{provider}/callback`: exchanges the code, discovers the tenant, stores
/// the sealed tokens, queues the first full sync (which registers the webhooks), and sends the
/// browser to the dashboard with the outcome. Every failure also lands on the dashboard, with a
/// reason, and stores nothing.
pub async fn handle(state: &State, req: Request) -> Response<Body> {
    let provider = path_provider(&req);
    let outcome = connect_from_callback(state, &req, provider).await;
    let name = provider.map(Provider::as_str).unwrap_or("unknown");
    let (query, title) = match &outcome {
        Ok(id) => (
            format!("integration={name}&status=connected&integration_id={id}"),
            format!("{name} connected"),
        ),
        Err((reason, detail)) => {
            // The detail (a provider's error text, a token endpoint's answer, our own errors) is
            // for the log; the page, like the dashboard it leads to, names the reason's code.
            tracing::warn!(provider = name, reason, detail, "integration not connected");
            (
                format!("integration={name}&status=error&reason={reason}"),
                format!("{name} was not connected ({reason})"),
            )
        }
    };
    // Beside the dashboard's other pages (notification emails link to {DASHBOARD_URL}/calls/{id}).
    let location = format!(
        "{}/integrations?{query}",
        state.dashboard_url.trim_end_matches('/')
    );
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>StudioConnect AI</title><p>{}</p><p><a href=\"{}\">Back to the dashboard</a></p>",
        html_escape(&title),
        html_escape(&location)
    );
    let mut resp = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(http::header::LOCATION, location)
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(http::header::CACHE_CONTROL, "no-store");
    if let Some(p) = provider {
        // Spent either way: the state it belonged to is gone.
        resp = resp.header(http::header::SET_COOKIE, BrowserBinding::clear_cookie(p));
    }
    resp.body(Body::Text(page))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// Connects, or says why not: (reason code for the dashboard, human detail).
async fn connect_from_callback(
    state: &State,
    req: &Request,
    provider: Option<Provider>,
) -> Result<Uuid, (&'static str, String)> {
    let provider = provider.ok_or(("unknown_provider", "no such provider".to_owned()))?;
    let app = state
        .providers
        .get(provider)
        .ok_or(("not_configured", format!("{provider} is not configured")))?;
    let query = req.query_string_parameters();
    let state_param = query.first("state").unwrap_or_default();
    let cookies = req
        .headers()
        .get(http::header::COOKIE)
        .and_then(|v| v.to_str().ok());
    // A browser without any binding cookie cannot be the one that asked: refused before the
    // state store is touched (its state stays usable by the browser that did ask).
    if !cookies.is_some_and(|c| c.contains(&BrowserBinding::cookie_name(provider))) {
        return Err((
            "wrong_browser",
            "the connection must be finished in the browser that started it; start again from the dashboard".into(),
        ));
    }
    // The state is spent first: a replay of this URL (or a denial's) can never connect anything.
    let pending = state.states.take(state_param).await.map_err(|e| match e {
        StateError::Unknown => ("invalid_state", e.to_string()),
        StateError::Expired => ("expired_state", e.to_string()),
        StateError::Store(_) => ("internal", e.to_string()),
    })?;
    if pending.provider != provider {
        return Err((
            "invalid_state",
            "the state was issued for another provider".into(),
        ));
    }
    // Before anything the provider sent is used: only the browser that asked for the link.
    if !BrowserBinding::presented(cookies, provider, &pending.browser_digest) {
        return Err((
            "wrong_browser",
            "the connection must be finished in the browser that started it; start again from the dashboard".into(),
        ));
    }
    if let Some(error) = query.first("error") {
        let detail = query.first("error_description").unwrap_or(error).to_owned();
        return Err(if error == "access_denied" {
            ("denied", detail)
        } else {
            ("provider_error", detail)
        });
    }
    let code = query
        .first("code")
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or(("invalid_request", "the callback carries no code".to_owned()))?;
    let grant = app
        .oauth()
        .exchange_code(app.http(), code, pending.pkce_verifier.as_deref())
        .await
        .map_err(|e| ("exchange_failed", e.to_string()))?;
    let tenant = app
        .discover_tenant(&grant.access_token)
        .await
        .map_err(|e| ("tenant_discovery_failed", e.to_string()))?;
    let pool = state
        .pool()
        .await
        .map_err(|e| ("internal", e.message().to_owned()))?;
    let id = store::save_connection(
        pool,
        &state.cipher,
        pending.business_id,
        provider,
        &tenant,
        &grant,
        pending.user_id,
    )
    .await
    .map_err(|e| ("internal", e.to_string()))?;
    if let Err(e) = state
        .queue
        .send(&PmJob::Sync {
            integration_id: id,
            full: true,
        })
        .await
    {
        // Connected all the same: the hourly resync picks it up.
        tracing::error!(integration_id = %id, error = %e, "initial sync not queued");
    }
    tracing::info!(integration_id = %id, %provider, business_id = %pending.business_id,
        connected_by = %pending.user_id, "integration connected");
    Ok(id)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Compile-time guard: the handler's future must be `Send` for any borrow (the Lambda runtime and
/// the gateway spawn it); a closure in the OAuth bridge once broke this far from its cause.
#[allow(dead_code)]
fn handler_future_is_send(state: &State, req: Request) {
    fn send<T: Send>(_: T) {}
    send(handle(state, req));
}
