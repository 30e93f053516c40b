//! What a knowledge document is: where its text came from, who may hear it, and where its
//! indexing stands. Limits are here once; the schema's checks repeat them as the last line.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest text a document may hold once extracted (a 300-page manual is about 600,000).
pub const MAX_BODY_CHARS: usize = 1_000_000;
/// The always-known FAQ that goes into every call's prompt.
pub const MAX_FAQ_CHARS: usize = 2_000;

/// Where a document's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Typed or pasted, kept as written.
    Text,
    /// Typed or pasted markdown: its headings become the passages' headings.
    Markdown,
    Pdf,
    Docx,
    Html,
    /// A web page imported by its address.
    Url,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Text => "text",
            SourceKind::Markdown => "markdown",
            SourceKind::Pdf => "pdf",
            SourceKind::Docx => "docx",
            SourceKind::Html => "html",
            SourceKind::Url => "url",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        [
            SourceKind::Text,
            SourceKind::Markdown,
            SourceKind::Pdf,
            SourceKind::Docx,
            SourceKind::Html,
            SourceKind::Url,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where a document's indexing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Waiting for the ingestion worker (a replaced document still answers from its last
    /// version until the new one is indexed).
    Processing,
    Ready,
    /// Could not be indexed; `failure_reason` says why.
    Failed,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Processing => "processing",
            DocumentStatus::Ready => "ready",
            DocumentStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentStatus> {
        [
            DocumentStatus::Processing,
            DocumentStatus::Ready,
            DocumentStatus::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A text with its words kept and its layout normalised: line endings, NULs (Postgres refuses
/// them), trailing spaces and runs of blank lines (what PDF extraction leaves) collapsed.
pub fn normalise_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_lines = 0;
    for line in text.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let line = line.replace('\0', "");
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_lines += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
        }
        blank_lines = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip_their_names() {
        for kind in ["text", "markdown", "pdf", "docx", "html", "url"] {
            assert_eq!(SourceKind::parse(kind).unwrap().as_str(), kind);
        }
        for status in ["processing", "ready", "failed"] {
            assert_eq!(DocumentStatus::parse(status).unwrap().as_str(), status);
        }
        assert_eq!(SourceKind::parse("exe"), None);
    }

    #[test]
    fn text_is_normalised_without_losing_words() {
        assert_eq!(
            normalise_text("Parking\r\n\r\n\r\n\r\nBehind the  studio.  \n\0Free.\n\n"),
            "Parking\n\nBehind the  studio.\nFree."
        );
        assert_eq!(normalise_text(" \n\n "), "");
    }
}
