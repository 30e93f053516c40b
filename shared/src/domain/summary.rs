//! The last-resort call summary, built from the transcript alone, so every call log has one even
//! when neither ElevenLabs' analysis nor the language model produced it.

const MAX_CHARS: usize = 400;

/// `turns` are (role, text) in call order; `role` is ElevenLabs' `user` or `agent`.
pub fn extractive_summary<'a>(
    turns: impl IntoIterator<Item = (&'a str, &'a str)>,
    duration_secs: Option<i64>,
) -> String {
    let said: Vec<&str> = turns
        .into_iter()
        .filter(|(role, text)| *role == "user" && text.split_whitespace().count() >= 3)
        .map(|(_, text)| text.trim())
        .take(3)
        .collect();
    let length = match duration_secs {
        Some(s) if s >= 60 => format!(" ({} min {} s call)", s / 60, s % 60),
        Some(s) => format!(" ({s} s call)"),
        None => String::new(),
    };
    if said.is_empty() {
        return format!("No caller statement was captured{length}.");
    }
    let quoted = crate::domain::text::truncate_words(&said.join(" "), MAX_CHARS);
    format!("Caller said: \"{quoted}\"{length}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_the_callers_first_statements() {
        let s = extractive_summary(
            [
                ("agent", "Hello, Aurora Branding, how can I help?"),
                ("user", "Hi"),
                ("user", "I need a new logo for my bakery."),
                ("agent", "Sure."),
                ("user", "We open in March so it is urgent."),
            ],
            Some(125),
        );
        assert_eq!(
            s,
            "Caller said: \"I need a new logo for my bakery. We open in March so it is urgent.\" (2 min 5 s call)."
        );
    }

    #[test]
    fn silent_calls_and_long_statements() {
        assert_eq!(
            extractive_summary([("agent", "Hello?")], Some(9)),
            "No caller statement was captured (9 s call)."
        );
        let long = "word ".repeat(200);
        let s = extractive_summary([("user", long.as_str())], None);
        assert!(s.chars().count() < MAX_CHARS + 20);
        assert!(s.ends_with("…\"."));
    }
}
