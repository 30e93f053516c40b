//! Logging: JSON with the request id in Lambda (the runtime's subscriber honours the function's
//! LoggingConfig), readable lines locally. Level from `RUST_LOG` / `AWS_LAMBDA_LOG_LEVEL`.

pub fn init() {
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        lambda_http::tracing::init_default_subscriber();
    } else {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,sqlx=warn,aws_config=warn")
        });
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .try_init();
    }
}
