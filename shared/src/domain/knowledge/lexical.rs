//! The deterministic embedder the fake vendors and the tests use: no network, no model file, the
//! same vector for the same text on every machine and Rust version. A text becomes the signed
//! feature hash of its stemmed words (weight 1) and of each word's character trigrams (weight
//! 0.5, so "parking" and "park" or a misspelling land near each other), L2-normalised: texts that
//! share words are close in cosine distance, which is what the hybrid retrieval's vector half
//! needs to be tested against. It knows no synonyms: "price" and "cost" are far apart, as a
//! keyword index would have them (the labelled mini-set shows where each half wins).

use rust_stemmers::{Algorithm, Stemmer};

// The words client matching reads a name as (lower case, accents folded, punctuation dropped):
// one rule for what a word is. A change to it changes the vectors: bump `LEXICAL_MODEL`.
use crate::domain::client_match::words;

/// The model name stored with each vector it makes (a change of it re-embeds). v2: 512
/// components (v1's 1,536 cannot be cut to them: its features are hashed over all 1,536).
pub const LEXICAL_MODEL: &str = "studioconnect-lexical-v2";

/// Words too common to say anything about a passage.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
    "i", "in", "is", "it", "me", "my", "of", "on", "or", "our", "the", "to", "we", "what", "when",
    "where", "which", "who", "with", "you", "your",
];

/// The vector of `text` with `dimensions` components (the column's, 512).
pub fn lexical_embedding(text: &str, dimensions: usize) -> Vec<f32> {
    let stemmer = Stemmer::create(Algorithm::English);
    let mut v = vec![0f32; dimensions];
    let mut add = |feature: &str, weight: f32| {
        let h = fnv1a(feature.as_bytes());
        let index = (h % dimensions as u64) as usize;
        // The sign from another bit keeps collisions from adding up to a bias.
        let sign = if (h >> 63) & 1 == 0 { 1.0 } else { -1.0 };
        v[index] += sign * weight;
    };
    for word in words(text) {
        if STOP_WORDS.contains(&word.as_str()) {
            continue;
        }
        let stem = stemmer.stem(&word);
        add(&format!("w:{stem}"), 1.0);
        let padded: Vec<char> = format!("^{stem}$").chars().collect();
        for gram in padded.windows(3) {
            add(&format!("g:{}", gram.iter().collect::<String>()), 0.5);
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// FNV-1a, 64 bits: stable everywhere, unlike `std`'s hasher, whose algorithm may change.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: usize = 512;

    /// Cosine similarity of two vectors of the same length.
    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
        if na == 0.0 || nb == 0.0 {
            0.0
        } else {
            dot / (na * nb)
        }
    }

    #[test]
    fn the_same_text_gives_the_same_unit_vector() {
        let a = lexical_embedding("Free parking behind the studio", D);
        assert_eq!(a, lexical_embedding("Free parking behind the studio", D));
        assert_eq!(a.len(), D);
        let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(lexical_embedding("the of and", D).iter().all(|x| *x == 0.0));
        // FNV-1a's published test vectors: the hash, and so a stored vector, is the same on every
        // machine and release.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn lexical_neighbours_are_close_and_strangers_far() {
        let query = lexical_embedding("Where can I park my car?", D);
        let parking = lexical_embedding(
            "Parking: free spaces behind the studio, enter from Pine St.",
            D,
        );
        let prices = lexical_embedding("Wedding photography starts at $2,400 for eight hours.", D);
        assert!(
            cosine(&query, &parking) > 0.2,
            "{}",
            cosine(&query, &parking)
        );
        assert!(cosine(&query, &prices) < 0.1, "{}", cosine(&query, &prices));
        assert!(cosine(&query, &parking) > 2.0 * cosine(&query, &prices));
        // Accents and case do not matter; a misspelling still lands near.
        let cafe = lexical_embedding("Café hours", D);
        assert!(cosine(&cafe, &lexical_embedding("CAFE HOURS", D)) > 0.99);
        let typo = lexical_embedding("parkng", D);
        assert!(cosine(&typo, &lexical_embedding("parking", D)) > 0.3);
    }
}
