//! Non-secret configuration: names, ARNs and URLs from environment variables, read once at cold start.
//! Secret values never come from here; they come from Secrets Manager, one secret per concern (see `secrets`).

use std::time::Duration;

use secrecy::SecretString;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing environment variable {0}")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Reads variables through a lookup function so tests never touch the process environment.
pub struct Env<F: Fn(&str) -> Option<String>>(pub F);

impl Env<fn(&str) -> Option<String>> {
    /// The process environment.
    pub fn process() -> Self {
        Env(|name| std::env::var(name).ok())
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        match (self.0)(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(ConfigError::Missing(name)),
        }
    }

    pub fn optional(&self, name: &'static str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    pub fn parsed<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e: T::Err| ConfigError::Invalid {
                name,
                reason: e.to_string(),
            }),
        }
    }
}

/// How functions reach Postgres. Chosen by `DB_AUTH`, never by code edits.
#[derive(Debug, Clone)]
pub enum DatabaseSettings {
    /// `DB_AUTH=url` (default): a plain connection string, used locally and in tests.
    Url {
        url: SecretString,
        max_connections: u32,
    },
    /// `DB_AUTH=iam`: RDS Proxy with short-lived IAM auth tokens over TLS.
    IamProxy {
        host: String,
        port: u16,
        database: String,
        user: String,
        max_connections: u32,
    },
}

#[derive(Debug, Clone)]
pub struct TableNames {
    pub idempotency: String,
    pub oauth_state: String,
    pub call_sessions: String,
    /// Failed-login counts (`RATE_LIMIT_TABLE`).
    pub rate_limits: String,
}

#[derive(Debug, Clone)]
pub struct QueueUrls {
    pub call_summary: String,
    pub pm_sync: String,
    /// The knowledge base's indexing jobs (`KNOWLEDGE_QUEUE_URL`).
    pub knowledge: String,
}

/// Where the dashboard's base URL comes from (links in emails and invitations, the PM OAuth
/// redirect). Read at cold start by `Platform`, so a function sees one `String` or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DashboardUrlSource {
    /// `DASHBOARD_URL`: a custom domain in front of the distribution, or the local gateway.
    Fixed(String),
    /// `DASHBOARD_URL_PARAMETER`: the SSM parameter the stack writes with its distribution's URL.
    /// Not the URL itself by reference: every function would then depend on the distribution,
    /// which depends on the HTTP API, which SAM builds from every function (a cycle).
    Parameter(String),
    /// Neither: this function links to no page.
    Unset,
}

impl DashboardUrlSource {
    fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        if let Some(url) = env.optional("DASHBOARD_URL") {
            return Ok(Self::Fixed(checked_dashboard_url("DASHBOARD_URL", &url)?));
        }
        Ok(match env.optional("DASHBOARD_URL_PARAMETER") {
            Some(name) => Self::Parameter(name),
            None => Self::Unset,
        })
    }
}

/// An absolute http(s) URL without its trailing slash (links append `/calls/...`).
pub fn checked_dashboard_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid { name, reason };
    let parsed = url::Url::parse(value.trim()).map_err(|e| invalid(format!("{value:?}: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(invalid(format!("{value:?} is not an http(s) URL")));
    }
    Ok(value.trim().trim_end_matches('/').to_owned())
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// What every secret's name starts with (`{stack}/`); a secret is `{prefix}{SecretName}`.
    pub secrets_prefix: String,
    pub database: DatabaseSettings,
    pub tables: TableNames,
    pub queues: QueueUrls,
    /// How long a database connection may take at cold start before we give up and say so.
    pub db_connect_timeout: Duration,
    /// Postgres cancels any statement of this function that runs longer (`DB_STATEMENT_TIMEOUT_MS`,
    /// per function in template.yaml: short for what a live call waits on).
    pub db_statement_timeout: Duration,
    /// Bounds on every AWS SDK call (`AWS_OPERATION_TIMEOUT_MS`, `AWS_ATTEMPT_TIMEOUT_MS`).
    pub aws_timeouts: AwsTimeouts,
    pub dashboard_url: DashboardUrlSource,
}

/// How long an AWS SDK operation may take in all (retries included), and each attempt of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsTimeouts {
    pub operation: Duration,
    pub attempt: Duration,
}

impl AwsTimeouts {
    /// `AWS_OPERATION_TIMEOUT_MS` and `AWS_ATTEMPT_TIMEOUT_MS`, else the defaults.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let millis = |d: Duration| d.as_millis() as u64;
        Ok(Self {
            operation: Duration::from_millis(
                env.parsed("AWS_OPERATION_TIMEOUT_MS", millis(defaults.operation))?
                    .max(1),
            ),
            attempt: Duration::from_millis(
                env.parsed("AWS_ATTEMPT_TIMEOUT_MS", millis(defaults.attempt))?
                    .max(1),
            ),
        })
    }
}

impl Default for AwsTimeouts {
    fn default() -> Self {
        Self {
            operation: Duration::from_millis(3_000),
            attempt: Duration::from_millis(1_000),
        }
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(lookup);
        let max_connections = env.parsed("DB_MAX_CONNECTIONS", 2u32)?;
        let database = match env.optional("DB_AUTH").as_deref().unwrap_or("url") {
            "url" => DatabaseSettings::Url {
                url: SecretString::from(env.required("DATABASE_URL")?),
                max_connections,
            },
            "iam" => DatabaseSettings::IamProxy {
                host: env.required("DB_PROXY_ENDPOINT")?,
                port: env.parsed("DB_PORT", 5432u16)?,
                database: env.required("DB_NAME")?,
                user: env.required("DB_USER")?,
                max_connections,
            },
            other => {
                return Err(ConfigError::Invalid {
                    name: "DB_AUTH",
                    reason: format!("expected url or iam, got {other:?}"),
                });
            }
        };
        Ok(Settings {
            secrets_prefix: env.required("SECRETS_PREFIX")?,
            database,
            tables: TableNames {
                idempotency: env.required("IDEMPOTENCY_TABLE")?,
                oauth_state: env.required("OAUTH_STATE_TABLE")?,
                call_sessions: env.required("CALL_SESSION_TABLE")?,
                rate_limits: env.required("RATE_LIMIT_TABLE")?,
            },
            queues: QueueUrls {
                call_summary: env.required("CALL_SUMMARY_QUEUE_URL")?,
                pm_sync: env.required("PM_SYNC_QUEUE_URL")?,
                knowledge: env.required("KNOWLEDGE_QUEUE_URL")?,
            },
            db_connect_timeout: Duration::from_millis(
                env.parsed("DB_CONNECT_TIMEOUT_MS", 5_000u64)?,
            ),
            db_statement_timeout: Duration::from_millis(
                env.parsed("DB_STATEMENT_TIMEOUT_MS", 5_000u64)?.max(1),
            ),
            aws_timeouts: AwsTimeouts::from_env(&env)?,
            dashboard_url: DashboardUrlSource::from_env(&env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn base() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("SECRETS_PREFIX", "studioconnect/"),
            ("DATABASE_URL", "postgres://u:p@localhost/db"),
            ("IDEMPOTENCY_TABLE", "idem"),
            ("OAUTH_STATE_TABLE", "oauth"),
            ("CALL_SESSION_TABLE", "sessions"),
            ("RATE_LIMIT_TABLE", "limits"),
            ("CALL_SUMMARY_QUEUE_URL", "http://q/call-summary"),
            ("PM_SYNC_QUEUE_URL", "http://q/pm-sync"),
            ("KNOWLEDGE_QUEUE_URL", "http://q/knowledge"),
        ])
    }

    fn load(vars: &HashMap<&'static str, &'static str>) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|k| vars.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn url_mode_is_the_default() {
        let s = load(&base()).unwrap();
        assert!(matches!(
            s.database,
            DatabaseSettings::Url {
                max_connections: 2,
                ..
            }
        ));
        assert_eq!(s.tables.call_sessions, "sessions");
    }

    #[test]
    fn iam_mode_needs_the_proxy_coordinates() {
        let mut vars = base();
        vars.insert("DB_AUTH", "iam");
        let err = load(&vars).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing environment variable DB_PROXY_ENDPOINT"
        );
        vars.extend([
            ("DB_PROXY_ENDPOINT", "proxy.example"),
            ("DB_NAME", "app"),
            ("DB_USER", "lambda"),
        ]);
        match load(&vars).unwrap().database {
            DatabaseSettings::IamProxy { host, port, .. } => {
                assert_eq!((host.as_str(), port), ("proxy.example", 5432))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn the_dashboard_url_is_fixed_else_a_parameter_else_unset() {
        let mut vars = base();
        assert_eq!(
            load(&vars).unwrap().dashboard_url,
            DashboardUrlSource::Unset
        );
        vars.insert("DASHBOARD_URL_PARAMETER", "/stack/dashboard-url");
        assert_eq!(
            load(&vars).unwrap().dashboard_url,
            DashboardUrlSource::Parameter("/stack/dashboard-url".into())
        );
        vars.insert("DASHBOARD_URL", "https://app.example.com/");
        assert_eq!(
            load(&vars).unwrap().dashboard_url,
            DashboardUrlSource::Fixed("https://app.example.com".into())
        );
        vars.insert("DASHBOARD_URL", "app.example.com");
        assert!(
            load(&vars)
                .unwrap_err()
                .to_string()
                .contains("DASHBOARD_URL")
        );
    }

    #[test]
    fn each_missing_variable_is_named() {
        for name in [
            "SECRETS_PREFIX",
            "DATABASE_URL",
            "IDEMPOTENCY_TABLE",
            "PM_SYNC_QUEUE_URL",
            "KNOWLEDGE_QUEUE_URL",
        ] {
            let mut vars = base();
            vars.remove(name);
            assert_eq!(
                load(&vars).unwrap_err().to_string(),
                format!("missing environment variable {name}")
            );
        }
    }

    #[test]
    fn invalid_values_are_named() {
        let mut vars = base();
        vars.insert("DB_AUTH", "magic");
        assert!(load(&vars).unwrap_err().to_string().contains("DB_AUTH"));
        let mut vars = base();
        vars.insert("DB_MAX_CONNECTIONS", "lots");
        assert!(
            load(&vars)
                .unwrap_err()
                .to_string()
                .contains("DB_MAX_CONNECTIONS")
        );
    }

    #[test]
    fn database_url_never_shows_in_debug_output() {
        let s = load(&base()).unwrap();
        assert!(!format!("{s:?}").contains("u:p@"));
    }
}
