//! Urgency: a business's keywords and phrases (each with the priority it raises a lead to) matched
//! against what the caller said, plus ElevenLabs' own judgement through an evaluation criterion.

use super::Priority;

/// The evaluation criterion the agent manager configures on every agent; `success` means the
/// caller's matter is urgent, and its rationale becomes the stated reason.
pub const URGENT_CRITERION_ID: &str = "urgent_matter";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrgencyKeyword {
    pub phrase: String,
    /// `High` or `Urgent`.
    pub severity: Priority,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urgency {
    pub priority: Priority,
    pub reasons: Vec<String>,
}

impl Default for Urgency {
    fn default() -> Self {
        Self {
            priority: Priority::Normal,
            reasons: Vec::new(),
        }
    }
}

impl Urgency {
    /// Raises the priority (never lowers it) and records why.
    pub fn raise(&mut self, to: Priority, reason: String) {
        if to > self.priority {
            self.priority = to;
        }
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }
}

/// The keywords found in `texts`, each with its own severity and the reason to record. Matching is
/// whole-word and case-insensitive: "fire" matches "Fire!" but not "fired up".
pub fn scan<'a>(
    keywords: &[UrgencyKeyword],
    texts: impl IntoIterator<Item = &'a str>,
) -> Vec<(Priority, String)> {
    let haystack: Vec<String> = texts.into_iter().map(words).collect();
    keywords
        .iter()
        .filter(|k| {
            let needle = words(&k.phrase);
            !needle.is_empty() && haystack.iter().any(|text| text.contains(&needle))
        })
        .map(|k| {
            (
                k.severity,
                format!("caller mentioned \"{}\"", k.phrase.trim()),
            )
        })
        .collect()
}

/// Lower-case words separated by single spaces, padded so a phrase matches only whole words.
fn words(text: &str) -> String {
    let joined = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if joined.is_empty() {
        joined
    } else {
        format!(" {joined} ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(phrase: &str, severity: Priority) -> UrgencyKeyword {
        UrgencyKeyword {
            phrase: phrase.into(),
            severity,
        }
    }

    #[test]
    fn whole_words_case_insensitive_each_with_its_severity() {
        let keywords = [
            kw("deadline", Priority::High),
            kw("Site is down", Priority::Urgent),
            kw("fire", Priority::Urgent),
        ];
        let found = scan(&keywords, ["Our SITE is down, and the deadline is Friday!"]);
        assert_eq!(
            found,
            vec![
                (Priority::High, "caller mentioned \"deadline\"".to_string()),
                (
                    Priority::Urgent,
                    "caller mentioned \"Site is down\"".to_string()
                ),
            ]
        );
        assert!(
            scan(
                &keywords,
                ["We got fired up about the rebrand", "no deadlines yet"]
            )
            .is_empty()
        );
    }

    #[test]
    fn raise_never_lowers() {
        let mut u = Urgency::default();
        u.raise(Priority::Urgent, "a".into());
        u.raise(Priority::High, "b".into());
        u.raise(Priority::High, "b".into());
        assert_eq!(u.priority, Priority::Urgent);
        assert_eq!(u.reasons, vec!["a".to_string(), "b".to_string()]);
    }
}
