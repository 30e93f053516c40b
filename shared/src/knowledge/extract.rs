//! A document's text out of an uploaded file: PDF (`pdf-extract`, on `lopdf`), DOCX (its
//! `word/document.xml` read with `zip` and `quick-xml`: paragraphs, with Word's heading styles as
//! markdown headings) and HTML (`htmd`, to markdown, without scripts, styles and navigation).
//! Every parser gets a bounded input and runs off the async threads; a file it cannot read, or
//! one with no text (a scanned PDF), is a clear refusal, never a crash.

use std::io::Read;

use crate::domain::knowledge::document::{MAX_BODY_CHARS, SourceKind, normalise_text};

/// The largest file accepted: API Gateway and Lambda carry 6 MB, and a binary body arrives
/// base64-encoded (4/3 larger).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// The most a DOCX's document part may inflate to (a zip bomb stops here).
const MAX_DOCX_XML_BYTES: u64 = 32 * 1024 * 1024;
/// The most a PDF's streams may decode to in all (a stream decoded twice counts twice), and one
/// stream's filter alone: past either, a compression bomb stops (lopdf's decode budget, our patch
/// in vendor/lopdf). A page's content is parsed whole into operations many times its size (up to
/// hundreds of times for hostile content, which the reader's process bounds), so the per-stream
/// bound is the tighter.
const MAX_PDF_DECODED_BYTES: usize = 64 * 1024 * 1024;
const MAX_PDF_STREAM_BYTES: usize = 16 * 1024 * 1024;
/// What reading one PDF may take, in its own process (`isolate`): pdf-extract and lopdf have
/// more ways to allocate, recurse and loop without bound than any budget inside them can catch.
/// The functions that read files have 512 MB; the bench's 50-page PDF is read in 60-84 ms, its
/// reader peaking at 4 MiB.
const PDF_READER: super::isolate::Limits = super::isolate::Limits {
    extra_memory_bytes: 256 * 1024 * 1024,
    time: std::time::Duration::from_secs(10),
    max_output_bytes: 16 * 1024 * 1024,
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("the file is {size} bytes; the limit is {MAX_FILE_BYTES}")]
    TooLarge { size: usize },
    #[error("the file could not be read as {kind}: {reason}")]
    Unreadable { kind: &'static str, reason: String },
    #[error("the file has no text to index (a scanned PDF needs text recognition first)")]
    NoText,
    #[error("the file's text is {chars} characters; the limit is {MAX_BODY_CHARS}")]
    TooLong { chars: usize },
}

/// The kind of a file from its media type; `None` for a type not accepted.
pub fn kind_of(content_type: &str) -> Option<SourceKind> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/pdf" => Some(SourceKind::Pdf),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            Some(SourceKind::Docx)
        }
        "text/html" | "application/xhtml+xml" => Some(SourceKind::Html),
        "text/markdown" => Some(SourceKind::Markdown),
        "text/plain" => Some(SourceKind::Text),
        _ => None,
    }
}

/// The media types `kind_of` accepts, for error messages and the API document.
pub const ACCEPTED_TYPES: &str = "application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, text/html, text/markdown, text/plain";

/// The text of a file of `kind`, normalised, ready to be a document's body. CPU-bound: runs on
/// the blocking pool.
pub async fn extract(kind: SourceKind, bytes: Vec<u8>) -> Result<String, ExtractError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ExtractError::TooLarge { size: bytes.len() });
    }
    tokio::task::spawn_blocking(move || extract_now(kind, &bytes))
        .await
        .unwrap_or_else(|e| {
            Err(ExtractError::Unreadable {
                kind: "a document",
                reason: format!("the parser stopped: {e}"),
            })
        })
}

fn extract_now(kind: SourceKind, bytes: &[u8]) -> Result<String, ExtractError> {
    let raw = match kind {
        SourceKind::Pdf => pdf_text(bytes)?,
        SourceKind::Docx => docx_text(bytes)?,
        SourceKind::Html | SourceKind::Url => html_text(&utf8(bytes, "HTML")?)?,
        SourceKind::Text | SourceKind::Markdown => utf8(bytes, "text")?,
    };
    checked_body(&raw)
}

/// A body as stored: normalised, with words, within the limit.
pub fn checked_body(raw: &str) -> Result<String, ExtractError> {
    let text = normalise_text(raw);
    if !text.chars().any(char::is_alphanumeric) {
        return Err(ExtractError::NoText);
    }
    let chars = text.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(ExtractError::TooLong { chars });
    }
    Ok(text)
}

fn utf8(bytes: &[u8], kind: &'static str) -> Result<String, ExtractError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| ExtractError::Unreadable {
        kind,
        reason: format!("it is not UTF-8 text ({e})"),
    })
}

fn pdf_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let unreadable = |reason: String| ExtractError::Unreadable {
        kind: "PDF",
        reason,
    };
    if !bytes.starts_with(b"%PDF-") {
        return Err(unreadable("it does not start with a PDF header".into()));
    }
    // The child answers `T` and the text, or `E` and the reason it was refused.
    let answer = super::isolate::run_isolated(PDF_READER, || match pdf_text_here(bytes) {
        Ok(text) => [b"T", text.as_bytes()].concat(),
        Err(reason) => [b"E", reason.as_bytes()].concat(),
    })
    .map_err(|e| unreadable(e.to_string()))?;
    match answer.split_first() {
        Some((b'T', text)) => Ok(String::from_utf8_lossy(text).into_owned()),
        Some((_, reason)) => Err(unreadable(String::from_utf8_lossy(reason).into_owned())),
        None => Err(unreadable("the reader gave no answer".into())),
    }
}

/// The text of a PDF, or why it was refused; run in the reader's own process.
fn pdf_text_here(bytes: &[u8]) -> Result<String, String> {
    // pdf-extract panics on some malformed files instead of returning an error; the panic is
    // contained here and becomes the same refusal.
    let bytes = bytes.to_vec();
    let (extracted, exhausted) =
        lopdf::with_decode_budget(MAX_PDF_DECODED_BYTES, MAX_PDF_STREAM_BYTES, || {
            std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&bytes))
        });
    // pdf-extract skips some streams that fail to decode, so a refused decode is looked for here
    // rather than in its result.
    if exhausted {
        return Err(format!(
            "its compressed streams expand past {} MiB in all or {} MiB in one",
            MAX_PDF_DECODED_BYTES >> 20,
            MAX_PDF_STREAM_BYTES >> 20
        ));
    }
    match extracted {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("its structure is damaged".into()),
    }
}

fn docx_text(bytes: &[u8]) -> Result<String, ExtractError> {
    use quick_xml::events::Event;
    let unreadable = |reason: String| ExtractError::Unreadable {
        kind: "DOCX",
        reason,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(format!("it is not a DOCX (zip) file: {e}")))?;
    let part = archive
        .by_name("word/document.xml")
        .map_err(|_| unreadable("it has no word/document.xml".into()))?;
    let mut xml = String::new();
    part.take(MAX_DOCX_XML_BYTES + 1)
        .read_to_string(&mut xml)
        .map_err(|e| unreadable(format!("its document part is damaged: {e}")))?;
    if xml.len() as u64 > MAX_DOCX_XML_BYTES {
        return Err(unreadable("its document part is too large".into()));
    }
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut paragraph = String::new();
    let mut heading: Option<usize> = None;
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Err(e) => return Err(unreadable(format!("its XML is damaged: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"t" => in_text = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == b"t" => in_text = false,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"pStyle" => {
                    let style = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"val")
                        .map(|a| String::from_utf8_lossy(&a.value).to_ascii_lowercase());
                    heading = style.as_deref().and_then(heading_level);
                }
                b"tab" => paragraph.push('\t'),
                b"br" | b"cr" => paragraph.push('\n'),
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => {
                let text = t
                    .xml10_content()
                    .map_err(|e| unreadable(format!("its text is damaged: {e}")))?;
                paragraph.push_str(&text);
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == b"p" => {
                let text = paragraph.trim();
                if !text.is_empty() {
                    if let Some(level) = heading {
                        out.push_str(&"#".repeat(level));
                        out.push(' ');
                    }
                    out.push_str(text);
                    out.push_str("\n\n");
                }
                paragraph.clear();
                heading = None;
            }
            Ok(_) => {}
        }
    }
    Ok(out)
}

/// Word's built-in heading styles ("Title", "Heading1".."Heading6", localised ids aside).
fn heading_level(style: &str) -> Option<usize> {
    if style == "title" {
        return Some(1);
    }
    let n: usize = style.strip_prefix("heading")?.trim().parse().ok()?;
    (1..=6).contains(&n).then_some(n)
}

/// Elements nested deeper than this are refused: `htmd` walks the tree recursively, and a page of
/// a million nested `<div>`s would overflow any stack (real pages stay under a hundred).
pub const MAX_HTML_DEPTH: usize = 512;
/// The converter's own thread's stack: ample for `MAX_HTML_DEPTH` levels of its recursion.
const HTML_STACK_BYTES: usize = 32 * 1024 * 1024;

fn html_text(html: &str) -> Result<String, ExtractError> {
    let html = html.to_owned();
    std::thread::Builder::new()
        .name("html-to-markdown".into())
        .stack_size(HTML_STACK_BYTES)
        .spawn(move || convert_html(&html))
        .and_then(|t| {
            t.join()
                .map_err(|_| std::io::Error::other("the converter stopped"))
        })
        .unwrap_or_else(|e| {
            Err(ExtractError::Unreadable {
                kind: "HTML",
                reason: e.to_string(),
            })
        })
}

fn convert_html(html: &str) -> Result<String, ExtractError> {
    let tree = super::html::parse_bounded(html, MAX_HTML_DEPTH).map_err(|too_deep| {
        ExtractError::Unreadable {
            kind: "HTML",
            reason: format!(
                "its elements are nested more than {} deep",
                too_deep.max_depth
            ),
        }
    })?;
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec![
            "script", "style", "noscript", "template", "iframe", "svg", "canvas", "nav", "footer",
            "form", "button", "head", "img",
        ])
        .build();
    Ok(converter.tree_to_markdown(&tree))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_nested_past_the_bound_is_refused_and_one_within_it_converts() {
        for deep in ["<div>".repeat(MAX_HTML_DEPTH + 1), "<div/>".repeat(60_000)] {
            assert!(matches!(
                html_text(&deep),
                Err(ExtractError::Unreadable { kind: "HTML", reason }) if reason.contains("nested")
            ));
        }
        // Within the limit, a deep page converts on the converter's own stack.
        let fine = format!(
            "{}text{}",
            "<div>".repeat(MAX_HTML_DEPTH - 8),
            "</div>".repeat(MAX_HTML_DEPTH - 8)
        );
        assert_eq!(html_text(&fine).unwrap().trim(), "text");
    }
}
