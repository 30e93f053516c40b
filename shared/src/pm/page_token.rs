//! Our page tokens around the vendors' own: a listing that takes several invocations carries, with
//! the vendor's token, what its first page fixed (Jira: the incremental window, because a
//! `nextPageToken` belongs to its exact query, which must not drift as minutes pass; monday: when
//! the first page was served, because its cursor lives 60 minutes). The vendor's token passes
//! through untouched, whatever it holds.

use chrono::{DateTime, Utc};

/// Jira: `<window minutes>|<nextPageToken>` (no window: `|<token>`).
pub fn windowed(window: Option<i64>, next: &str) -> String {
    format!(
        "{}|{next}",
        window.map(|m| m.to_string()).unwrap_or_default()
    )
}

/// The window and Jira's token; a token without our prefix is Jira's alone.
pub fn read_windowed(token: &str) -> (Option<i64>, &str) {
    match token.split_once('|') {
        Some((window, next)) => (window.parse().ok(), next),
        None => (None, token),
    }
}

/// monday: `<first page unix seconds>:<cursor>`.
pub fn stamped(first_page_at: DateTime<Utc>, cursor: &str) -> String {
    format!("{}:{cursor}", first_page_at.timestamp())
}

/// When the first page was served and monday's cursor; `None` for a token we did not make.
pub fn read_stamped(token: &str) -> Option<(DateTime<Utc>, &str)> {
    let (at, cursor) = token.split_once(':')?;
    Some((DateTime::from_timestamp(at.parse().ok()?, 0)?, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendor_token_passes_through_untouched() {
        assert_eq!(
            read_windowed(&windowed(Some(62), "ab|c")),
            (Some(62), "ab|c")
        );
        assert_eq!(read_windowed(&windowed(None, "tok")), (None, "tok"));
        let at = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        assert_eq!(
            read_stamped(&stamped(at, "MSw1MDA:abc")),
            Some((at, "MSw1MDA:abc"))
        );
        assert_eq!(read_stamped("garbage"), None);
    }
}
