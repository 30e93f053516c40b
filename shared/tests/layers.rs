//! The layers point one way. Read from the source (comments and tests left out):
//! - `domain` is plain data and rules: no SQL, AWS, HTTP or Lambda types, and of this crate only
//!   `phone` (E.164 is a domain value);
//! - the store modules (SQL) know nothing of HTTP, Lambda or vendors' clients;
//! - the top-level modules of `shared` form no circle;
//! - the functions moved to their crates hold no SQL: their queries are in `shared`'s store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Circles between top-level modules not yet undone (none; an entry here must still be a circle).
const KNOWN_CIRCLES: &[&[&str]] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The code of a file without its comments and its unit tests.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `crate::<name>` the code refers to.
fn crate_modules(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(i, m)| {
            code[i + m.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

fn top_module(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

#[test]
fn the_domain_is_plain_data_and_rules() {
    for file in rust_files(&src().join("domain")) {
        let code = code(&file);
        for forbidden in ["sqlx", "aws_", "reqwest", "lambda_http", "http::"] {
            assert!(
                !code.contains(forbidden),
                "{}: uses {forbidden}",
                file.display()
            );
        }
        for module in crate_modules(&code) {
            assert!(
                module == "domain" || module == "phone",
                "{}: the domain depends on crate::{module}",
                file.display()
            );
        }
    }
}

#[test]
fn the_store_knows_no_http_lambda_or_vendor_client() {
    let stores = [
        "store",
        "post_call/store.rs",
        "call_tools/store.rs",
        "pm/store.rs",
        "pm/store",
    ];
    for store in stores {
        let path = src().join(store);
        let files = if path.is_dir() {
            rust_files(&path)
        } else {
            vec![path]
        };
        for file in files {
            let code = code(&file);
            for forbidden in [
                "lambda_http",
                "reqwest",
                "aws_sdk",
                "crate::web",
                "crate::admin",
            ] {
                assert!(
                    !code.contains(forbidden),
                    "{}: uses {forbidden}",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn the_top_level_modules_form_no_new_circle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src()) {
        let from = top_module(&file);
        if from == "lib" || from == "testing" {
            continue;
        }
        for to in crate_modules(&code(&file)) {
            if to != from {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // Every pair that reaches each other is on a circle.
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(m) = todo.pop() {
            for next in edges.get(&m).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        false
    };
    let known = |a: &str, b: &str| {
        KNOWN_CIRCLES
            .iter()
            .any(|c| c.contains(&a) && c.contains(&b))
    };
    let modules: Vec<&String> = edges.keys().collect();
    for (i, a) in modules.iter().enumerate() {
        for b in &modules[i + 1..] {
            if reaches(a, b) && reaches(b, a) {
                assert!(
                    known(a, b),
                    "crate::{a} and crate::{b} depend on each other"
                );
            }
        }
    }
    for circle in KNOWN_CIRCLES {
        assert!(
            reaches(circle[0], circle[1]) && reaches(circle[1], circle[0]),
            "{circle:?} is undone: remove it from KNOWN_CIRCLES"
        );
    }
}

#[test]
fn the_functions_moved_to_their_crates_hold_no_sql() {
    let functions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
    for crate_dir in std::fs::read_dir(functions).unwrap() {
        let dir = crate_dir.unwrap().path().join("src");
        for file in rust_files(&dir) {
            let code = code(&file);
            assert!(
                !code.contains("sqlx::query"),
                "{}: SQL belongs in shared's store modules",
                file.display()
            );
        }
    }
}
