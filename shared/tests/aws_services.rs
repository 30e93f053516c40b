//! The shared crate's AWS adapters against the local emulator (moto), through the real SDK.
//! Run by ./infra/local/test, which provides AWS_ENDPOINT_URL and the provisioned resources.

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use serde::{Deserialize, Serialize};
use shared::aws::AwsClients;
use shared::idempotency::{Claim, ClaimToken, IdempotencyStore};
use shared::jobs::{Job, JobQueue};
use shared::secrets::{SecretName, Secrets, SecretsError};
use shared::testing::sdk_config;

async fn clients() -> AwsClients {
    AwsClients::new(&sdk_config().await)
}

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the tests with ./infra/local/test"))
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

fn store(aws: &AwsClients, record_ttl: Duration, in_progress_ttl: Duration) -> IdempotencyStore {
    IdempotencyStore::new(
        aws.dynamodb.clone(),
        env("IDEMPOTENCY_TABLE"),
        record_ttl,
        in_progress_ttl,
    )
}

fn acquired(claim: Claim) -> ClaimToken {
    match claim {
        Claim::Acquired(token) => token,
        other => panic!("expected to acquire the claim, got {other:?}"),
    }
}

#[tokio::test]
async fn idempotency_claim_complete_and_repeat() {
    let aws = clients().await;
    let store = store(&aws, Duration::from_secs(3600), Duration::from_secs(60));
    let key = unique("post_call_transcription#conv");
    let token = acquired(store.claim(&key).await.unwrap());
    assert_eq!(
        store.claim(&key).await.unwrap(),
        Claim::InProgress,
        "a live claim blocks a second worker"
    );
    store.complete(&key, &token, Some("job-123")).await.unwrap();
    assert_eq!(
        store.claim(&key).await.unwrap(),
        Claim::AlreadyCompleted {
            data: Some("job-123".into())
        }
    );
    store.release(&key, &token).await.unwrap();
    assert_eq!(
        store.claim(&key).await.unwrap(),
        Claim::AlreadyCompleted {
            data: Some("job-123".into())
        },
        "release never removes a completed record"
    );
}

#[tokio::test]
async fn idempotency_release_lets_a_retry_run() {
    let aws = clients().await;
    let store = store(&aws, Duration::from_secs(3600), Duration::from_secs(60));
    let key = unique("release");
    let token = acquired(store.claim(&key).await.unwrap());
    store.release(&key, &token).await.unwrap();
    acquired(store.claim(&key).await.unwrap());
}

#[tokio::test]
async fn idempotency_expiry_is_enforced_in_code() {
    let aws = clients().await;
    // A crashed worker's claim lapses; the emulator (like DynamoDB, lazily) never deletes the item.
    let crashed = store(&aws, Duration::from_secs(3600), Duration::ZERO);
    let key = unique("crashed");
    let stale = acquired(crashed.claim(&key).await.unwrap());
    tokio::time::sleep(Duration::from_millis(20)).await;
    let current = acquired(crashed.claim(&key).await.unwrap());
    // The first worker wakes up: it can neither release nor complete the new holder's claim.
    crashed.release(&key, &stale).await.unwrap();
    assert!(
        crashed.complete(&key, &stale, None).await.is_err(),
        "a lapsed claim cannot complete"
    );
    crashed
        .complete(&key, &current, Some("second"))
        .await
        .unwrap();
    assert_eq!(
        crashed.claim(&key).await.unwrap(),
        Claim::AlreadyCompleted {
            data: Some("second".into())
        }
    );

    // A completed record past its expiration no longer suppresses the work.
    let short = store(&aws, Duration::ZERO, Duration::from_secs(60));
    let key = unique("expired");
    let token = acquired(short.claim(&key).await.unwrap());
    short.complete(&key, &token, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    acquired(short.claim(&key).await.unwrap());
}

#[tokio::test]
async fn secrets_load_from_secrets_manager_one_per_concern() {
    let aws = clients().await;
    let prefix = env("SECRETS_PREFIX");
    let secrets = Secrets::load(&aws.secrets, &prefix, SecretName::ALL)
        .await
        .unwrap();
    let keys = secrets.token_keys().unwrap();
    assert_eq!(
        (keys.current_id.as_str(), keys.current.len()),
        ("local-1", 32)
    );
    // Only what was asked for is loaded: the rest cannot be read.
    let one = Secrets::load(&aws.secrets, &prefix, &[SecretName::OpenAi])
        .await
        .unwrap();
    assert!(one.openai_api_key().is_ok());
    assert!(matches!(
        one.jwt_signing_key(),
        Err(SecretsError::NotGranted(SecretName::AdminJwt))
    ));
}

#[tokio::test]
async fn a_secret_missing_a_key_fails_naming_it() {
    let aws = clients().await;
    let prefix = format!("{}/", unique("broken"));
    aws.secrets
        .create_secret()
        .name(format!("{prefix}monday-app"))
        .secret_string(r#"{"monday_client_secret":"x"}"#)
        .send()
        .await
        .unwrap();
    let err = Secrets::load(&aws.secrets, &prefix, &[SecretName::MondayApp])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing field `monday_signing_secret`"),
        "{err}"
    );
    let err = Secrets::load(&aws.secrets, &prefix, &[SecretName::OpenAi])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("could not read secret {prefix}openai")),
        "{err}"
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Resync {
    integration_id: String,
}

impl Job for Resync {
    const KIND: &'static str = "resync";
}

#[tokio::test]
async fn typed_jobs_round_trip_through_sqs() {
    let aws = clients().await;
    let url = aws
        .sqs
        .create_queue()
        .queue_name(unique("jobs"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue = JobQueue::<Resync>::new(aws.sqs.clone(), &url);
    let id = queue
        .send(&Resync {
            integration_id: "int-1".into(),
        })
        .await
        .unwrap();
    assert!(!id.is_empty());
    let received = aws
        .sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    let message = &received.messages.unwrap()[0];
    let mut sqs_message = aws_lambda_events::sqs::SqsMessage::default();
    sqs_message.message_id = message.message_id.clone();
    sqs_message.body = message.body.clone();
    assert_eq!(
        shared::jobs::decode::<Resync>(&sqs_message).unwrap(),
        Resync {
            integration_id: "int-1".into()
        }
    );
    let attrs = aws
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    assert!(
        attrs
            .attributes
            .unwrap()
            .contains_key(&QueueAttributeName::QueueArn)
    );
}

#[tokio::test]
async fn an_unreachable_database_fails_a_required_start_and_not_an_optional_one() {
    use shared::config::{DatabaseSettings, Settings};
    use shared::platform::{DatabaseAtStartup, Platform};
    let mut settings = Settings::from_env().expect("run the tests with ./infra/local/test");
    settings.database = DatabaseSettings::Url {
        url: "postgres://app:pw@127.0.0.1:1/studio".to_owned().into(),
        max_connections: 1,
    };
    settings.db_connect_timeout = Duration::from_millis(500);
    let err = Platform::from_settings(settings.clone(), &[], DatabaseAtStartup::Required)
        .await
        .err()
        .expect("required");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("database unreachable at app@127.0.0.1:1/studio") && !msg.contains("pw"),
        "{msg}"
    );
    Platform::from_settings(settings, &[], DatabaseAtStartup::Optional)
        .await
        .expect("an optional database does not stop the start");
}

#[tokio::test]
async fn redrive_moves_every_dead_letter_back_to_its_queue() {
    let aws = clients().await;
    let create = |name: String| {
        let sqs = aws.sqs.clone();
        async move {
            sqs.create_queue()
                .queue_name(name)
                .send()
                .await
                .unwrap()
                .queue_url
                .unwrap()
        }
    };
    let dlq = create(unique("redrive-dlq")).await;
    let queue = create(unique("redrive-main")).await;
    for n in 0..13 {
        aws.sqs
            .send_message()
            .queue_url(&dlq)
            .message_body(format!("m{n}"))
            .send()
            .await
            .unwrap();
    }
    let moved = shared::jobs::redrive(&aws.sqs, &dlq, &queue, 100)
        .await
        .unwrap();
    // SQS delivers at least once: every message is moved, a duplicate is allowed (the workers
    // are idempotent), none is lost.
    assert!(moved >= 13, "{moved}");
    let mut bodies = shared::testing::drain(&aws, &queue).await;
    bodies.sort_by_key(|b| b[1..].parse::<u32>().unwrap());
    bodies.dedup();
    assert_eq!(bodies, (0..13).map(|n| format!("m{n}")).collect::<Vec<_>>());
    assert_eq!(
        shared::jobs::redrive(&aws.sqs, &dlq, &queue, 100)
            .await
            .unwrap(),
        0,
        "the DLQ is empty"
    );
}

#[tokio::test]
async fn the_dashboard_url_comes_from_its_parameter_when_not_fixed() {
    use shared::config::{DashboardUrlSource, Settings};
    use shared::platform::{DatabaseAtStartup, Platform};
    let mut settings = Settings::from_env().expect("run the tests with ./infra/local/test");
    let name = format!("/{}/dashboard-url", unique("stack"));
    settings.dashboard_url = DashboardUrlSource::Parameter(name.clone());
    // Not written yet: the cold start fails and names the parameter.
    let err = Platform::from_settings(settings.clone(), &[], DatabaseAtStartup::Optional)
        .await
        .err()
        .expect("no such parameter");
    assert!(format!("{err:#}").contains(&name), "{err:#}");

    // What the stack writes: the distribution's URL.
    let ssm = aws_sdk_ssm::Client::new(&sdk_config().await);
    let put = |value: &'static str| {
        ssm.put_parameter()
            .name(&name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .overwrite(true)
            .send()
    };
    put("https://d111111abcdef8.cloudfront.net/").await.unwrap();
    let platform = Platform::from_settings(settings.clone(), &[], DatabaseAtStartup::Optional)
        .await
        .unwrap();
    assert_eq!(
        platform.require_dashboard_url().unwrap(),
        "https://d111111abcdef8.cloudfront.net"
    );

    // A value that is not a URL is refused at the start, not sent in links.
    put("d111111abcdef8.cloudfront.net").await.unwrap();
    let err = Platform::from_settings(settings.clone(), &[], DatabaseAtStartup::Optional)
        .await
        .err()
        .expect("not a URL");
    assert!(
        format!("{err:#}").contains("DASHBOARD_URL_PARAMETER"),
        "{err:#}"
    );

    // A function with neither variable starts, and says so only if it needs the URL.
    settings.dashboard_url = DashboardUrlSource::Unset;
    let platform = Platform::from_settings(settings, &[], DatabaseAtStartup::Optional)
        .await
        .unwrap();
    let err = platform.require_dashboard_url().unwrap_err().to_string();
    assert!(err.contains("DASHBOARD_URL_PARAMETER"), "{err}");
}
