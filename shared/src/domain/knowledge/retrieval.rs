//! How a search's two halves become one answer. The database returns candidates from each half
//! (nearest vectors, best full-text matches; `store::knowledge_search`), each with its rank in
//! that half; here they are fused by reciprocal rank fusion (RRF: a passage scores
//! `1 / (K + rank)` in each half it appears in, so one found by both outranks one found by either
//! alone, without comparing a cosine with a text rank), then cut: a passage is kept only if one
//! half found it relevant in absolute terms (cosine similarity over the model's minimum, or most
//! of the question's words). "Nothing relevant" is then a real answer, not the least bad passage.

use serde::Serialize;
use uuid::Uuid;

/// RRF's constant: 60, the value of the original paper (Cormack et al., 2009), damps the
/// difference between the first few ranks.
pub const RRF_K: f64 = 60.0;
/// Candidates each half returns before fusion: four times the answer's passages (the vector
/// half's scan time grows with it: 40 cost the benchmark's large business about 3 ms more at
/// the median).
pub const CANDIDATES_PER_HALF: i64 = 20;
/// Passages a search returns at most.
pub const DEFAULT_TOP_K: usize = 5;
/// A word is common in a business's knowledge when more of its passages than this share have it
/// (and more than `COMMON_WORD_MIN_PASSAGES`, so a small business's words are never common, its
/// few passages being cheap to rank). The keyword half does not search by two common words
/// together: such a pair matched 16,000 of the benchmark's 20,000 passages. The share bounds
/// what one uncommon word can bring to be ranked: 400 of 20,000 passages (at 5%, 1,000 of them
/// made the large business's p99 47 ms instead of 30 ms).
pub const COMMON_WORD_SHARE: f32 = 0.02;
pub const COMMON_WORD_MIN_PASSAGES: i32 = 200;
/// Share of the question's words a passage must contain to count as relevant on words alone.
pub const MIN_KEYWORD_COVERAGE: f32 = 0.6;

/// One candidate passage as the database found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub chunk_id: i64,
    pub document_id: Uuid,
    pub title: String,
    pub heading_path: String,
    pub content: String,
    /// 1-based rank among the nearest vectors, if it was one of them.
    pub vector_rank: Option<i64>,
    /// Cosine similarity to the question (1 is the same direction), if computed.
    pub similarity: Option<f32>,
    /// 1-based rank among the full-text matches, if it matched.
    pub keyword_rank: Option<i64>,
    /// Share of the question's distinct words (stems) the passage contains, 0 to 1.
    pub keyword_coverage: Option<f32>,
}

/// A passage in the answer, with its fused score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub chunk_id: i64,
    pub document_id: Uuid,
    pub title: String,
    pub heading_path: String,
    pub content: String,
    /// The RRF score (higher is better; at most 2 / (K + 1)).
    pub score: f64,
    pub similarity: Option<f32>,
}

/// What makes a candidate relevant on its own: the cosine similarity its embedding model needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelevanceCut {
    pub min_similarity: f32,
}

impl RelevanceCut {
    fn keeps(&self, c: &Candidate) -> bool {
        c.similarity.is_some_and(|s| s >= self.min_similarity)
            || c.keyword_coverage
                .is_some_and(|k| k >= MIN_KEYWORD_COVERAGE)
    }
}

/// The fused, cut and ordered answer: at most `top_k` passages, best first (ties by chunk id,
/// so the same data gives the same order).
pub fn fuse(candidates: Vec<Candidate>, cut: RelevanceCut, top_k: usize) -> Vec<Hit> {
    let rrf = |rank: Option<i64>| rank.map_or(0.0, |r| 1.0 / (RRF_K + r as f64));
    let mut hits: Vec<Hit> = candidates
        .into_iter()
        .filter(|c| cut.keeps(c))
        .map(|c| Hit {
            score: rrf(c.vector_rank) + rrf(c.keyword_rank),
            chunk_id: c.chunk_id,
            document_id: c.document_id,
            title: c.title,
            heading_path: c.heading_path,
            content: c.content,
            similarity: c.similarity,
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.chunk_id.cmp(&b.chunk_id))
    });
    hits.truncate(top_k);
    hits
}

/// The longest `source` (a passage's heading path) an answer gives, in characters: a title of
/// 200 and six headings of 120 would otherwise take most of the budget.
pub const MAX_SOURCE_CHARS: usize = 160;

/// One passage of an answer: which of the hits it is, where it comes from, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub hit: usize,
    pub source: String,
    pub text: String,
}

/// The passages that fit `budget` characters in all, sources included, best first: a passage
/// that does not fit whole is shortened at a sentence (or word) boundary only if it is the
/// first, so the agent always has the best answer and never half of a lesser one.
pub fn within_budget(hits: &[Hit], budget: usize) -> Vec<Kept> {
    let mut out = Vec::new();
    let mut used = 0;
    for (i, hit) in hits.iter().enumerate() {
        let source = short_source(&hit.heading_path);
        let len = source.chars().count() + hit.content.chars().count();
        if used + len <= budget {
            used += len;
            out.push(Kept {
                hit: i,
                source,
                text: hit.content.clone(),
            });
        } else if out.is_empty() {
            let room = budget.saturating_sub(source.chars().count());
            out.push(Kept {
                hit: i,
                text: shorten(&hit.content, room),
                source,
            });
            break;
        }
    }
    out
}

/// `path` ("Title > Heading > Subheading") within `MAX_SOURCE_CHARS`: the title and the
/// innermost heading, the ones a caller would name, and the middle elided; else cut.
fn short_source(path: &str) -> String {
    if path.chars().count() <= MAX_SOURCE_CHARS {
        return path.to_owned();
    }
    let parts: Vec<&str> = path.split(" > ").collect();
    if let [first, .., last] = parts.as_slice() {
        let joined = format!("{first} > … > {last}");
        if joined.chars().count() <= MAX_SOURCE_CHARS {
            return joined;
        }
    }
    shorten(path, MAX_SOURCE_CHARS)
}

/// The longest `say` line, in characters.
pub const MAX_SAY_CHARS: usize = 240;

/// A line the agent can say from a passage: its first sentence, without headings (the source
/// names them) and markdown marks (bullets, emphasis), at most `MAX_SAY_CHARS`.
pub fn say_line(passage: &str) -> String {
    let plain: String = passage
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.trim_start_matches(['-', '*', '>', '+']).trim())
        .filter(|l| l.chars().any(char::is_alphanumeric))
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['*', '_', '`'], "");
    let end = plain
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?')
                && plain[i + 1..].starts_with(char::is_whitespace)
                && plain[..i].chars().filter(|c| c.is_alphanumeric()).count() > 12
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(plain.len());
    let sentence = plain[..end].trim();
    if sentence.chars().count() <= MAX_SAY_CHARS {
        sentence.to_owned()
    } else {
        shorten(sentence, MAX_SAY_CHARS)
    }
}

/// `text` cut to at most `max` characters (the ellipsis included), at the last sentence end
/// past half-way (a `.`, `!` or `?` followed by a space: not the point of "$85.50" or of a web
/// address), else at the last space.
fn shorten(text: &str, max: usize) -> String {
    let head: String = text.chars().take(max.saturating_sub(1)).collect();
    let chars_before = |byte: usize| head[..byte].chars().count();
    let sentence_end = head
        .char_indices()
        .filter(|&(i, c)| {
            matches!(c, '.' | '!' | '?') && head[i + 1..].starts_with(char::is_whitespace)
        })
        .map(|(i, _)| i + 1)
        .filter(|&end| chars_before(end) > max / 2)
        .last();
    let cut = sentence_end
        .or_else(|| head.rfind(' '))
        .unwrap_or(head.len());
    format!("{}…", head[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, vector: Option<(i64, f32)>, keyword: Option<(i64, f32)>) -> Candidate {
        Candidate {
            chunk_id: id,
            document_id: Uuid::nil(),
            title: "FAQ".into(),
            heading_path: String::new(),
            content: format!("passage {id}"),
            vector_rank: vector.map(|v| v.0),
            similarity: vector.map(|v| v.1),
            keyword_rank: keyword.map(|k| k.0),
            keyword_coverage: keyword.map(|k| k.1),
        }
    }

    const CUT: RelevanceCut = RelevanceCut {
        min_similarity: 0.3,
    };

    #[test]
    fn found_by_both_halves_outranks_first_in_one() {
        let hits = fuse(
            vec![
                candidate(1, Some((1, 0.9)), None),
                candidate(2, Some((2, 0.8)), Some((2, 1.0))),
                candidate(3, None, Some((1, 1.0))),
            ],
            CUT,
            5,
        );
        let order: Vec<i64> = hits.iter().map(|h| h.chunk_id).collect();
        assert_eq!(order, vec![2, 1, 3]);
        assert!((hits[0].score - (2.0 / 62.0)).abs() < 1e-12);
    }

    #[test]
    fn nothing_over_the_cut_is_no_answer() {
        let weak = vec![
            candidate(1, Some((1, 0.29)), Some((1, 0.5))),
            candidate(2, Some((2, 0.1)), None),
        ];
        assert!(fuse(weak, CUT, 5).is_empty());
        // Either half alone may vouch for a passage.
        let words = vec![candidate(1, Some((1, 0.05)), Some((1, 0.6)))];
        assert_eq!(fuse(words, CUT, 5).len(), 1);
    }

    #[test]
    fn top_k_and_ties_are_deterministic() {
        let hits = fuse(
            (1..=8)
                .rev()
                .map(|i| candidate(i, Some((1, 0.5)), None))
                .collect(),
            CUT,
            3,
        );
        let order: Vec<i64> = hits.iter().map(|h| h.chunk_id).collect();
        assert_eq!(order, vec![1, 2, 3]);
    }

    #[test]
    fn the_say_line_is_the_first_plain_sentence() {
        assert_eq!(
            say_line("## Parking\n\n**Free parking** is behind the studio. Enter from Elm St."),
            "Free parking is behind the studio."
        );
        assert_eq!(
            say_line("- Open 9 to 5. Closed Sundays."),
            "Open 9 to 5. Closed Sundays."
        );
        let long = "word ".repeat(100);
        assert!(say_line(&long).chars().count() <= MAX_SAY_CHARS);
    }

    #[test]
    fn the_budget_keeps_whole_passages_and_shortens_only_the_first() {
        let hit = |content: &str| Hit {
            chunk_id: 0,
            document_id: Uuid::nil(),
            title: String::new(),
            heading_path: String::new(),
            content: content.into(),
            score: 0.0,
            similarity: None,
        };
        let hits = [
            hit(&"a".repeat(600)),
            hit(&"b".repeat(1000)),
            hit(&"c".repeat(800)),
        ];
        let kept = within_budget(&hits, 1500);
        assert_eq!(kept.iter().map(|k| k.hit).collect::<Vec<_>>(), vec![0, 2]);
        let long = "One sentence here. ".repeat(100);
        let kept = within_budget(&[hit(&long)], 1500);
        assert_eq!(kept.len(), 1);
        assert!(kept[0].text.chars().count() <= 1500);
        assert!(kept[0].text.ends_with(".…"), "{}", kept[0].text);
    }

    #[test]
    fn the_budget_counts_each_passage_source() {
        let hit = |path: &str, content: &str| Hit {
            chunk_id: 0,
            document_id: Uuid::nil(),
            title: String::new(),
            heading_path: path.into(),
            content: content.into(),
            score: 0.0,
            similarity: None,
        };
        // A title of 200 characters and six headings of 120: about 940 characters of source.
        let deep = std::iter::once("T".repeat(200))
            .chain((0..6).map(|i| format!("{i}").repeat(120)))
            .collect::<Vec<_>>()
            .join(" > ");
        let hits = [
            hit(&deep, &"a ".repeat(240)),
            hit(&deep, &"b ".repeat(240)),
            hit(&deep, &"c ".repeat(240)),
        ];
        let kept = within_budget(&hits, 1500);
        let total: usize = kept
            .iter()
            .map(|k| k.source.chars().count() + k.text.chars().count())
            .sum();
        assert!(total <= 1500, "{total}");
        assert_eq!(
            kept.len(),
            2,
            "two passages and their sources fit, not three"
        );
        assert!(kept[0].source.chars().count() <= MAX_SOURCE_CHARS);
        // The title is kept, the innermost heading too, when they fit together.
        let short = short_source("Price list > Packages > Weddings > Extras");
        assert_eq!(short, "Price list > Packages > Weddings > Extras");
        let long = format!("Price list > {} > Extras", "x".repeat(200));
        assert_eq!(short_source(&long), "Price list > … > Extras");
        // A first passage too long for what its source leaves is shortened to fit.
        let kept = within_budget(&[hit(&deep, &"One sentence here. ".repeat(100))], 1500);
        assert!(kept[0].source.chars().count() + kept[0].text.chars().count() <= 1500);
    }

    #[test]
    fn shortening_cuts_at_a_sentence_end_not_inside_a_number() {
        let prices = format!(
            "Business cards: $85.50 a box, flyers: $120.00 a run, {} posters: $30.25 each",
            "and more ".repeat(30)
        );
        let cut = shorten(&prices, 120);
        assert!(cut.chars().count() <= 120, "{cut}");
        assert!(!cut.ends_with(".…"), "cut at a decimal point: {cut}");
        assert!(cut.ends_with(" more…") || cut.ends_with("and…"), "{cut}");
        // Past half-way in characters, not bytes: non-Latin text is still cut at its sentence.
        let greek = format!("{}. {}", "α".repeat(80), "β".repeat(80));
        assert_eq!(shorten(&greek, 120), format!("{}.…", "α".repeat(80)));
        let early = format!("{}. {}", "α".repeat(40), "ββββ ".repeat(30));
        let cut = shorten(&early, 120);
        assert!(cut.chars().count() > 60 && cut.ends_with("ββββ…"), "{cut}");
    }
}
