//! The knowledge base's pure parts: how a document is cut into passages, and the deterministic
//! embedding used where no embedding service is (the fake vendors, the tests, the benchmarks).

pub mod chunking;
pub mod lexical;
