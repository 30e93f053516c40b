//! The shared crate's integration tests, as one binary: each file here is a module of it. One binary
//! per file linked the whole stack again for each (about 100 MB of disk and seconds of linking
//! apiece); `autotests = false` in Cargo.toml, and the test below checks no file is left out.

mod strategies;

mod aws_services;
mod database;
mod greetings;
mod idempotency_model;
mod keyset_paging;
mod knowledge_chunking;
mod knowledge_dimensions;
mod knowledge_files;
mod knowledge_pdf_bombs;
mod knowledge_search;
mod knowledge_vector_index;
mod layers;
mod pm_normalize;
mod pm_properties;
mod properties;
mod spoken_answers;

#[test]
fn every_test_file_is_compiled() {
    shared::testing::assert_every_test_file_compiled(
        env!("CARGO_MANIFEST_DIR"),
        include_str!("main.rs"),
    );
}
