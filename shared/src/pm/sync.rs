//! The pm-sync queue's jobs (`PmJob`): queued by the schedule, the OAuth callback and the webhook
//! receivers, consumed by the sync worker (`functions/pm-sync-worker`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::jobs::Job;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PmJob {
    /// Enqueued by the schedule (template.yaml `PmResyncSchedule`).
    ResyncAll,
    Sync {
        integration_id: Uuid,
        #[serde(default)]
        full: bool,
    },
    Refetch {
        integration_id: Uuid,
        task_ids: Vec<String>,
    },
}

impl Job for PmJob {
    const KIND: &'static str = "pm_sync";
}
