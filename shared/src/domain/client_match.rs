//! The rule that links a project from a PM tool to a client without an admin: the project's name
//! mentions the client's company as whole words. Names are compared normalised (case, accents and
//! punctuation ignored, `&` read as "and", a trailing legal form such as "LLC" dropped), because
//! people write "Whitfield Bakery" for "Whitfield Bakery, LLC". A substring is not a mention ("Art"
//! is not in "Smart Home Rebrand"), and a project that mentions two clients' companies is linked to
//! neither: guessing would show one client another's project.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words that end a company's name without naming it.
const LEGAL_FORMS: &[&str] = &[
    "llc",
    "llp",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "sarl",
    "srl",
    "bv",
    "nv",
    "pty",
    "pc",
    "pllc",
    "lp",
];

/// A company name shorter than this (letters and digits) is too likely to be an ordinary word.
pub const MIN_COMPANY_CHARS: usize = 3;

/// The name as lowercase words without accents or punctuation; `&` is the word "and".
pub fn words(name: &str) -> Vec<String> {
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for c in folded.chars() {
        if c.is_alphanumeric() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c == '&' {
            words.push("and".to_owned());
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The words a company is recognised by: its name's words without a trailing legal form; none
/// when what is left is too short to recognise.
pub fn company_words(company: &str) -> Vec<String> {
    let mut w = words(company);
    while w.len() > 1 && w.last().is_some_and(|l| LEGAL_FORMS.contains(&l.as_str())) {
        w.pop();
    }
    if w.iter().map(|x| x.chars().count()).sum::<usize>() < MIN_COMPANY_CHARS {
        return Vec::new();
    }
    w
}

/// Whether the project's words contain the company's words, in order and side by side.
fn mentions(project: &[String], company: &[String]) -> bool {
    !company.is_empty() && project.windows(company.len()).any(|w| w == company)
}

/// The one client whose company the project's name mentions; none when no client's or more than
/// one client's company is mentioned. `clients` are (key, company name).
pub fn client_for_project<K: Copy + PartialEq>(
    project_name: &str,
    clients: &[(K, Vec<String>)],
) -> Option<K> {
    let project = words(project_name);
    let mut found: Option<K> = None;
    for (key, company) in clients {
        if mentions(&project, company) {
            match found {
                Some(k) if k != *key => return None,
                _ => found = Some(*key),
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clients(names: &[&str]) -> Vec<(usize, Vec<String>)> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (i, company_words(n)))
            .collect()
    }

    #[test]
    fn a_substring_is_not_a_mention() {
        let c = clients(&["Art"]);
        assert_eq!(client_for_project("Smart Home Rebrand", &c), None);
        assert_eq!(client_for_project("Art gallery signage", &c), Some(0));
        assert_eq!(client_for_project("Partners in art", &c), Some(0));
    }

    #[test]
    fn names_are_compared_normalised() {
        let c = clients(&["Whitfield Bakery, LLC", "Café Rivera", "Smith & Sons Inc."]);
        assert_eq!(client_for_project("WHITFIELD-BAKERY rebrand", &c), Some(0));
        assert_eq!(client_for_project("cafe rivera menu", &c), Some(1));
        assert_eq!(client_for_project("Smith and Sons: kitchen", &c), Some(2));
        assert_eq!(
            client_for_project("Whitfield rebrand", &c),
            None,
            "the whole name"
        );
        assert_eq!(client_for_project("Bakery Whitfield", &c), None, "in order");
    }

    #[test]
    fn a_project_that_mentions_two_clients_links_to_none() {
        let c = clients(&["Whitfield Bakery", "Lee Design"]);
        assert_eq!(
            client_for_project("Whitfield Bakery x Lee Design collab", &c),
            None
        );
        // Two clients with the same company are one company mentioned twice: still ambiguous.
        let c = vec![(1, company_words("Acme")), (2, company_words("ACME"))];
        assert_eq!(client_for_project("Acme site", &c), None);
    }

    #[test]
    fn short_or_legal_form_only_companies_are_not_recognised() {
        assert!(company_words("AB").is_empty());
        assert!(company_words("  ").is_empty());
        assert!(
            company_words("Co").is_empty(),
            "a legal form alone is too short"
        );
        assert_eq!(company_words("Acme Co."), vec!["acme"]);
        assert_eq!(
            company_words("Limited"),
            vec!["limited"],
            "a legal form alone is the name"
        );
        assert!(
            company_words("A & B").len() == 3,
            "a & b is three words, five characters"
        );
    }
}
