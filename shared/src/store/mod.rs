//! Database access shared by several functions. Each module names the queries it runs.

pub mod call_context;
