//! Characters no stored text may hold. Postgres refuses NUL in `text` and `\u0000` in `jsonb`
//! (a request carrying one used to reach the database and fail there, a 500); the other C0
//! controls and DEL have no place in a name, a note or a prompt either and only hide text from
//! whoever reads it. Tab, line feed and carriage return stay: notes and prompts have lines.
//! Input from people (bodies, query strings) holding one is refused with the field named; text
//! from a vendor that already signed or served it is kept, less these characters, so a stray NUL
//! in a transcript cannot make its call fail forever. And text cut to a length at a word.

use serde_json::Value;

/// `text` if it has at most `max` characters, else its first `max` cut at the last space, with an
/// ellipsis.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
    format!("{cut}…")
}

pub fn is_forbidden(c: char) -> bool {
    (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

/// The first forbidden character in `text`.
pub fn forbidden_in(text: &str) -> Option<char> {
    text.chars().find(|c| is_forbidden(*c))
}

/// Whether a JSON text may hold a forbidden character: an escape `\u00..` or `\u007f`, `\b`,
/// `\f`, or a raw DEL (raw C0 bytes are not JSON at all). A cheap scan, so that a body without
/// any (nearly every one) is never walked; a `true` may be a false alarm (`\u00e9` is é).
pub fn may_hold_forbidden(json: &[u8]) -> bool {
    json.contains(&0x7f)
        || json
            .windows(2)
            .any(|w| w[0] == b'\\' && matches!(w[1], b'u' | b'U' | b'b' | b'f'))
}

/// The path (`phone_numbers[1].label`, `body` for the root) and character of the first string,
/// object key included, in `value` that holds a forbidden character.
pub fn find_forbidden(value: &Value) -> Option<(String, char)> {
    fn walk(value: &Value, path: &mut String) -> Option<char> {
        match value {
            Value::String(s) => forbidden_in(s),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                if found.is_none() {
                    path.truncate(len);
                }
                found
            }),
            Value::Object(fields) => fields.iter().find_map(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let found = forbidden_in(key).or_else(|| walk(item, path));
                if found.is_none() {
                    path.truncate(len);
                }
                found
            }),
            _ => None,
        }
    }
    let mut path = String::new();
    let c = walk(value, &mut path)?;
    Some((if path.is_empty() { "body".into() } else { path }, c))
}

/// Removes every forbidden character from every string and key in `value`; how many it removed.
pub fn strip_forbidden(value: &mut Value) -> usize {
    fn clean(s: &mut String) -> usize {
        let before = s.len();
        if forbidden_in(s).is_some() {
            s.retain(|c| !is_forbidden(c));
        }
        before - s.len()
    }
    match value {
        Value::String(s) => clean(s),
        Value::Array(items) => items.iter_mut().map(strip_forbidden).sum(),
        Value::Object(fields) => {
            let mut removed = 0;
            if fields.keys().any(|k| forbidden_in(k).is_some()) {
                let old = std::mem::take(fields);
                for (mut key, item) in old {
                    removed += clean(&mut key);
                    fields.insert(key, item);
                }
            }
            removed + fields.values_mut().map(strip_forbidden).sum::<usize>()
        }
        _ => 0,
    }
}

/// Parses JSON a vendor signed or served, less the forbidden characters (`strip_forbidden`); a body
/// without any takes the direct parse.
pub fn parse_vendor_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    if !may_hold_forbidden(bytes) {
        return serde_json::from_slice(bytes);
    }
    let mut value: Value = serde_json::from_slice(bytes)?;
    strip_forbidden(&mut value);
    serde_json::from_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_found_with_their_path_and_lines_are_not() {
        let body = json!({"name": "Dana", "notes": "line one\nline two\ttab\r",
                          "phone_numbers": [{"label": "ok"}, {"label": "a\u{0}b"}]});
        assert_eq!(
            find_forbidden(&body),
            Some(("phone_numbers[1].label".into(), '\0'))
        );
        assert_eq!(
            find_forbidden(&json!({"a": "x\u{7f}"})),
            Some(("a".into(), '\u{7f}'))
        );
        assert_eq!(
            find_forbidden(&json!({"k\u{1b}": 1})),
            Some(("k\u{1b}".into(), '\u{1b}'))
        );
        assert_eq!(
            find_forbidden(&json!("\u{8}")),
            Some(("body".into(), '\u{8}'))
        );
        assert_eq!(find_forbidden(&json!({"notes": "é ✓ \n"})), None);
    }

    #[test]
    fn the_scan_never_misses_what_the_walk_finds() {
        for text in ["a\u{0}", "\u{1f}", "\u{7f}", "\u{8}", "\u{c}", "\u{1}x"] {
            let json = serde_json::to_vec(&json!({ "f": text })).unwrap();
            assert!(may_hold_forbidden(&json), "{text:?}");
        }
        assert!(!may_hold_forbidden(
            br#"{"name":"Dana \"D\" Whitfield","n":"a\nb"}"#
        ));
    }

    #[test]
    fn vendor_text_is_kept_less_the_characters() {
        let mut event = json!({"transcript": [{"message": "hi\u{0} there\n"}], "k\u{0}": "v"});
        assert_eq!(strip_forbidden(&mut event), 2);
        assert_eq!(
            event,
            json!({"transcript": [{"message": "hi there\n"}], "k": "v"})
        );
    }
}
