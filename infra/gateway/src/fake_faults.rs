//! Faults the fake vendors can be told to show for a while (`./infra/local/chaos`): every vendor
//! API answer a 500, a 429 with `Retry-After`, or late: the request is carried out at once and
//! answered past our clients' timeouts (the case no client can tell from a lost request).
//! `POST /_fake/faults {"mode": "error" | "rate_limited" | "slow" | "off", "seconds": 8}`; the
//! fakes' own `/_fake/...` views are never affected, the fake Jira site under `/_fake/jira` is.
//! Also the journal: every email and text accepted, appended as one JSON line to
//! `FAKE_VENDORS_JOURNAL` when set, so what was sent is known across restarts of the fakes.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// Long enough to outlast the shared HTTP client's 15-second request timeout.
pub const SLOW_ANSWER: Duration = Duration::from_secs(16);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Error,
    RateLimited,
    Slow,
    Off,
}

#[derive(Deserialize)]
struct Order {
    mode: Mode,
    #[serde(default)]
    seconds: u64,
}

#[derive(Default)]
pub struct Faults {
    current: Mutex<Option<(Mode, Instant)>>,
}

impl Faults {
    fn now_showing(&self) -> Option<Mode> {
        let mut current = self.current.lock().unwrap();
        match *current {
            Some((mode, until)) if Instant::now() < until => Some(mode),
            _ => {
                *current = None;
                None
            }
        }
    }
}

/// `app` with the fault switch and the faults applied to its vendor routes.
pub fn wrap(app: Router) -> Router {
    let faults = Arc::new(Faults::default());
    app.route(
        "/_fake/faults",
        axum::routing::post(set).with_state(faults.clone()),
    )
    .layer(axum::middleware::from_fn_with_state(faults, apply))
}

async fn set(State(faults): State<Arc<Faults>>, Json(order): Json<Order>) -> StatusCode {
    tracing::warn!(?order.mode, order.seconds, "fake vendors: fault");
    *faults.current.lock().unwrap() = (order.mode != Mode::Off).then(|| {
        (
            order.mode,
            Instant::now() + Duration::from_secs(order.seconds),
        )
    });
    StatusCode::NO_CONTENT
}

async fn apply(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let vendor_api = !path.starts_with("/_fake/") || path.starts_with("/_fake/jira/");
    match faults.now_showing().filter(|_| vendor_api) {
        None | Some(Mode::Off) => next.run(req).await,
        Some(Mode::Error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"errors": [{"message": "internal error (injected)"}]})),
        )
            .into_response(),
        Some(Mode::RateLimited) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            Json(json!({"errors": [{"message": "too many requests (injected)"}]})),
        )
            .into_response(),
        Some(Mode::Slow) => {
            // Done first (and journalled as late), answered after the sender has given up.
            let mut req = req;
            req.headers_mut()
                .insert(LATE, http::HeaderValue::from_static("1"));
            let answer = next.run(req).await;
            tokio::time::sleep(SLOW_ANSWER).await;
            answer
        }
    }
}

/// Set on a request that will be answered late: its sender gives up waiting and may send it
/// again, which with SendGrid and Twilio (no idempotency keys) is a second message. The journal
/// says so.
pub const LATE: &str = "x-fake-vendors-late";

/// Appends one accepted message (`kind`: "email" or "sms") to the journal, if there is one;
/// `headers` are the request's (`LATE`).
pub fn journal(kind: &str, body: &Value, headers: &http::HeaderMap) {
    let Ok(path) = std::env::var("FAKE_VENDORS_JOURNAL") else {
        return;
    };
    // One line, one write, one writer at a time: concurrent sends must not interleave.
    static WRITER: Mutex<()> = Mutex::new(());
    let late = headers.contains_key(LATE);
    let line = format!("{}\n", json!({"kind": kind, "body": body, "late": late}));
    let _one_at_a_time = WRITER.lock().unwrap();
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        tracing::error!(%path, error = %e, "fake vendors: journal not written");
    }
}
