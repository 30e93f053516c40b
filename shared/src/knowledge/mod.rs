//! The knowledge base's plumbing: embeddings (`embedder`), documents and passages in Postgres
//! (`store`), hybrid retrieval and its log (`search`), reading uploaded files (`extract`) and
//! importing a web page safely (`fetch`). The pure rules are `domain::knowledge`; the routes are
//! `functions/admin-knowledge-*`, the indexing is `functions/knowledge-ingest-worker`, the
//! mid-call search is the `search_knowledge_base` tool.

pub mod embedder;
pub mod extract;
pub mod fetch;
pub mod html;
pub mod ingest;
pub mod isolate;
pub mod search;
pub mod store;
pub mod vector_index;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::jobs::Job;

/// The knowledge queue's jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KnowledgeJob {
    /// Index a version of a document.
    Index {
        document_id: Uuid,
        version: i32,
        /// Embed again even if this version is indexed (a change of embedding model).
        #[serde(default)]
        reembed: bool,
    },
    /// Build and drop businesses' own HNSW and GIN indexes (`vector_index::sweep`); sent by the
    /// schedule in template.yaml.
    MaintainIndexes,
}

impl Job for KnowledgeJob {
    const KIND: &'static str = "knowledge";
}
