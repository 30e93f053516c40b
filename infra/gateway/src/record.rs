//! `GATEWAY_RECORD_EVENTS=DIR`: the gateway keeps, per function, the last event it invoked the
//! function with (HTTP: only when the answer was not a server error) in `DIR/<LogicalId>.json`.
//! `./infra/local/bench cold-start` replays them against each function's own Lambda binary, so
//! every cold start is measured on an event the function really answers, made by the same code
//! that makes the gateway's events. Off (a no-op) unless the variable is set.

use std::path::PathBuf;
use std::sync::LazyLock;

use serde::Serialize;

static DIR: LazyLock<Option<PathBuf>> =
    LazyLock::new(|| std::env::var_os("GATEWAY_RECORD_EVENTS").map(PathBuf::from));

/// Writes `event` as the function's latest recorded event (when recording is on).
pub fn record(logical_id: &str, event: &impl Serialize) {
    let Some(dir) = DIR.as_ref() else { return };
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let json = serde_json::to_vec_pretty(event).map_err(std::io::Error::other)?;
        // Written aside, then renamed: concurrent requests never leave a torn file.
        let aside = dir.join(format!(".{logical_id}.{}.json", uuid::Uuid::new_v4()));
        std::fs::write(&aside, json)?;
        std::fs::rename(aside, dir.join(format!("{logical_id}.json")))
    });
    if let Err(error) = written {
        tracing::warn!(logical_id, %error, "could not record the event");
    }
}
