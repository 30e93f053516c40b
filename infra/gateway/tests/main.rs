//! The local gateway's integration tests, as one binary: each file here is a module of it. One binary
//! per file linked the whole stack again for each (about 100 MB of disk and seconds of linking
//! apiece); `autotests = false` in Cargo.toml, and the test below checks no file is left out.
//! `log_secrets.rs` stays a binary of its own: it installs the process's log subscriber.

mod admin_tenancy;
mod dashboard;
mod dashboard_edge;
mod gateway_http;
mod migrate;
mod seed;
mod sqs_poller;
mod template_routes;
mod template_secrets;
mod unauthenticated;
mod whole_call;

#[test]
fn every_test_file_is_compiled() {
    shared::testing::assert_every_test_file_compiled(
        env!("CARGO_MANIFEST_DIR"),
        include_str!("main.rs"),
    );
}
