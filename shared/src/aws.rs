//! AWS SDK clients built from `aws-config`'s default chain. `AWS_ENDPOINT_URL` (read by aws-config)
//! points every client at a local emulator; nothing in the code knows the difference.

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::AwsTimeouts;

/// The SDK configuration with the default bounds (`AwsTimeouts::default`).
pub async fn sdk_config() -> SdkConfig {
    sdk_config_with(AwsTimeouts::default()).await
}

/// Every client built from this gives up on an operation (retries included) after
/// `timeouts.operation` and on one attempt after `timeouts.attempt`, so a stalled AWS endpoint
/// costs a bounded, known time instead of the Lambda's whole timeout.
pub async fn sdk_config_with(timeouts: AwsTimeouts) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(timeouts.attempt)
                .operation_attempt_timeout(timeouts.attempt)
                .operation_timeout(timeouts.operation)
                .build(),
        )
        .load()
        .await
}

#[derive(Clone, Debug)]
pub struct AwsClients {
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl AwsClients {
    pub fn new(config: &SdkConfig) -> Self {
        Self {
            sqs: aws_sdk_sqs::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
        }
    }
}

/// The value of an SSM parameter (a plain `String` one: the stack writes non-secret settings
/// there that the functions cannot take by reference, README "Deploying the dashboard").
pub async fn read_parameter(config: &SdkConfig, name: &str) -> anyhow::Result<String> {
    let out = aws_sdk_ssm::Client::new(config)
        .get_parameter()
        .name(name)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(aws_sdk_ssm::error::DisplayErrorContext(&e).to_string()))?;
    out.parameter()
        .and_then(|p| p.value())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the parameter has no value"))
}

/// Whether an SDK call failed because the service could not be reached or answered that it is
/// overloaded or failing (time out, connection refused, 5xx, throttling): worth a retry later, a
/// 503 to a caller. A request the service refused (no such queue or table, access denied, a bad
/// parameter) is a bug or a misconfiguration instead, and is not hidden as "unavailable".
pub fn is_transient<E>(
    e: &aws_sdk_sqs::error::SdkError<E, aws_sdk_sqs::config::http::HttpResponse>,
) -> bool
where
    E: aws_sdk_sqs::error::ProvideErrorMetadata,
{
    use aws_sdk_sqs::error::SdkError;
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(s) => {
            s.raw().status().is_server_error()
                || s.err().code().is_some_and(|c| {
                    c.contains("Throttl")
                        || matches!(
                            c,
                            "RequestLimitExceeded"
                                | "ProvisionedThroughputExceededException"
                                | "ServiceUnavailable"
                                | "InternalError"
                                | "InternalServerError"
                        )
                })
        }
        _ => false,
    }
}

/// The SDK's error chain as one line, e.g. for "which dependency is down" messages.
pub fn describe_error<E: std::error::Error>(e: &E) -> String {
    aws_sdk_sqs::error::DisplayErrorContext(e).to_string()
}
