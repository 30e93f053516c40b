//! Knowledge documents out of files and web pages: each file type read (fixtures made by
//! `fixtures/knowledge/make_files.py` in the shapes real tools write), unreadable and oversized
//! files refused, and every refusal of a page import's address (literal, resolved, redirected),
//! size and time, against a local server.

use std::time::Duration;

use shared::domain::knowledge::document::SourceKind;
use shared::knowledge::extract::{ExtractError, MAX_FILE_BYTES, extract, kind_of};
use shared::knowledge::fetch::{FetchError, Importer};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/knowledge/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn assert_faq(text: &str) {
    for expected in [
        "Aurora Branding studio FAQ",
        "Free parking is behind the studio",
        "A logo design starts at 900 dollars",
        "Rush delivery in five working days",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_pdf_is_read_to_its_text() {
    let text = extract(SourceKind::Pdf, fixture("studio-faq.pdf"))
        .await
        .unwrap();
    assert_faq(&text);
}

#[tokio::test]
async fn a_docx_is_read_with_its_headings_as_markdown() {
    let text = extract(SourceKind::Docx, fixture("studio-faq.docx"))
        .await
        .unwrap();
    assert_faq(&text);
    assert!(text.starts_with("# Aurora Branding studio FAQ"), "{text}");
    assert!(text.contains("\n# Parking\n"), "{text}");
}

#[tokio::test]
async fn html_is_read_without_scripts_styles_or_navigation() {
    let text = extract(SourceKind::Html, fixture("studio-faq.html"))
        .await
        .unwrap();
    assert_faq(&text);
    assert!(text.contains("## Parking"), "{text}");
    for absent in ["tracking", "color:red", "Home", "Copyright"] {
        assert!(!text.contains(absent), "{absent:?} in:\n{text}");
    }
}

#[tokio::test]
async fn unreadable_files_are_refused_with_the_reason() {
    for (kind, bytes) in [
        (SourceKind::Pdf, fixture("damaged.pdf")),
        (SourceKind::Pdf, b"not a pdf at all".to_vec()),
        (SourceKind::Docx, b"PK\x03\x04 truncated".to_vec()),
        (SourceKind::Docx, fixture("studio-faq.pdf")),
        (SourceKind::Html, vec![0xff, 0xfe, 0x00, 0x41]),
    ] {
        let e = extract(kind, bytes).await.unwrap_err();
        assert!(
            matches!(e, ExtractError::Unreadable { .. }),
            "{kind:?}: {e:?}"
        );
    }
    // A file of no words (a scanned page's PDF would be the same).
    assert_eq!(
        extract(
            SourceKind::Html,
            b"<html><body><img src=x></body></html>".to_vec()
        )
        .await,
        Err(ExtractError::NoText)
    );
}

#[tokio::test]
async fn an_oversized_file_is_refused_before_it_is_parsed() {
    let e = extract(SourceKind::Pdf, vec![b'x'; MAX_FILE_BYTES + 1])
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ExtractError::TooLarge {
            size: MAX_FILE_BYTES + 1
        }
    );
}

#[test]
fn media_types_name_the_kinds() {
    assert_eq!(kind_of("application/pdf"), Some(SourceKind::Pdf));
    assert_eq!(kind_of("TEXT/HTML; charset=utf-8"), Some(SourceKind::Html));
    assert_eq!(
        kind_of("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        Some(SourceKind::Docx)
    );
    assert_eq!(kind_of("application/zip"), None);
}

/// A local page server reached as `docs.test` (the one name the test importer lets through).
async fn site() -> (MockServer, Importer, String) {
    let server = MockServer::start().await;
    let importer = Importer::with_test_host("docs.test", *server.address()).unwrap();
    let base = format!("http://docs.test:{}", server.address().port());
    (server, importer, base)
}

#[tokio::test]
async fn a_page_is_imported_through_its_redirects() {
    let (server, importer, base) = site().await;
    Mock::given(method("GET"))
        .and(path("/old"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/faq"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/faq"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html; charset=utf-8")
                .set_body_bytes(fixture("studio-faq.html")),
        )
        .mount(&server)
        .await;
    let page = importer.import(&format!("{base}/old")).await.unwrap();
    assert_eq!(page.url, format!("{base}/faq"));
    assert_faq(&page.text);
}

#[tokio::test]
async fn refused_addresses_are_never_requested() {
    let importer = Importer::new().unwrap();
    for (url, expected) in [
        ("ftp://example.com/faq", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://example.com/", "scheme"),
        ("http://admin:secret@example.com/", "credentials"),
        ("http://127.0.0.1:9/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.0.0.8/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fd12::1]/", "private (unique local)"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://100.64.1.1/", "shared (carrier-grade NAT)"),
        ("http://0.0.0.0/", "\"this network\""),
        // A name that resolves to loopback is refused by the resolver the connection uses.
        ("http://localhost:9/", "loopback"),
    ] {
        let e = importer.import(url).await.unwrap_err();
        let ok = match (&e, expected) {
            (FetchError::Scheme, "scheme") => true,
            (FetchError::Credentials, "credentials") => true,
            (FetchError::Refused { range, .. }, r) => *range == r,
            _ => false,
        };
        assert!(ok, "{url}: {e:?}");
    }
}

#[tokio::test]
async fn a_redirect_to_an_internal_address_is_refused() {
    let (server, importer, base) = site().await;
    for (from, to) in [
        ("/to-metadata", "http://169.254.169.254/latest/meta-data/"),
        ("/to-loopback", "http://127.0.0.1:9/admin"),
        ("/to-localhost", "http://localhost:9/admin"),
        ("/to-file", "file:///etc/passwd"),
    ] {
        Mock::given(method("GET"))
            .and(path(from))
            .respond_with(ResponseTemplate::new(302).insert_header("location", to))
            .mount(&server)
            .await;
        let e = importer.import(&format!("{base}{from}")).await.unwrap_err();
        assert!(
            matches!(e, FetchError::Refused { .. } | FetchError::Scheme),
            "{from}: {e:?}"
        );
    }
}

#[tokio::test]
async fn redirect_loops_oversized_and_slow_pages_are_refused() {
    let (server, mut importer, base) = site().await;
    Mock::given(method("GET"))
        .and(path("/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
        .mount(&server)
        .await;
    assert!(matches!(
        importer.import(&format!("{base}/loop")).await,
        Err(FetchError::TooManyRedirects)
    ));
    importer.max_bytes = 1_000;
    Mock::given(method("GET"))
        .and(path("/big"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string(format!("<p>{}</p>", "word ".repeat(1_000))),
        )
        .mount(&server)
        .await;
    assert!(matches!(
        importer.import(&format!("{base}/big")).await,
        Err(FetchError::TooLarge(1_000))
    ));
    importer.timeout = Duration::from_millis(300);
    Mock::given(method("GET"))
        .and(path("/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string("<p>late</p>")
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    assert!(matches!(
        importer.import(&format!("{base}/slow")).await,
        Err(FetchError::Timeout(_))
    ));
    Mock::given(method("GET"))
        .and(path("/image"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(vec![0u8; 10]),
        )
        .mount(&server)
        .await;
    assert!(matches!(
        importer.import(&format!("{base}/image")).await,
        Err(FetchError::NotAPage(_))
    ));
}
