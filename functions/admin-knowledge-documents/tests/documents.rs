//! Adding knowledge documents through the route: typed markdown, each file type, a page; every
//! bad input a 4xx naming its field (never a 500, never a half-saved document); members and other
//! businesses refused; the indexing job queued.

use http::Method;
use serde_json::{Value, json};
use shared::admin::knowledge::KnowledgeState;
use shared::jobs::JobQueue;
use shared::knowledge::KnowledgeJob;
use shared::knowledge::fetch::Importer;
use shared::testing::admin::*;
use sqlx::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Harness {
    state: KnowledgeState,
    aws: shared::aws::AwsClients,
    queue_url: String,
}

async fn harness(pool: &PgPool, importer: Importer) -> Harness {
    let admin = setup(pool).await;
    let aws = shared::testing::aws().await;
    let queue_url = shared::testing::fresh_queue(&aws, "knowledge").await;
    Harness {
        state: KnowledgeState {
            admin,
            queue: JobQueue::new(aws.sqs.clone(), &queue_url),
            importer,
        },
        aws,
        queue_url,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../shared/tests/fixtures/knowledge/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn post(h: &Harness, c: Call) -> (u16, Value) {
    c.business(A)
        .send(|r| admin_knowledge_documents::handle(&h.state, r))
        .await
}

/// Documents added by the test (the fixtures' tenants have one each).
async fn documents(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM knowledge_documents WHERE id::text NOT LIKE '90000000-%'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Media types are case-insensitive: a JSON body sent as `Application/JSON` is still JSON.
#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_json_body_is_json_whatever_the_case_of_its_media_type(pool: PgPool) {
    let h = harness(&pool, Importer::new().unwrap()).await;
    let json = json!({"title": "FAQ", "body": "Free parking behind the studio."});
    let (status, body) = post(
        &h,
        call(Method::POST).token(&owner_a()).file(
            "Application/JSON; charset=UTF-8",
            json.to_string().into_bytes(),
        ),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["source_kind"], "markdown");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn typed_markdown_is_saved_processing_and_queued(pool: PgPool) {
    let h = harness(&pool, Importer::new().unwrap()).await;
    let (status, body) = post(
        &h,
        call(Method::POST).token(&owner_a()).body(json!({
            "title": " Studio FAQ ",
            "body": "# Parking\n\nFree parking behind the studio.",
            "client_id": A_CLIENT,
        })),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["title"], "Studio FAQ");
    assert_eq!(body["status"], "processing");
    assert_eq!(body["source_kind"], "markdown");
    assert_eq!(body["client_id"], A_CLIENT);
    assert_eq!(body["version"], 1);
    let id: uuid::Uuid = body["id"].as_str().unwrap().parse().unwrap();
    let jobs: Vec<KnowledgeJob> = shared::testing::drain_jobs(&h.aws, &h.queue_url).await;
    assert_eq!(
        jobs,
        vec![KnowledgeJob::Index {
            document_id: id,
            version: 1,
            reembed: false
        }]
    );
    let (status, page) = call(Method::GET)
        .token(&owner_a())
        .business(A)
        .send(|r| admin_knowledge_documents::handle(&h.state, r))
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["id"], body["id"]);
    assert_eq!(page["items"][0]["client_name"], "Dana Whitfield");
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn each_file_type_is_read_on_upload(pool: PgPool) {
    let h = harness(&pool, Importer::new().unwrap()).await;
    for (media, file, kind) in [
        ("application/pdf", "studio-faq.pdf", "pdf"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "studio-faq.docx",
            "docx",
        ),
        ("text/html; charset=utf-8", "studio-faq.html", "html"),
    ] {
        let (status, body) = post(
            &h,
            call(Method::POST)
                .token(&owner_a())
                .query("title", "Studio FAQ")
                .query("file_name", file)
                .file(media, fixture(file)),
        )
        .await;
        assert_eq!(status, 202, "{file}: {body}");
        assert_eq!(body["source_kind"], kind);
        assert_eq!(body["source_name"], file);
        assert!(
            body["body"]
                .as_str()
                .unwrap()
                .contains("Free parking is behind the studio"),
            "{file}: {body}"
        );
    }
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn bad_input_is_a_4xx_naming_the_field_and_saves_nothing(pool: PgPool) {
    let h = harness(&pool, Importer::new().unwrap()).await;
    let owner = owner_a();
    let cases: Vec<(Call, u16, &str)> = vec![
        (
            call(Method::POST)
                .token(&owner)
                .query("title", "x")
                .file("application/pdf", fixture("damaged.pdf")),
            400,
            "file:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .query("title", "x")
                .file("application/pdf", vec![b'%'; 4 * 1024 * 1024 + 1]),
            413,
            "file:",
        ),
        // Nested 60,000 deep once parsed (the parser ignores `/>` on a `div`).
        (
            call(Method::POST)
                .token(&owner)
                .query("title", "x")
                .file("text/html", "<div/>".repeat(60_000).into_bytes()),
            400,
            "file:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .query("title", "x")
                .file("image/png", vec![1, 2, 3]),
            415,
            "file:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .file("application/pdf", fixture("studio-faq.pdf")),
            400,
            "title:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .query("title", "x")
                .query("client_id", "nope")
                .file("text/plain", b"hello there".to_vec()),
            400,
            "client_id:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .query("title", "x")
                .query("colour", "red")
                .file("text/plain", b"hello there".to_vec()),
            400,
            "colour",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "", "body": "text"})),
            400,
            "title:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "x".repeat(201), "body": "text"})),
            400,
            "title:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ"})),
            400,
            "body:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ", "body": "  \n "})),
            400,
            "body:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ", "body": "x", "url": "https://example.com"})),
            400,
            "url:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ", "body": "x", "format": "pdf"})),
            400,
            "format",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ", "body": "x", "colour": "red"})),
            400,
            "colour",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ", "url": "http://169.254.169.254/latest/meta-data/"})),
            400,
            "url:",
        ),
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ", "url": "file:///etc/passwd"})),
            400,
            "url:",
        ),
        (
            call(Method::POST).token(&owner).body(
                json!({"title": "FAQ", "url": format!("https://example.com/{}", "a".repeat(3000))}),
            ),
            400,
            "url:",
        ),
        // A client of another business is no client here.
        (
            call(Method::POST)
                .token(&owner)
                .body(json!({"title": "FAQ", "body": "text", "client_id": B_CLIENT})),
            400,
            "client_id:",
        ),
        (
            call(Method::GET).token(&owner).query("status", "done"),
            400,
            "status:",
        ),
    ];
    for (c, expected, field) in cases {
        let (status, body) = post(&h, c).await;
        assert_eq!(status, expected, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{field}: {body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    assert_eq!(documents(&pool).await, 0);
    assert!(
        shared::testing::drain(&h.aws, &h.queue_url)
            .await
            .is_empty()
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn a_page_is_imported_by_its_address(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/faq"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_bytes(fixture("studio-faq.html")),
        )
        .mount(&server)
        .await;
    let importer = Importer::with_test_host("aurora.test", *server.address()).unwrap();
    let h = harness(&pool, importer).await;
    let url = format!("http://aurora.test:{}/faq", server.address().port());
    let (status, body) = post(
        &h,
        call(Method::POST)
            .token(&owner_a())
            .body(json!({"title": "Website FAQ", "url": url})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["source_kind"], "url");
    assert_eq!(body["source_name"], url);
    assert!(
        body["body"]
            .as_str()
            .unwrap()
            .contains("logo design starts at 900")
    );
}

#[sqlx::test(migrator = "shared::db::MIGRATOR")]
async fn members_read_but_do_not_write_and_other_businesses_neither(pool: PgPool) {
    let h = harness(&pool, Importer::new().unwrap()).await;
    let member = token_for(shared::domain::catalog::Role::BusinessMember, Some(A));
    let (status, _) = post(&h, call(Method::GET).token(&member)).await;
    assert_eq!(status, 200);
    let (status, body) = post(
        &h,
        call(Method::POST)
            .token(&member)
            .body(json!({"title": "FAQ", "body": "text"})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let owner_b = token_for(shared::domain::catalog::Role::BusinessOwner, Some(B));
    for m in [Method::GET, Method::POST] {
        let (status, _) = post(
            &h,
            call(m)
                .token(&owner_b)
                .body(json!({"title": "FAQ", "body": "text"})),
        )
        .await;
        assert_eq!(status, 403);
    }
    assert_eq!(documents(&pool).await, 0);
}
