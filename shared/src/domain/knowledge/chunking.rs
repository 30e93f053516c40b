//! A document's text cut into the passages retrieval returns. The text is markdown (what every
//! parser produces: headings as `#`, paragraphs between blank lines). `text-splitter` cuts it at
//! the largest markdown unit that fits (sections, then blocks, paragraphs, sentences, words), so
//! a passage is a whole answer where one fits; each passage carries the headings above it, which
//! are embedded and indexed with it ("Prices > Weddings" makes "how much is a wedding" find a
//! bare price list).
//!
//! Sizes are in characters: `PASSAGE_CHARS` (400-800, about 100-200 tokens: long enough to hold
//! a policy and its conditions, short enough that the two or three best fit the mid-call tool's
//! 1,500-character answer) with `OVERLAP_CHARS` (100) repeated where a section is cut, so a
//! sentence that straddles two passages is whole in one of them. Neighbouring short sections are
//! merged up to the size (a passage per heading would be a passage per line in an FAQ).

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Serialize;
use text_splitter::{ChunkConfig, MarkdownSplitter};

use crate::domain::text::truncate_words;

/// How long a passage may be, in characters.
pub const PASSAGE_CHARS: Range<usize> = 400..800;
/// Characters repeated from the end of a passage at the start of the next, where a section is cut.
pub const OVERLAP_CHARS: usize = 100;
/// The longest heading carried by the passages under it, in characters (cut at a word): a
/// paragraph underlined with dashes is a heading to markdown, and each of its passages would
/// otherwise carry all of it.
pub const MAX_HEADING_CHARS: usize = 120;

/// One passage of a document, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// Its position in the document, from 0.
    pub ordinal: u32,
    /// The headings above it, outermost first.
    pub headings: Vec<String>,
    pub text: String,
}

impl Passage {
    /// What is embedded and indexed: the headings, then the text.
    pub fn indexed_text(&self, title: &str) -> String {
        let mut path = vec![title.trim()];
        path.extend(self.headings.iter().map(String::as_str));
        format!("{}\n\n{}", path.join(" > "), self.text)
    }
}

/// The passages of a markdown text; none for a text with no words.
pub fn passages(markdown: &str) -> Vec<Passage> {
    let config = ChunkConfig::new(PASSAGE_CHARS)
        .with_overlap(OVERLAP_CHARS)
        .expect("the overlap is smaller than the passage")
        .with_trim(true);
    let splitter = MarkdownSplitter::new(config);
    let headings = headings(markdown);
    splitter
        .chunk_indices(markdown)
        .filter(|(_, text)| text.chars().any(char::is_alphanumeric))
        .enumerate()
        .map(|(ordinal, (offset, text))| Passage {
            ordinal: ordinal as u32,
            headings: path_at(&headings, offset),
            text: text.to_owned(),
        })
        .collect()
}

/// A heading: where it starts, its level (1-6) and its text.
#[derive(Debug)]
struct Heading {
    offset: usize,
    level: usize,
    text: String,
}

/// Every heading of the text (ATX `#` and setext underlined ones, none inside code blocks).
fn headings(markdown: &str) -> Vec<Heading> {
    let mut found = Vec::new();
    let mut open: Option<Heading> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                open = Some(Heading {
                    offset: range.start,
                    level: level_number(level),
                    text: String::new(),
                })
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = open.as_mut() {
                    h.text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = open.take().filter(|h| !h.text.trim().is_empty()) {
                    found.push(Heading {
                        text: truncate_words(h.text.trim(), MAX_HEADING_CHARS),
                        ..h
                    });
                }
            }
            _ => {}
        }
    }
    found
}

fn level_number(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The headings in force where a passage starts: each heading before it replaces those of its
/// level and deeper. A passage that starts with its section's heading has it in its own text: the
/// path then ends above it.
fn path_at(headings: &[Heading], offset: usize) -> Vec<String> {
    let mut path: Vec<&Heading> = Vec::new();
    for h in headings.iter().take_while(|h| h.offset <= offset) {
        path.retain(|p| p.level < h.level);
        if h.offset < offset {
            path.push(h);
        }
    }
    path.into_iter().map(|h| h.text.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_document_is_one_passage_and_an_empty_one_none() {
        let p = passages("# Parking\n\nFree parking behind the studio, entrance on Pine St.");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].ordinal, 0);
        assert!(p[0].text.starts_with("# Parking"));
        assert!(passages("").is_empty());
        assert!(passages("   \n\n---\n\n").is_empty());
    }

    #[test]
    fn passages_keep_to_their_size_and_carry_their_headings() {
        let mut doc = String::from("# Services\n\n");
        for section in ["Weddings", "Portraits", "Events"] {
            doc.push_str(&format!("## {section}\n\n"));
            for n in 0..6 {
                doc.push_str(&format!(
                    "{section} paragraph {n}: we plan the day with you, bring two cameras and \
                     deliver edited photos within three weeks of the session.\n\n"
                ));
            }
        }
        let p = passages(&doc);
        assert!(p.len() >= 3, "{p:#?}");
        for passage in &p {
            assert!(
                passage.text.chars().count() < PASSAGE_CHARS.end,
                "{passage:#?}"
            );
        }
        let events = p
            .iter()
            .find(|x| x.text.contains("Events paragraph 5"))
            .unwrap();
        // Its own heading is in its text when it starts with it, else in its path.
        if events.text.starts_with("## Events") {
            assert_eq!(events.headings, ["Services"], "{events:#?}");
        } else {
            assert_eq!(events.headings, ["Services", "Events"], "{events:#?}");
        }
        assert!(
            p.iter()
                .all(|x| !x.text.contains("Weddings paragraph")
                    || !x.text.contains("Events paragraph")),
            "a passage does not mix far sections"
        );
        assert_eq!(
            p.iter().map(|x| x.ordinal).collect::<Vec<_>>(),
            (0..p.len() as u32).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_heading_replaces_its_level_and_deeper() {
        let doc = "# A\n\n## B\n\n### C\n\ntext\n\n## D\n\nmore\n\n# E\n\nend";
        let hs = headings(doc);
        let last = hs.last().unwrap().offset + 5;
        assert_eq!(path_at(&hs, last), ["E"]);
        let d = doc.find("more").unwrap();
        assert_eq!(path_at(&hs, d), ["A", "D"]);
        let c = doc.find("text").unwrap();
        assert_eq!(path_at(&hs, c), ["A", "B", "C"]);
        // A passage that starts at "## D": D is its text's, its path is what is above D.
        let at_d = doc.find("## D").unwrap();
        assert_eq!(path_at(&hs, at_d), ["A"]);
    }

    #[test]
    fn a_hash_in_a_code_block_is_not_a_heading() {
        let hs = headings("# Real\n\n```\n# not a heading\n```\n\nSetext\n------\n");
        let texts: Vec<_> = hs.iter().map(|h| (h.level, h.text.as_str())).collect();
        assert_eq!(texts, [(1, "Real"), (2, "Setext")]);
    }

    #[test]
    fn a_long_heading_is_carried_cut_at_a_word() {
        // A long paragraph underlined with dashes: a setext heading to markdown.
        let paragraph = "word ".repeat(20_000);
        let doc = format!("{paragraph}\n-----\n\n{}", "Body text. ".repeat(200));
        let p = passages(&doc);
        let under: Vec<_> = p.iter().filter(|p| !p.headings.is_empty()).collect();
        assert!(!under.is_empty());
        for passage in under {
            let heading = &passage.headings[0];
            assert!(
                heading.chars().count() <= MAX_HEADING_CHARS + 1,
                "{heading}"
            );
            assert!(heading.ends_with("word…"), "{heading}");
        }
    }

    #[test]
    fn the_indexed_text_leads_with_the_title_and_headings() {
        let p = Passage {
            ordinal: 0,
            headings: vec!["Prices".into(), "Weddings".into()],
            text: "From $2,400.".into(),
        };
        assert_eq!(
            p.indexed_text(" Price list "),
            "Price list > Prices > Weddings\n\nFrom $2,400."
        );
    }
}
