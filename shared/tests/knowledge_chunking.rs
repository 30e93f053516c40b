//! Goldens of how documents are cut into passages (`domain::knowledge::chunking`): each passage's
//! ordinal, its heading path and its text, for the documents under `tests/fixtures/knowledge/`.
//! After an intended change, regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p shared --test knowledge_chunking` and read the diff.

use shared::domain::knowledge::chunking::{PASSAGE_CHARS, passages};

fn render(markdown: &str) -> String {
    let mut out = String::new();
    for p in passages(markdown) {
        out.push_str(&format!(
            "[{} | {} | {} chars]\n{}\n\n",
            p.ordinal,
            p.headings.join(" > "),
            p.text.chars().count(),
            p.text
        ));
    }
    out
}

#[test]
fn documents_are_cut_as_the_goldens_say() {
    for name in ["studio-faq"] {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/knowledge");
        let source = std::fs::read_to_string(format!("{dir}/{name}.md")).unwrap();
        let got = render(&source);
        let golden = format!("{dir}/{name}.passages.golden");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &got).unwrap();
        }
        let want =
            std::fs::read_to_string(&golden).expect("the golden (UPDATE_GOLDEN=1 writes it)");
        assert_eq!(
            got, want,
            "{name}: passages changed; regenerate and read the diff"
        );
        // Whatever the goldens say: every passage fits, and every word of the source is in one.
        for p in passages(&source) {
            assert!(p.text.chars().count() < PASSAGE_CHARS.end);
        }
        let joined: String = passages(&source)
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        for word in source.split_whitespace() {
            assert!(joined.contains(word), "{name}: {word:?} is in no passage");
        }
    }
}
