//! What this function reads from its environment at cold start: its secret (`SECRETS`, which
//! template.yaml grants and nothing else), `EMBEDDING_MODEL` and `OPENAI_BASE_URL` (the
//! embedder), `KNOWLEDGE_ATTEMPTS` and `WORKER_CONCURRENCY`.

use std::time::Duration;

use shared::config::Env;
use shared::platform::Platform;
use shared::secrets::SecretName;

use crate::Worker;

/// The secrets this function is granted (template.yaml holds its policy to these).
pub const SECRETS: &[SecretName] = &[SecretName::OpenAi];

impl Worker {
    pub fn from_platform(platform: &Platform) -> anyhow::Result<Self> {
        let env = Env::process();
        Ok(Worker {
            db: platform.db.clone(),
            embedder: shared::knowledge::embedder::from_env(
                &env,
                &platform.secrets,
                Duration::from_secs(30),
            )?,
            attempts: env.parsed("KNOWLEDGE_ATTEMPTS", crate::DEFAULT_ATTEMPTS)?,
            concurrency: env.parsed("WORKER_CONCURRENCY", 1)?,
            deadline: crate::DEFAULT_JOB_DEADLINE,
            sweep_deadline: crate::DEFAULT_SWEEP_DEADLINE,
            index_policy: shared::domain::knowledge::vector_index::IndexPolicy::DEFAULT,
        })
    }
}
