//! Email addresses as they are spoken: "sam at rivera studio dot com", "s a m underscore lee at
//! gmail dot co dot uk", "s-a-m dot rivera at outlook dot com".
//!
//! Why each rule:
//! - Addresses hold no spaces, so the spoken words are joined: "rivera studio" is "riverastudio".
//!   Whether the caller meant "rivera-studio" nobody can tell from the words: that is what the
//!   read-back is for (the tool spells the address back for confirmation).
//! - "at", "dot"/"period"/"point", "underscore", "dash"/"hyphen", "plus" are the symbols' names.
//! - Spelled letters ("s a m", "s-a-m") join like any word; "s as in sam" and "s for sam" are the
//!   letter; "double m" is "mm" and "double u" is "w" (how names are spelled aloud); "capital" or
//!   "lowercase" before a letter is dropped (addresses are read case-insensitively), elsewhere it is
//!   a word ("capital one").
//! - Number words become digits in the name ("sam two three" → "sam23", "bob nineteen eighty
//!   five" → "bob1985"): a name is never spoken with "two" meaning the letters. In the domain they
//!   stay words ("four seasons"), which the read-back spells out.
//! - A lead-in ("my email is", "it's"), a closing ("thanks", "okay") and a filler sentence before
//!   the address ("Okay.") are dropped; any other sentence word left ("is", "my", "email", "and",
//!   "oops", "make that") means the words were not only the address, and it is refused rather than
//!   glued into it. So is a caller changing their mind (a hesitation after the first word, a comma
//!   between words of the name or after the "at", a second address after a full stop, a restart
//!   "sam, sam at ..."), a second "at", words after the top-level domain, and a domain without a
//!   dot ("sam at gmail"): ".com" is never guessed.

use super::{digits_for_words, strip_leading, strip_trailing, tidy};

const LEAD_INS: &[&str] = &[
    "i think it's",
    "i think it is",
    "i think",
    "my email address is",
    "my email's",
    "email's",
    "my email is",
    "my e-mail is",
    "email address is",
    "the email is",
    "email is",
    "my address is",
    "you can reach me at",
    "reach me at",
    "you can email me at",
    "email me at",
    "send it to",
    "it's",
    "it is",
    "its",
    "that's",
    "that is",
    "sure",
    "yes",
    "yeah",
    "ok",
    "okay",
    "so",
    "oh",
];

const CLOSINGS: &[&str] = &[
    "okay",
    "ok",
    "got it",
    "all one word",
    "one word",
    "all lowercase",
    "all lower case",
    "i think",
    "i believe",
    "please",
    "thanks",
    "thank you",
    "that's it",
    "that's all",
];

/// Sentence words that are also domain names' words.
const DOMAIN_WORDS: &[&str] = &["me", "my", "you", "your", "our", "i", "the"];

/// Words that belong to a sentence, never to an address a caller reads out.
const SENTENCE_WORDS: &[&str] = &[
    "is",
    "my",
    "email",
    "address",
    "the",
    "and",
    "it's",
    "its",
    "me",
    "you",
    "your",
    "our",
    "that's",
    "not",
    "no",
    "wait",
    "sorry",
    "actually",
    "mean",
    "meant",
    "or",
    "but",
    "with",
    "like",
    "letter",
    "letters",
    "spelled",
    "spell",
    "name",
    "oops",
    "scratch",
    "correction",
    "make",
    "nope",
    "hang",
    "rather",
    "slash",
    "instead",
];

/// The address the words spell, lower case, not yet validated (`answers::email` does that).
pub fn read(text: &str) -> Option<String> {
    if hesitates(text) {
        return None;
    }
    let tidied = tidy(text);
    let tidied = from_the_address_sentence(&tidied)?;
    let body = strip_leading(tidied.trim(), LEAD_INS);
    let body = strip_trailing(body, CLOSINGS).trim_end_matches(['.', ',']);
    if changes_mind(body) {
        return None;
    }
    let body = body.replace(',', " ");
    let body = body.as_str();
    let body = digits_in_the_name(body);
    let body = body.as_str();
    // A restart ("sam, sam at gmail dot com") is not a name said twice.
    let words: Vec<&str> = body.split_whitespace().collect();
    if words
        .windows(2)
        .any(|w| w[0] == w[1] && w[0].chars().count() > 1)
    {
        return None;
    }
    // Sentence words: any of them before the "at"; after it, only those that never name a domain
    // ("me.com" and "my.shop" exist).
    let mut after_at = false;
    for t in body.split_whitespace() {
        let t = t.trim_end_matches(['.', '!', '?']);
        let sentence = match after_at {
            false => SENTENCE_WORDS.contains(&t),
            true => SENTENCE_WORDS.contains(&t) && !DOMAIN_WORDS.contains(&t),
        };
        if sentence {
            return None;
        }
        after_at |= t == "at" || t.contains('@');
    }
    // The address ends with its top-level domain, one word (or spelled letters, "n e t") after a
    // "dot": words after it ("... dot com call me") are not part of it.
    let tokens: Vec<&str> = body.split_whitespace().collect();
    if let Some(last) = tokens.last()
        && !last.contains(['.', '@'])
    {
        let dot = tokens
            .iter()
            .rposition(|t| matches!(*t, "dot" | "period" | "point" | ".") || t.ends_with('.'));
        let tail = dot.map_or(&tokens[..], |d| &tokens[d + 1..]);
        let spelled = tail.iter().all(|t| t.chars().count() == 1);
        if dot.is_none() || (tail.len() > 1 && !spelled) {
            return None;
        }
    }
    if body.contains('@') {
        // Written, or half written ("sam@rivera studio dot com").
        let joined: String = body.split_whitespace().map(symbol).collect();
        return (joined.matches('@').count() == 1 && !joined.contains('\'')).then_some(joined);
    }
    let tokens: Vec<&str> = body.split_whitespace().collect();
    if tokens.iter().filter(|t| matches!(**t, "at" | "@")).count() != 1 {
        return None;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        // "s as in sam", "s for sam": the letter, told apart by a word.
        let next = tokens.get(i + 1).copied();
        if t.chars().count() == 1 && t.chars().all(char::is_alphabetic) {
            if next == Some("as") && tokens.get(i + 2) == Some(&"in") && i + 3 < tokens.len() {
                out.push_str(t);
                i += 4;
                continue;
            }
            if next == Some("for") && i + 2 < tokens.len() {
                out.push_str(t);
                i += 3;
                continue;
            }
        }
        let repeat = match t {
            "double" if matches!(next, Some("u" | "you")) => 1,
            "double" => 2,
            "triple" => 3,
            _ => 1,
        };
        if repeat > 1
            && let Some(next) = tokens.get(i + 1)
            && next.chars().count() == 1
        {
            out.push_str(&next.repeat(repeat));
            i += 2;
            continue;
        }
        // "double u" is the letter w, not "uu".
        if t == "double" && matches!(next, Some("u" | "you")) {
            out.push('w');
            i += 2;
            continue;
        }
        // "capital s": the case of a spelled letter, which addresses ignore; "capital one" is a
        // name.
        let casing = matches!(t, "capital" | "uppercase" | "lowercase" | "small");
        let letter_next =
            next.is_some_and(|n| n.chars().count() == 1 && n.chars().all(char::is_alphabetic));
        if !(casing && letter_next) {
            out.push_str(&symbol(t));
        }
        i += 1;
    }
    // An apostrophe is legal in an address but in speech-to-text output it is a contraction
    // ("m's"): never part of what was spelled.
    (!out.contains('\'')).then_some(out)
}

/// The words from the sentence that holds the "at" on. Speech-to-text ends a sentence with a full
/// stop, and a sentence before the address made only of a filler ("Okay. Sam at ...", "Sorry.")
/// is dropped. Any other sentence before it ("Jessica. Miller at ...", where the full stop may be
/// a spoken "dot", or "Sam Rivera. sam at ...") makes the answer ambiguous: refused. An initial's
/// full stop ("J. Smith") ends no sentence, and one after the "at" ("Gmail. Com.") is kept for
/// `symbol` to read as a dot.
fn from_the_address_sentence(text: &str) -> Option<String> {
    const FILLERS: &[&str] = &[
        "okay", "ok", "sorry", "so", "sure", "yes", "yeah", "right", "hi", "hello", "well",
        "alright", "thanks", "great", "um", "uh",
    ];
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let at = tokens.iter().position(|t| {
        let word = t.trim_end_matches(['.', '!', '?']);
        matches!(word, "at" | "@") || word.contains('@')
    });
    let Some(at) = at else {
        return Some(text.to_owned());
    };
    let mut start = 0;
    for (i, t) in tokens[..at].iter().enumerate() {
        let word = t.trim_end_matches(['.', '!', '?']);
        if t.ends_with(['.', '!', '?']) && word.chars().count() > 1 {
            let sentence = &tokens[start..=i];
            let filler = sentence
                .iter()
                .all(|w| FILLERS.contains(&w.trim_end_matches(['.', '!', '?'])));
            if !filler {
                return None;
            }
            start = i + 1;
        }
    }
    Some(tokens[start..].join(" "))
}

/// "bob nineteen eighty five" is "bob1985": number words as digits, in the name only (English:
/// an address is spelled in its own alphabet). In the domain they stay words ("four seasons" is
/// "fourseasons"): the read-back spells the domain, where "4seasons" would sound like the words.
fn digits_in_the_name(body: &str) -> String {
    match body.split_once(" at ") {
        Some((name, domain)) => format!("{} at {domain}", digits_for_words(name, "en")),
        None => body.to_owned(),
    }
}

/// A hesitation after the first word ("sam uh sammy at ...", "sam at yahoo, uh, gmail dot com")
/// is a caller changing their mind mid-address (speech-to-text's hesitations are dropped later,
/// so this reads the words as given).
fn hesitates(text: &str) -> bool {
    const HESITATION: &[&str] = &["um", "umm", "uh", "uhh", "er", "erm", "hmm", "ah"];
    text.to_lowercase()
        .split_whitespace()
        .skip(1)
        .any(|t| HESITATION.contains(&t.trim_matches(|c: char| !c.is_alphanumeric())))
}

/// A caller changing their mind mid-address, once lead-ins and closings are gone: a comma between
/// two words of the name ("sam, sammy at ...", "john smith, john at ..."; spelled letters "s, a,
/// m" are one name) or anywhere after the "at" ("sam at yahoo dot com, gmail dot com"), or a full
/// stop after the "at" followed by more than the last word ("gmail dot com. yahoo dot com.", but
/// not "Gmail. Com."). Which part stands cannot be known.
fn changes_mind(body: &str) -> bool {
    let tokens: Vec<&str> = body.split_whitespace().collect();
    let word = |t: &str| {
        t.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '\'')
            .to_owned()
    };
    let Some(at) = tokens.iter().position(|t| {
        let w = word(t);
        w == "at" || w.contains('@')
    }) else {
        return false;
    };
    let name_comma = tokens[..at].windows(2).any(|w| {
        w[0].ends_with(',') && word(w[0]).chars().count() > 1 && word(w[1]).chars().count() > 1
    });
    let after = &tokens[at..];
    let domain_comma = after.iter().any(|t| t.contains(','));
    let more_after_stop = after
        .iter()
        .position(|t| t.ends_with(['.', '!', '?']) && word(t).chars().count() > 1)
        .is_some_and(|i| after.len() > i + 2);
    name_comma || domain_comma || more_after_stop
}

/// One spoken token as it is written in an address.
fn symbol(token: &str) -> String {
    match token {
        "at" => "@".into(),
        "dot" | "period" | "point" => ".".into(),
        "underscore" => "_".into(),
        "dash" | "hyphen" => "-".into(),
        "plus" => "+".into(),
        other => {
            // "J. Smith": speech-to-text writes a spoken initial with a full stop.
            if let Some(letter) = other.strip_suffix('.')
                && letter.chars().count() == 1
            {
                return letter.into();
            }
            // "s-a-m": letters spelled with dashes between them.
            let parts: Vec<&str> = other.split('-').collect();
            if parts.len() > 1 && parts.iter().all(|p| p.chars().count() == 1) {
                return parts.concat();
            }
            other.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn spoken_addresses_are_joined() {
        for (said, address) in [
            ("sam at rivera studio dot com", "sam@riverastudio.com"),
            ("S A M at gmail dot com", "sam@gmail.com"),
            (
                "s-a-m dot rivera at outlook dot com",
                "sam.rivera@outlook.com",
            ),
            (
                "sam underscore lee at example dot co dot uk",
                "sam_lee@example.co.uk",
            ),
            (
                "it's sam dash lee at example dot com, thanks",
                "sam-lee@example.com",
            ),
            ("s a double m at mail dot com", "samm@mail.com"),
            ("sam two three at gmail dot com", "sam23@gmail.com"),
            ("Sam@RiveraStudio.com.", "sam@riverastudio.com"),
            ("tom at me dot com", "tom@me.com"),
            (
                "s as in sam, a, m for mary at gmail dot com",
                "sam@gmail.com",
            ),
            ("sam at gmail. com.", "sam@gmail.com"),
            ("Okay. Sam at gmail dot com.", "sam@gmail.com"),
            ("Sam at Gmail. Com. Okay.", "sam@gmail.com"),
            ("e d double u a r d at mail dot com", "edward@mail.com"),
            ("capital s a m at capital one dot com", "sam@capitalone.com"),
            ("info at four seasons dot com", "info@fourseasons.com"),
            ("sam at rivera studio.com", "sam@riverastudio.com"),
        ] {
            assert_eq!(read(said).as_deref(), Some(address), "{said:?}");
        }
    }

    #[test]
    fn sentences_and_second_ats_are_refused() {
        for said in [
            "my email is not sam at gmail dot com",
            "sam at gmail dot com or sam at work dot com",
            "i don't have one",
            "sam at gmail dot com and my name is sam",
            "sam at gmail dot com call me",
            "sam at gmail",
            "sam at yahoo, oops, gmail dot com",
            "sam at yahoo, scratch that, gmail dot com",
            "sam at yahoo, make that gmail dot com",
            "sam at yahoo, uh, gmail dot com",
            "sam, sam at gmail dot com",
            "Jessica. Miller at Gmail. Com.",
            "Sam Rivera. sam at gmail dot com",
            "Sam at gmail dot com. Sam at yahoo dot com.",
            "Work is sam at company dot com. Personal, sam at gmail dot com.",
            "sam uh sammy at gmail dot com",
            "sam, sammy at gmail dot com",
            "john smith, john at gmail dot com",
            "sam at gmail dot com, ah, dot net",
            "sam at yahoo dot com, gmail dot com",
            "sam at gmail dot com. yahoo dot com.",
            "sam at rivera studio dot com, no wait, dot net",
        ] {
            assert_eq!(read(said), None, "{said:?}");
        }
    }
}
