//! The knowledge base's pure parts: what a document is, how it is cut into passages, the
//! deterministic embedding used where no embedding service is (the fake vendors, the tests, the
//! benchmarks), how a search's two halves are fused and cut, and how unanswered questions group.

pub mod chunking;
pub mod document;
pub mod lexical;
pub mod retrieval;
pub mod unanswered;
pub mod vector_index;
