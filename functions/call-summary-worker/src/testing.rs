//! Test support (feature `test-support`): the worker wired to fake vendors, for this crate's tests
//! and bench and the gateway's.

use shared::aws::AwsClients;
use shared::db::Database;
use shared::http_client::{HttpClient, HttpPolicy};
use shared::openai::OpenAi;
use shared::sendgrid::{Address, SendGrid};
use sqlx::PgPool;

use crate::worker::Worker;

/// The call-summary worker with OpenAI and SendGrid at `vendors_url` (a fake), keys `sk-test` and
/// `SG.test`, sender calls@studioconnect.example, three summary attempts.
pub fn worker(aws: &AwsClients, pool: PgPool, vendors_url: &str, policy: HttpPolicy) -> Worker {
    Worker {
        db: Database::from_pool(pool),
        openai: OpenAi::new(
            HttpClient::new("openai", policy.clone()).expect("HTTP client"),
            vendors_url,
            "sk-test".to_owned().into(),
            "gpt-4o-mini",
        ),
        sendgrid: SendGrid::new(
            HttpClient::new("sendgrid", policy).expect("HTTP client"),
            vendors_url,
            "SG.test".to_owned().into(),
            Address {
                email: "calls@studioconnect.example".into(),
                name: Some("StudioConnect AI".into()),
            },
        ),
        idempotency: shared::testing::idempotency(
            aws,
            crate::worker::NOTIFICATION_RECORD_TTL,
            crate::worker::NOTIFICATION_CLAIM_TTL,
        ),
        summary_attempts: 3,
        dashboard_url: "https://app.studioconnect.example".into(),
    }
}
