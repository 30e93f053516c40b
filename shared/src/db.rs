//! The Postgres pool. Locally and in tests it uses `DATABASE_URL`; in AWS it goes through RDS Proxy
//! with IAM auth tokens over verified TLS. Which one is configuration (`DB_AUTH`), not code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use secrecy::ExposeSecret;
pub use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use tokio::sync::Mutex;

use crate::config::DatabaseSettings;

/// Every migration under `migrations/`, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// IAM tokens are valid for 15 minutes for NEW connections; renew well before that.
const TOKEN_RENEW_AFTER: Duration = Duration::from_secs(10 * 60);
/// Below RDS Proxy's default client idle timeout (30 min) and Lambda's typical freeze periods.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// A pooled connection idle this long is pinged before use (see `pool_options`).
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unreachable at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("could not generate an RDS IAM auth token for {target}: {reason}")]
    Token { target: String, reason: String },
    #[error("invalid DATABASE_URL: {0}")]
    InvalidUrl(String),
}

/// The pool plus, in IAM mode, what it takes to renew the password of new connections.
#[derive(Clone)]
pub struct Database {
    pool: PgPool,
    iam: Option<Arc<IamRenewal>>,
    target: String,
}

struct IamRenewal {
    sdk: SdkConfig,
    base: PgConnectOptions,
    host: String,
    port: u16,
    user: String,
    issued: Mutex<Instant>,
}

impl Database {
    /// Builds the pool without connecting; `verify` opens the first connection (see `Platform`).
    /// `timeout` bounds getting a connection; every statement on it is bounded by
    /// `statement_timeout` (Postgres cancels it, and the caller gets an error instead of a hang).
    pub async fn connect_lazy(
        settings: &DatabaseSettings,
        sdk: &SdkConfig,
        timeout: Duration,
        statement_timeout: Duration,
    ) -> Result<Self, DbError> {
        match settings {
            DatabaseSettings::Url {
                url,
                max_connections,
            } => {
                let options: PgConnectOptions = url
                    .expose_secret()
                    .parse()
                    .map_err(|e: sqlx::Error| DbError::InvalidUrl(e.to_string()))?;
                let target = describe(&options);
                let pool = pool_options(*max_connections, timeout, statement_timeout)
                    .connect_lazy_with(options);
                Ok(Self {
                    pool,
                    iam: None,
                    target,
                })
            }
            DatabaseSettings::IamProxy {
                host,
                port,
                database,
                user,
                max_connections,
            } => {
                let target = format!("{user}@{host}:{port}/{database} (IAM)");
                let token = rds_iam_token(sdk, host, *port, user)
                    .await
                    .map_err(|reason| DbError::Token {
                        target: target.clone(),
                        reason,
                    })?;
                let base = PgConnectOptions::new()
                    .host(host)
                    .port(*port)
                    .username(user)
                    .database(database)
                    // The proxy presents a public ACM certificate: verify the chain and the host name.
                    .ssl_mode(PgSslMode::VerifyFull);
                let pool = pool_options(*max_connections, timeout, statement_timeout)
                    .connect_lazy_with(base.clone().password(&token));
                let iam = IamRenewal {
                    sdk: sdk.clone(),
                    base,
                    host: host.clone(),
                    port: *port,
                    user: user.clone(),
                    issued: Mutex::new(Instant::now()),
                };
                Ok(Self {
                    pool,
                    iam: Some(Arc::new(iam)),
                    target,
                })
            }
        }
    }

    /// The pool, with the IAM password renewed first when it is near expiry. Renewal is local
    /// signing (no network call), so it is cheap; doing it here rather than in a background task
    /// is what keeps it correct across Lambda freezes, where timers do not run.
    pub async fn pool(&self) -> Result<&PgPool, DbError> {
        if let Some(iam) = &self.iam {
            let mut issued = iam.issued.lock().await;
            if issued.elapsed() >= TOKEN_RENEW_AFTER {
                let token = rds_iam_token(&iam.sdk, &iam.host, iam.port, &iam.user)
                    .await
                    .map_err(|reason| DbError::Token {
                        target: self.target.clone(),
                        reason,
                    })?;
                self.pool
                    .set_connect_options(iam.base.clone().password(&token));
                *issued = Instant::now();
            }
        }
        Ok(&self.pool)
    }

    /// Opens (or reuses) one connection and runs `SELECT 1`.
    pub async fn verify(&self, timeout: Duration) -> Result<(), DbError> {
        let unreachable = |reason: String| DbError::Unreachable {
            target: self.target.clone(),
            reason,
        };
        let pool = self.pool().await?;
        let ping = async {
            let mut conn = pool.acquire().await?;
            sqlx::query("SELECT 1").execute(&mut *conn).await
        };
        match tokio::time::timeout(timeout, ping).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Err(_) => Err(unreachable(format!(
                "no connection within {} ms",
                timeout.as_millis()
            ))),
        }
    }

    /// Where the pool connects, without credentials: for log lines and error messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Wraps an existing pool (tests, tools).
    pub fn from_pool(pool: PgPool) -> Self {
        let target = describe(&pool.connect_options());
        Self {
            pool,
            iam: None,
            target,
        }
    }
}

fn pool_options(
    max_connections: u32,
    acquire_timeout: Duration,
    statement_timeout: Duration,
) -> PgPoolOptions {
    let timeout_ms = statement_timeout.as_millis().max(1).to_string();
    // Lambda runs one request at a time per environment: a tiny pool avoids exhausting the proxy.
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .min_connections(0)
        .acquire_timeout(acquire_timeout)
        .idle_timeout(Some(IDLE_TIMEOUT))
        // sqlx pings every idle connection before handing it out: a round trip per query on a busy
        // container. Only a connection idle for a while (a thawed Lambda environment, a quiet
        // gateway) can have died unnoticed; one used within `PING_AFTER_IDLE` is handed out as is.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        // Once per new connection (`set_config(.., false)` is the session's SET). Through RDS Proxy a session
        // setting pins the client connection to its database connection, which sqlx's prepared
        // statements already do (one connection per Lambda environment): nothing is lost. (The
        // `options` startup parameter is the other way, and the one RDS Proxy guidance warns off.)
        .after_connect(move |conn, _| {
            let timeout_ms = timeout_ms.clone();
            Box::pin(async move {
                sqlx::query("SELECT set_config('statement_timeout', $1, false)")
                    .bind(timeout_ms)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
}

fn describe(options: &PgConnectOptions) -> String {
    format!(
        "{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    )
}

/// A signed RDS IAM auth token for the proxy endpoint (a presigned `connect` URL without scheme).
pub async fn rds_iam_token(
    sdk: &SdkConfig,
    host: &str,
    port: u16,
    user: &str,
) -> Result<String, String> {
    use aws_sdk_rds::auth_token::{AuthTokenGenerator, Config};
    let region = sdk.region().cloned().ok_or("no AWS region configured")?;
    let config = Config::builder()
        .hostname(host)
        .port(u64::from(port))
        .username(user)
        .region(region)
        .build()
        .map_err(|e| e.to_string())?;
    AuthTokenGenerator::new(config)
        .auth_token(sdk)
        .await
        .map(|t| t.as_str().to_owned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::Region;
    use aws_credential_types::Credentials;

    async fn sdk() -> SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            ))
            .load()
            .await
    }

    #[tokio::test]
    async fn iam_token_is_a_presigned_connect_request_for_the_proxy() {
        let token = rds_iam_token(
            &sdk().await,
            "proxy.proxy-abc.eu-west-1.rds.amazonaws.com",
            5432,
            "lambda_app",
        )
        .await
        .unwrap();
        assert!(
            token.starts_with("proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432/?"),
            "{token}"
        );
        assert!(
            !token.starts_with("http"),
            "the token carries no scheme: {token}"
        );
        for part in [
            "Action=connect",
            "DBUser=lambda_app",
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Credential=AKIDEXAMPLE%2F",
            "%2Feu-west-1%2Frds-db%2Faws4_request",
            "X-Amz-Expires=900",
            "X-Amz-Signature=",
        ] {
            assert!(token.contains(part), "{part} missing from {token}");
        }
    }

    #[tokio::test]
    async fn iam_token_without_region_is_refused() {
        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        assert_eq!(
            rds_iam_token(&sdk, "h", 5432, "u").await.unwrap_err(),
            "no AWS region configured"
        );
    }

    #[tokio::test]
    async fn unreachable_database_fails_fast_naming_the_target() {
        let settings = DatabaseSettings::Url {
            url: "postgres://app:pw@127.0.0.1:1/studio".to_owned().into(),
            max_connections: 1,
        };
        let db = Database::connect_lazy(
            &settings,
            &sdk().await,
            Duration::from_millis(500),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
        let err = db.verify(Duration::from_millis(500)).await.err().unwrap();
        let msg = err.to_string();
        assert!(
            msg.starts_with("database unreachable at app@127.0.0.1:1/studio"),
            "{msg}"
        );
        assert!(!msg.contains("pw"), "password leaked: {msg}");
    }
}
