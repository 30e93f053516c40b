//! Logging: JSON lines in Lambda (the function's LoggingConfig is JSON), readable lines locally.
//!
//! The level is `LOG_LEVEL` (template.yaml's `LogLevel`: error, warn, info or debug; anything else
//! fails the cold start). It applies to our code; the libraries that see requests on the wire
//! (HTTP clients, the AWS SDK, TLS, the database driver) stay at `warn` whatever the level,
//! because at their debug and trace levels they print request headers and bodies, which carry API
//! keys, signatures and passwords. Locally `RUST_LOG` may override everything (a developer's own
//! machine, fake secrets).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The levels `LOG_LEVEL` accepts. `trace` is not one: nothing of ours logs at trace, and the
/// libraries' trace output is exactly what must not be logged.
pub const LEVELS: &[&str] = &["error", "warn", "info", "debug"];

/// Libraries held at `warn`: they log headers and bodies below it.
const WIRE_LIBRARIES: &[&str] = &[
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "rustls",
    "tower",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_sigv4",
    "aws_config",
    "aws_runtime",
    "sqlx",
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
];

/// The filter for `level` (one of `LEVELS`).
pub fn filter(level: &str) -> Result<EnvFilter, String> {
    let level = level.trim().to_ascii_lowercase();
    if !LEVELS.contains(&level.as_str()) {
        return Err(format!(
            "LOG_LEVEL must be one of {}, not {level:?}",
            LEVELS.join(", ")
        ));
    }
    let mut directives = level;
    for library in WIRE_LIBRARIES {
        directives.push_str(&format!(",{library}=warn"));
    }
    EnvFilter::try_new(directives).map_err(|e| e.to_string())
}

/// Installs the subscriber for a function or tool. Panics (failing the cold start, with the
/// message in the function's log) on a `LOG_LEVEL` that is not one of `LEVELS`.
pub fn init() {
    let level = std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info".into());
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let filter = match std::env::var("RUST_LOG") {
        Ok(local) if !in_lambda => EnvFilter::new(local),
        _ => filter(&level).unwrap_or_else(|e| panic!("{e}")),
    };
    install(filter, in_lambda, std::io::stdout);
}

/// The subscriber as `init` builds it, writing to `writer` (tests capture the output).
pub fn install<W>(filter: EnvFilter, json: bool, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer);
    let _ = if json {
        fmt.json().without_time().try_init()
    } else {
        fmt.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_levels_are_accepted() {
        for level in LEVELS {
            assert!(filter(level).is_ok(), "{level}");
        }
        assert!(filter("DEBUG").is_ok(), "case does not matter");
        for bad in [
            "trace",
            "verbose",
            "",
            "info,hyper=trace",
            "debug,reqwest=trace",
        ] {
            let err = filter(bad).unwrap_err();
            assert!(err.starts_with("LOG_LEVEL must be one of"), "{bad}: {err}");
        }
    }

    #[test]
    fn wire_libraries_stay_at_warn_at_every_level() {
        let f = filter("debug").unwrap().to_string();
        for library in WIRE_LIBRARIES {
            assert!(f.contains(&format!("{library}=warn")), "{f}");
        }
    }
}
