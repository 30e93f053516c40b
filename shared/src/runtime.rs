//! Handing an event handler to the Lambda runtime, for functions that are not HTTP routes (those use
//! `web::run_http`). The state is built once per cold start and lives for the process.

use std::future::Future;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};

/// An SQS-triggered function: the handler reports partial batch failures, never a runtime error.
pub async fn run_sqs<S, F, Fut>(state: S, handler: F) -> Result<(), lambda_runtime::Error>
where
    S: Send + Sync + 'static,
    F: Fn(&'static S, SqsEvent) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = SqsBatchResponse> + Send,
{
    let state: &'static S = Box::leak(Box::new(state));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(handler(state, event.payload).await)
    }))
    .await
}

/// A function run by an EventBridge schedule. An error is reported to Lambda (and its alarm).
pub async fn run_scheduled<S, F, Fut>(state: S, handler: F) -> Result<(), lambda_runtime::Error>
where
    S: Send + Sync + 'static,
    F: Fn(&'static S, EventBridgeEvent<serde_json::Value>) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = anyhow::Result<serde_json::Value>> + Send + 'static,
{
    let state: &'static S = Box::leak(Box::new(state));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| {
            // Type-erased: the handler's future (SDK, HTTP and sqlx futures inside) nests deeper
            // than the compiler's layout limit once wrapped in the runtime's service types.
            let run: futures::future::BoxFuture<'static, _> =
                Box::pin(handler(state, event.payload));
            async move {
                run.await
                    .map_err(|e| lambda_runtime::Error::from(format!("{e:#}")))
            }
        },
    ))
    .await
}

/// What a caught panic said, when it said it as text.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not text)")
}
