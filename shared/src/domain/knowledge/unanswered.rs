//! Questions callers asked that the knowledge base could not answer, grouped so the business sees
//! "parking for trailers: asked 7 times" once rather than seven phrasings of it. Grouping is
//! greedy over the questions' embeddings, newest first: a question joins the first group whose
//! first question is at least `GROUP_SIMILARITY` alike (cosine), else starts its own. Exact
//! clustering is not needed for a list a person reads; determinism and speed over a few hundred
//! questions are.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// How alike two questions must be (cosine of their embeddings) to be one group.
pub const GROUP_SIMILARITY: f32 = 0.6;
/// Phrasings shown per group.
pub const EXAMPLES_PER_GROUP: usize = 5;

/// One unanswered search, as logged.
#[derive(Debug, Clone)]
pub struct UnansweredSearch {
    pub query: String,
    /// Absent for a search whose embedding failed: it is grouped by its exact words.
    pub embedding: Option<Vec<f32>>,
    pub searched_at: DateTime<Utc>,
}

/// A group of alike questions.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QuestionGroup {
    /// The group's most recent phrasing.
    pub question: String,
    /// How many times it was asked in the window.
    pub count: usize,
    /// Other distinct phrasings, most recent first.
    pub examples: Vec<String>,
    pub last_asked_at: DateTime<Utc>,
}

/// Groups of the searches (any order), most asked first, then most recently asked.
pub fn group(mut searches: Vec<UnansweredSearch>) -> Vec<QuestionGroup> {
    searches.sort_by(|a, b| b.searched_at.cmp(&a.searched_at));
    let mut groups: Vec<(Option<Vec<f32>>, QuestionGroup)> = Vec::new();
    for s in searches {
        let normalised = s.query.trim().to_lowercase();
        let home = groups.iter_mut().find(|(first, g)| {
            g.question.trim().to_lowercase() == normalised
                || match (first, &s.embedding) {
                    (Some(a), Some(b)) => cosine(a, b) >= GROUP_SIMILARITY,
                    _ => false,
                }
        });
        match home {
            Some((_, g)) => {
                g.count += 1;
                let known = g.question.trim().eq_ignore_ascii_case(s.query.trim())
                    || g.examples
                        .iter()
                        .any(|e| e.trim().eq_ignore_ascii_case(s.query.trim()));
                if !known && g.examples.len() < EXAMPLES_PER_GROUP {
                    g.examples.push(s.query);
                }
            }
            None => groups.push((
                s.embedding,
                QuestionGroup {
                    question: s.query,
                    count: 1,
                    examples: Vec::new(),
                    last_asked_at: s.searched_at,
                },
            )),
        }
    }
    let mut out: Vec<QuestionGroup> = groups.into_iter().map(|(_, g)| g).collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_asked_at.cmp(&a.last_asked_at))
    });
    out
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let n = norm(a) * norm(b);
    if n == 0.0 { 0.0 } else { dot / n }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::knowledge::lexical::lexical_embedding;
    use chrono::TimeZone;

    fn search(query: &str, minute: u32) -> UnansweredSearch {
        UnansweredSearch {
            query: query.into(),
            embedding: Some(lexical_embedding(query, 256)),
            searched_at: Utc.with_ymd_and_hms(2026, 12, 1, 10, minute, 0).unwrap(),
        }
    }

    #[test]
    fn alike_questions_are_one_group_counted() {
        let groups = group(vec![
            search("can I park a trailer", 1),
            search("do you sell gift cards", 2),
            search("can I park my trailer", 3),
            search("Can I park a trailer?", 4),
            search("trailer parking", 5),
        ]);
        assert_eq!(groups.len(), 2, "{groups:#?}");
        assert_eq!(groups[0].count, 4);
        assert_eq!(groups[0].question, "trailer parking");
        assert_eq!(groups[1].question, "do you sell gift cards");
        assert_eq!(groups[1].count, 1);
        assert!(groups[0].examples.len() <= EXAMPLES_PER_GROUP);
    }

    #[test]
    fn without_an_embedding_only_the_same_words_group() {
        let mut a = search("gift cards?", 1);
        a.embedding = None;
        let mut b = search("Gift cards?", 2);
        b.embedding = None;
        let groups = group(vec![a, b, search("gift card prices", 3)]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].count, 2);
    }
}
