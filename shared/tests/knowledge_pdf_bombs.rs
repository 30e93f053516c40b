//! A PDF whose streams decode to far more than the file is refused with a clear reason, within
//! the decode budget (lopdf's, our patch in vendor/lopdf), instead of exhausting the function's
//! memory: a Flate bomb, an LZW bomb, many streams each within the per-stream bound, and a
//! predictor row the file declares huge. Files that make the parsers allocate by a number they
//! declare, past any budget inside them, end the reader's own process (`knowledge::isolate`) and
//! are refused the same way, while this process goes on. An ordinary compressed page still reads.

use std::io::Write;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use shared::domain::knowledge::document::SourceKind;
use shared::knowledge::extract::{ExtractError, extract};

const MIB: usize = 1024 * 1024;

/// `len` bytes of spaces (harmless in a content stream), zlib-compressed.
fn flate_of_spaces(len: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![b' '; MIB];
    for _ in 0..len / MIB {
        encoder.write_all(&chunk).unwrap();
    }
    encoder.finish().unwrap()
}

/// A page content that shows `text`.
fn text_content(text: &str) -> Vec<u8> {
    Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![72.into(), 712.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ],
    }
    .encode()
    .unwrap()
}

/// The font every page shows its text in.
fn helvetica() -> Dictionary {
    dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" }
}

/// A PDF of one page per stream, each page's content that stream, written by lopdf.
fn pdf_of_pages(contents: Vec<Stream>) -> Vec<u8> {
    pdf_with_font(contents, |_| helvetica())
}

/// `pdf_of_pages` with the font `font` makes (it may add objects it refers to).
fn pdf_with_font(contents: Vec<Stream>, font: impl FnOnce(&mut Document) -> Dictionary) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = font(&mut doc);
    let font_id = doc.add_object(font);
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for content in contents {
        let content_id = doc.add_object(content);
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        })));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

fn flate_stream(content: Vec<u8>) -> Stream {
    Stream::new(dictionary! { "Filter" => "FlateDecode" }, content).with_compression(false)
}

async fn assert_refused_as_bomb(pdf: Vec<u8>) {
    assert!(
        pdf.len() < 4 * MIB,
        "the bomb itself is within the file limit"
    );
    let reason = assert_refused(pdf).await;
    assert!(reason.contains("expand past"), "{reason}");
}

#[tokio::test]
async fn an_ordinary_compressed_page_reads() {
    let mut page = text_content("Free parking is behind the studio");
    let mut compressed = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    compressed.write_all(&page).unwrap();
    page = compressed.finish().unwrap();
    let text = extract(SourceKind::Pdf, pdf_of_pages(vec![flate_stream(page)]))
        .await
        .unwrap();
    assert!(text.contains("Free parking is behind the studio"), "{text}");
}

#[tokio::test]
async fn a_flate_bomb_is_refused() {
    // 100 MiB of spaces in about 100 KiB, after a page of real text: lopdf would inflate all of it.
    let mut content = text_content("Our prices");
    content.extend(vec![b' '; 16]);
    let bomb = flate_of_spaces(100 * MIB);
    assert_refused_as_bomb(pdf_of_pages(vec![
        flate_stream(content),
        flate_stream(bomb),
    ]))
    .await;
}

#[tokio::test]
async fn an_lzw_bomb_is_refused() {
    let mut encoded = Vec::new();
    let spaces = vec![b' '; 40 * MIB];
    weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
        .into_stream(&mut encoded)
        .encode_all(spaces.as_slice())
        .status
        .unwrap();
    let stream =
        Stream::new(dictionary! { "Filter" => "LZWDecode" }, encoded).with_compression(false);
    assert_refused_as_bomb(pdf_of_pages(vec![stream])).await;
}

#[tokio::test]
async fn streams_each_within_their_bound_are_counted_together() {
    // Eight pages of 12 MiB each: every one under the per-stream bound, 96 MiB in all.
    let pages = (0..8)
        .map(|_| flate_stream(flate_of_spaces(12 * MIB)))
        .collect();
    assert_refused_as_bomb(pdf_of_pages(pages)).await;
}

#[tokio::test]
async fn a_predictor_row_declared_huge_is_refused_before_it_is_allocated() {
    // A few bytes of data whose parameters ask for two rows of 4 GB each.
    let mut compressed = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    compressed.write_all(&[2, 0, 0, 0]).unwrap();
    let stream = Stream::new(
        dictionary! {
            "Filter" => "FlateDecode",
            "DecodeParms" => dictionary! { "Predictor" => 12, "Columns" => 4_000_000_000_i64 },
        },
        compressed.finish().unwrap(),
    )
    .with_compression(false);
    assert_refused_as_bomb(pdf_of_pages(vec![stream])).await;
}

/// A reply that is a refusal, not a crash of this process (which would end the test binary).
async fn assert_refused(pdf: Vec<u8>) -> String {
    match extract(SourceKind::Pdf, pdf).await {
        Err(ExtractError::Unreadable {
            kind: "PDF",
            reason,
        }) => reason,
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test]
async fn a_character_map_range_of_four_billion_codes_ends_the_reader_not_the_process() {
    // pdf-extract expands a ToUnicode range into one map entry per code.
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
        1 begincodespacerange <00> <FF> endcodespacerange\n\
        1 beginbfrange <00000000> <FFFFFFFF> <00000041> endbfrange\n\
        endcmap end end\n";
    let page = Stream::new(dictionary! {}, text_content("A"));
    let pdf = pdf_with_font(vec![page], |doc| {
        let mut font = helvetica();
        font.set(
            "ToUnicode",
            doc.add_object(Stream::new(dictionary! {}, cmap.to_vec())),
        );
        font
    });
    let reason = assert_refused(pdf).await;
    assert!(
        reason.contains("memory") || reason.contains("longer"),
        "{reason}"
    );
}

#[tokio::test]
async fn an_xref_stream_of_zero_width_entries_ends_the_reader_not_the_process() {
    // 150 bytes: with /W [0 0 0] no entry consumes data, and lopdf makes one per index, 2^32.
    let mut pdf = b"%PDF-1.5\n".to_vec();
    let offset = pdf.len();
    pdf.extend_from_slice(
        b"1 0 obj\n<< /Type /XRef /W [0 0 0] /Index [0 4294967295] /Size 4294967295 /Length 0 >>\n\
          stream\n\nendstream\nendobj\n",
    );
    pdf.extend_from_slice(format!("startxref\n{offset}\n%%EOF\n").as_bytes());
    let reason = assert_refused(pdf).await;
    assert!(
        reason.contains("memory") || reason.contains("longer"),
        "{reason}"
    );
}
