//! A choice inside an answer: "website, we launch tomorrow", "the website one", "websites",
//! "a new site" (a synonym the business configured for "Website").
//!
//! Why each rule:
//! - The choice's words (or one of its synonyms') are looked for inside the answer, so the caller
//!   need not say the choice alone.
//! - Letters spelled one by one ("s e o") are the word they spell, as speech-to-text writes an
//!   acronym.
//! - Words are compared by their stems (Snowball, in the agent's language where it has one), so
//!   "websites" is "Website" and "rebranding" the synonym "rebrand".
//! - When one matched phrase lies inside a longer one of another choice ("design" inside "web
//!   design"), the longer one is what was said.
//! - Two choices in the answer ("website and branding", "not the website, branding") or none are
//!   refused: the agent asks again with the options, it never picks one. So is an answer with a
//!   negation anywhere ("no website, just a logo", "website isn't what we need"): the choice
//!   named may be the one turned down.

use std::collections::BTreeMap;

use rust_stemmers::{Algorithm, Stemmer};

use super::words;

/// The configured choice the answer names, or `None` (no choice, or more than one).
pub fn read<'c>(
    text: &str,
    choices: &'c [String],
    synonyms: &BTreeMap<String, Vec<String>>,
    language: &str,
) -> Option<&'c String> {
    let stemmer = Stemmer::create(algorithm(language));
    let stem = |w: &String| stemmer.stem(w.trim_matches('\'')).into_owned();
    let plain = join_spelled(words(text));
    let said: Vec<String> = plain.iter().map(stem).collect();
    // (start, end, choice index) of every phrase found.
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
    for (index, choice) in choices.iter().enumerate() {
        let phrases = std::iter::once(choice).chain(synonyms.get(choice).into_iter().flatten());
        for phrase in phrases {
            let wanted: Vec<String> = words(phrase).iter().map(stem).collect();
            if wanted.is_empty() || wanted.len() > said.len() {
                continue;
            }
            for start in 0..=said.len() - wanted.len() {
                if said[start..start + wanted.len()] == wanted[..] {
                    found.push((start, start + wanted.len(), index));
                }
            }
        }
    }
    // "not the website", "we're not looking for a new website", "website isn't what we need",
    // "anything but the website": a choice said with a negation anywhere in the answer may be
    // the one turned down; no answer then (refused, never read as that choice). "Why not" agrees.
    let negated = plain.iter().enumerate().any(|(i, w)| {
        let before = |n: usize| {
            i.checked_sub(n)
                .and_then(|j| plain.get(j))
                .map(String::as_str)
        };
        let negation = matches!(
            w.as_str(),
            "not" | "no" | "nope" | "nah" | "without" | "except" | "never" | "nor"
        ) || w.ends_with("n't")
            || (w == "but" && matches!(before(1), Some("anything" | "everything" | "all")));
        negation && !(w == "not" && before(1) == Some("why"))
    });
    if negated && !found.is_empty() {
        return None;
    }
    let outer: Vec<usize> = found
        .iter()
        .filter(|(s, e, c)| {
            !found
                .iter()
                .any(|(s2, e2, c2)| c2 != c && s2 <= s && e <= e2 && (e2 - s2) > (e - s))
        })
        .map(|(_, _, c)| *c)
        .collect();
    match outer.split_first() {
        Some((first, rest)) if rest.iter().all(|c| c == first) => choices.get(*first),
        _ => None,
    }
}

/// Letters spelled one by one ("s e o", "s.e.o.") joined into the word they spell.
fn join_spelled(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut run = String::new();
    let letter = |w: &str| w.chars().count() == 1 && w.chars().all(char::is_alphabetic);
    for w in words {
        if letter(&w) {
            run.push_str(&w);
            continue;
        }
        if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
        out.push(w);
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// A phrase as the reader compares it: its words' stems, so two phrases with one key name the
/// same thing ("Websites" and "website").
pub fn phrase_key(phrase: &str, language: &str) -> String {
    let stemmer = Stemmer::create(algorithm(language));
    words(phrase)
        .iter()
        .map(|w| stemmer.stem(w.trim_matches('\'')).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Snowball stemmer for the agent's language (ISO 639-1), English when it has none.
fn algorithm(language: &str) -> Algorithm {
    match language.split(['-', '_']).next().unwrap_or("en") {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => Algorithm::English,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices() -> Vec<String> {
        ["Website", "Branding", "Design", "Web design", "SEO"]
            .map(String::from)
            .to_vec()
    }

    fn pick(said: &str) -> Option<String> {
        let synonyms = BTreeMap::from([
            (
                "Website".to_string(),
                vec!["site".to_string(), "online shop".to_string()],
            ),
            ("Branding".to_string(), vec!["rebrand".to_string()]),
        ]);
        read(said, &choices(), &synonyms, "en").cloned()
    }

    #[test]
    fn a_choice_inside_an_answer() {
        for (said, choice) in [
            ("website, we launch tomorrow", "Website"),
            ("the website one", "Website"),
            ("Websites", "Website"),
            ("rebranding", "Branding"),
            ("a new online shop", "Website"),
            ("just a site", "Website"),
            ("web design please", "Web design"),
            ("s.e.o.", "SEO"),
            ("seo", "SEO"),
        ] {
            assert_eq!(pick(said).as_deref(), Some(choice), "{said:?}");
        }
    }

    #[test]
    fn two_or_no_choices_are_refused() {
        for said in [
            "website and branding",
            "not the website, branding",
            "photography",
            "",
            "not the website",
            "I don't need a website",
            "no website, just a logo",
            "we're not looking for a new website",
            "website isn't what we need",
            "anything but the website",
        ] {
            assert_eq!(pick(said), None, "{said:?}");
        }
    }

    #[test]
    fn other_languages_stem_in_their_own_way() {
        let choices = ["Diseño web", "Fotografía"].map(String::from).to_vec();
        let none = BTreeMap::new();
        assert_eq!(
            read("diseños web, por favor", &choices, &none, "es").map(String::as_str),
            Some("Diseño web")
        );
    }
}
