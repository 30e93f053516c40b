// `sqlx::migrate!` (db.rs) embeds the migrations when this crate compiles; without this, a new
// migration file is not seen until something else in the crate changes (sqlx's documented fix).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
