//! Yes and no inside a short sentence: "yes please", "yeah, that works", "I think so", "no
//! thanks", "not really", "we do", "I don't think so".
//!
//! Why each rule:
//! - Phrases are matched longest first and each word counts once, so "I don't think so" is a no
//!   (not the "think so" inside it) and "no problem" is a yes (not the "no").
//! - A negation ("not", "isn't", "don't") is a no word of its own, so "that's not right" and "we
//!   are not" are never read as the "right" or "we are" inside them.
//! - An unsure answer ("maybe", "not sure", "I don't know") is neither, even though "don't" is in
//!   it: the question is asked again rather than recorded as a no.
//! - Both a yes and a no ("yes and no", "no, wait, yes") are refused: which one stands is for the
//!   caller to say, not for a rule to guess.
//! - Past twelve words it is a story, not an answer: refused, the agent asks for a yes or no.

use super::words;

const MAX_WORDS: usize = 12;

const UNSURE: &[&str] = &[
    "i don't know",
    "don't know",
    "dunno",
    "not sure",
    "maybe",
    "perhaps",
    "possibly",
    "it depends",
    "depends",
    "kind of",
    "sort of",
    "yes and no",
];

const NO: &[&str] = &[
    "that's not right",
    "that's not correct",
    "that is not right",
    "not right",
    "not correct",
    "not true",
    "not okay",
    "not ok",
    "not quite",
    "please don't",
    "certainly not",
    "it is not",
    "we are not",
    "i am not",
    "i have not",
    "we have not",
    "not that i know of",
    "i'm afraid not",
    "afraid not",
    "not at the moment",
    "not right now",
    "not currently",
    "i don't think so",
    "don't think so",
    "no thanks",
    "no thank you",
    "not really",
    "not at all",
    "not yet",
    "of course not",
    "absolutely not",
    "definitely not",
    "we don't",
    "i don't",
    "we do not",
    "i do not",
    "we haven't",
    "i haven't",
    "we aren't",
    "i'm not",
    "we're not",
    "it isn't",
    "it's not",
    "that's wrong",
    "negative",
    "nope",
    "nah",
    "no",
    "never",
    "wrong",
    "incorrect",
    // A negation anywhere undoes a yes beside it ("we are not", "it isn't"): such an answer is a
    // no or, with a yes word left over, neither.
    "not",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "aren't",
    "wasn't",
    "haven't",
    "hasn't",
    "won't",
    "can't",
    "cannot",
];

const YES: &[&str] = &[
    "i wouldn't say no",
    "wouldn't say no",
    "that's it",
    "that's the one",
    "perfect",
    "exactly",
    "spot on",
    "why not",
    "not a problem",
    "no doubt",
    "that would be great",
    "that'd be great",
    "that would be good",
    "please do",
    "no problem",
    "no worries",
    "that works",
    "sounds good",
    "that's right",
    "that's correct",
    "of course",
    "i think so",
    "i believe so",
    "i guess so",
    "we do",
    "i do",
    "we have",
    "i have",
    "we are",
    "i am",
    "it is",
    "uhhuh",
    "mm hmm",
    "yes",
    "yeah",
    "yep",
    "yup",
    "yah",
    "ya",
    "sure",
    "certainly",
    "definitely",
    "absolutely",
    "correct",
    "right",
    "affirmative",
    "indeed",
    "true",
    "please",
    "ok",
    "okay",
];

/// `Some(true)` for a yes, `Some(false)` for a no, `None` when it is neither or both.
pub fn read(text: &str) -> Option<bool> {
    // "uh-huh" is a yes, though "uh" alone is a hesitation `words` drops.
    let lower = text
        .to_lowercase()
        .replace("uh-huh", "uhhuh")
        .replace("uh huh", "uhhuh");
    let words = words(&lower);
    if words.is_empty() || words.len() > MAX_WORDS {
        return None;
    }
    let found = polarities(&words);
    if found.contains(&Said::Unsure) {
        return None;
    }
    match (found.contains(&Said::Yes), found.contains(&Said::No)) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Said {
    Yes,
    No,
    Unsure,
}

/// Every phrase found, longest first across all three lists, each word used once: "no problem"
/// is taken before "no", "i don't know" before "i don't".
fn polarities(words: &[String]) -> Vec<Said> {
    let mut phrases: Vec<(Vec<&str>, Said)> =
        [(UNSURE, Said::Unsure), (NO, Said::No), (YES, Said::Yes)]
            .iter()
            .flat_map(|(list, said)| list.iter().map(move |p| (p.split(' ').collect(), *said)))
            .collect();
    phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut used = vec![false; words.len()];
    let mut found = Vec::new();
    for (phrase, said) in &phrases {
        let n = phrase.len();
        let mut i = 0;
        while i + n <= words.len() {
            let free = used[i..i + n].iter().all(|u| !u);
            if free && words[i..i + n].iter().zip(phrase).all(|(w, p)| w == p) {
                used[i..i + n].iter_mut().for_each(|u| *u = true);
                found.push(*said);
                i += n;
            } else {
                i += 1;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn answers_in_short_sentences() {
        for (said, yes) in [
            ("yes please", true),
            ("Yeah, that works.", true),
            ("I think so", true),
            ("yes, no problem", true),
            ("we do", true),
            ("no thanks", false),
            ("not really", false),
            ("I don't think so", false),
            ("nope, we don't", false),
            ("that's not right", false),
            ("we are not", false),
            ("it is not", false),
            ("certainly not", false),
            ("please don't", false),
            ("sure, why not", true),
            ("no doubt", true),
        ] {
            assert_eq!(read(said), Some(yes), "{said:?}");
        }
    }

    #[test]
    fn unsure_mixed_or_long_answers_are_neither() {
        for said in [
            "maybe",
            "I don't know",
            "yes and no",
            "no, wait, yes",
            "perhaps",
            "well it's a long story about the old site we had built years ago",
        ] {
            assert_eq!(read(said), None, "{said:?}");
        }
    }
}
