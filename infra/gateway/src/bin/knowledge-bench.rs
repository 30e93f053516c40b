//! `knowledge-bench <step>`: the knowledge base's benchmarks against DATABASE_URL (the bench
//! database; its 1,000 businesses are the initiation bench's, or made here),
//! `./infra/local/bench knowledge`.
//! - `seed`: 100,000 passages across the 1,000 businesses, 20,080 of them for the business of
//!   +14152000500 (the bench call's), 80 for each other; text from a generated vocabulary with a
//!   skewed word distribution, embedded by the lexical embedder; loaded by COPY, then the HNSW
//!   index built. Skipped when already there.
//! - `indexes`: the sweep that gives businesses over `IndexPolicy::DEFAULT`'s line (here the
//!   large one) an HNSW index and a GIN index of their own, timed.
//! - `query`: the database part of a search (`knowledge::search::candidates`, both halves, the
//!   business and scope filter, with the query embedded beforehand), p50/p99/max over 2,000
//!   questions each for the large business and for random ones.
//! - `recall`: recall@10 of the vector half against exact search (a sequential scan) on the
//!   large business, 200 questions, per `hnsw.ef_search`: through its own index (the search's
//!   own statements, with the whole database part's time) and through the shared index (the
//!   same half with the business as a filter); both take 20 candidates and keep the 10 nearest.
//! - `ingest`: documents indexed as the worker indexes them (cut, embedded with the lexical
//!   embedder standing in for the embedding call, swapped in): passages/s.
//! - `question`: prints a question for the large business (the gateway load's body).
//! - `pdf <file>`: one PDF read, cut, embedded and stored; time and the process's peak resident
//!   memory (run alone, so the peak is the PDF's), and the peak of the reader's own process.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use shared::domain::knowledge::lexical::{LEXICAL_MODEL, lexical_embedding};
use shared::domain::knowledge::retrieval::CANDIDATES_PER_HALF;
use shared::domain::knowledge::vector_index::{IndexKind, IndexPolicy};
use shared::knowledge::embedder::{DIMENSIONS, LexicalEmbedder, to_pgvector};
use shared::knowledge::search::{EF_SEARCH, EfSearch, Scope, candidates};
use shared::knowledge::vector_index;
use sqlx::PgPool;
use uuid::Uuid;

const TOTAL: usize = 100_000;
const PER_SMALL: usize = 80;
const LARGE_NUMBER: &str = "+14152000500";

/// A deterministic generator (xorshift64*): the same data on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// 3,000 pronounceable words ("kalomi", "tesuvan").
fn vocabulary() -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "te", "su", "van", "ri", "po", "den", "la", "nu", "sor", "bi", "ga",
        "fel", "tor", "wen", "ce", "dro", "mas",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut words: Vec<String> = Vec::new();
    while words.len() < 3_000 {
        let n = 2 + rng.below(2);
        let w: String = (0..n)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
            .collect();
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

/// A passage of 70-100 words, common words far more often than rare ones.
fn passage(rng: &mut Rng, words: &[String]) -> String {
    let n = 70 + rng.below(31);
    (0..n)
        .map(|_| words[(words.len() as f64 * rng.unit().powi(3)) as usize].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The large business (the one +14152000500 calls, the bench call's) and 999 others: the
/// initiation bench's when it has run, else made here.
async fn businesses(pool: &PgPool) -> anyhow::Result<(Uuid, Vec<Uuid>)> {
    let found: Option<Uuid> =
        sqlx::query_scalar("SELECT business_id FROM business_phone_numbers WHERE phone_e164 = $1")
            .bind(LARGE_NUMBER)
            .fetch_optional(pool)
            .await?;
    let large = match found {
        Some(id) => id,
        None => {
            let id: Uuid = sqlx::query_scalar(
                "INSERT INTO businesses (name, timezone) VALUES ('Knowledge bench', 'UTC') RETURNING id",
            )
            .fetch_one(pool)
            .await?;
            sqlx::query(
                "INSERT INTO business_phone_numbers (business_id, phone_e164) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(LARGE_NUMBER)
            .execute(pool)
            .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO businesses (name, timezone)
         SELECT 'Knowledge bench ' || n, 'UTC'
         FROM generate_series(1, GREATEST(0, 1000 - (SELECT count(*) FROM businesses))) n",
    )
    .execute(pool)
    .await?;
    let mut all: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM businesses WHERE id <> $1 ORDER BY id LIMIT 999")
            .bind(large)
            .fetch_all(pool)
            .await?;
    all.push(large);
    anyhow::ensure!(all.len() == 1000, "expected 1,000 bench businesses");
    Ok((large, all))
}

async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    // Passages of another model (an older lexical embedder's) are made again.
    let have: i64 =
        sqlx::query_scalar("SELECT count(*) FROM knowledge_chunks WHERE embedding_model = $1")
            .bind(LEXICAL_MODEL)
            .fetch_one(pool)
            .await?;
    if have >= TOTAL as i64 {
        println!("seed: {have} passages already there");
        return Ok(());
    }
    let (large, all) = businesses(pool).await?;
    let words = vocabulary();
    let started = Instant::now();
    sqlx::query("DELETE FROM knowledge_documents")
        .execute(pool)
        .await?;
    sqlx::query("DROP INDEX IF EXISTS knowledge_chunks_embedding")
        .execute(pool)
        .await?;
    let mut rng = Rng(42);
    let mut conn = pool.acquire().await?;
    let mut copy = conn
        .copy_in_raw(
            "COPY knowledge_chunks (document_id, business_id, document_version, ordinal, heading_path, \
             content, embedding, embedding_model, search_config) FROM STDIN",
        )
        .await?;
    let mut made = 0;
    for business in &all {
        let count = if *business == large {
            TOTAL - PER_SMALL * (all.len() - 1)
        } else {
            PER_SMALL
        };
        // One document per 100 passages.
        let mut ordinal = 0;
        let mut document = Uuid::nil();
        for i in 0..count {
            if i % 100 == 0 {
                document = Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO knowledge_documents (id, business_id, title, source_kind, body, status, passage_count)
                     VALUES ($1, $2, $3, 'markdown', 'generated', 'ready', 100)",
                )
                .bind(document)
                .bind(business)
                .bind(format!("Generated {}", i / 100))
                .execute(pool)
                .await?;
                ordinal = 0;
            }
            let text = passage(&mut rng, &words);
            let vector = to_pgvector(&lexical_embedding(&text, DIMENSIONS));
            let line = format!(
                "{document}\t{business}\t1\t{ordinal}\tGenerated\t{text}\t{vector}\t{LEXICAL_MODEL}\tenglish\n"
            );
            copy.send(line.as_bytes()).await?;
            ordinal += 1;
            made += 1;
        }
    }
    copy.finish().await?;
    drop(conn);
    let loaded = started.elapsed();
    sqlx::query("SET maintenance_work_mem = '2GB'")
        .execute(pool)
        .await?;
    let index_started = Instant::now();
    // One connection: the SET above must be the session's that builds the index.
    let mut conn = pool.acquire().await?;
    sqlx::query("SET maintenance_work_mem = '2GB'")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "CREATE INDEX knowledge_chunks_embedding ON knowledge_chunks USING hnsw (embedding vector_cosine_ops)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("ANALYZE knowledge_chunks")
        .execute(&mut *conn)
        .await?;
    println!(
        "seed: {made} passages in {:.1} s, HNSW index built in {:.1} s",
        loaded.as_secs_f64(),
        index_started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Questions drawn from passages of `business` (3-6 of a passage's words, so an answer exists).
async fn questions(
    pool: &PgPool,
    business: Uuid,
    n: usize,
    seed: u64,
) -> anyhow::Result<Vec<String>> {
    let texts = passages_of(pool, business).await?;
    let mut rng = Rng(seed);
    Ok((0..n).map(|_| question_from(&texts, &mut rng)).collect())
}

/// Up to 2,000 of `business`'s passages, the material questions are made of.
async fn passages_of(pool: &PgPool, business: Uuid) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT content FROM knowledge_chunks WHERE business_id = $1 ORDER BY id LIMIT 2000",
    )
    .bind(business)
    .fetch_all(pool)
    .await?)
}

fn question_from(texts: &[String], rng: &mut Rng) -> String {
    let words: Vec<&str> = texts[rng.below(texts.len())].split(' ').collect();
    let k = 3 + rng.below(4);
    (0..k)
        .map(|_| words[rng.below(words.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{label}: n={} p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.90).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

async fn query(pool: &PgPool) -> anyhow::Result<()> {
    let (large, all) = businesses(pool).await?;
    let mut rng = Rng(7);
    for (label, targets) in [
        (
            "database part, large business (20,080 passages)",
            vec![large; 2_000],
        ),
        (
            "database part, random businesses (80 passages each)",
            (0..2_000).map(|_| all[rng.below(all.len())]).collect(),
        ),
    ] {
        // Each business's passages read once (not once per question: 2,000 reads of the large
        // business's would measure the copying, not the search).
        let mut material: HashMap<Uuid, Vec<String>> = HashMap::new();
        let mut asked = Vec::with_capacity(targets.len());
        for (i, business) in targets.iter().enumerate() {
            if !material.contains_key(business) {
                material.insert(*business, passages_of(pool, *business).await?);
            }
            let q = question_from(&material[business], &mut Rng(i as u64 + 1));
            let v = to_pgvector(&lexical_embedding(&q, DIMENSIONS));
            asked.push((*business, q, v));
        }
        // Warm-up: plans cached, pages in memory, as in a running container.
        for (business, q, v) in asked.iter().take(100) {
            let scope = Scope {
                business_id: *business,
                client_id: None,
            };
            candidates(pool, scope, LEXICAL_MODEL, q, v, EF_SEARCH).await?;
        }
        let mut times = Vec::with_capacity(asked.len());
        for (business, q, v) in &asked {
            let scope = Scope {
                business_id: *business,
                client_id: None,
            };
            let t = Instant::now();
            candidates(pool, scope, LEXICAL_MODEL, q, v, EF_SEARCH).await?;
            times.push(t.elapsed());
        }
        report(label, times);
    }
    Ok(())
}

async fn recall(pool: &PgPool) -> anyhow::Result<()> {
    let (large, _) = businesses(pool).await?;
    let asked = questions(pool, large, 200, 99).await?;
    let own = vector_index::existing(pool)
        .await?
        .iter()
        .any(|e| e.index.business_id == large && e.index.kind == IndexKind::Vectors && e.valid);
    println!(
        "recall: the large business {} its own HNSW index",
        if own { "has" } else { "does not have" }
    );
    // The true 10 nearest of each question: a sequential scan, ranked exactly.
    let mut truth = Vec::with_capacity(asked.len());
    for q in &asked {
        let v = to_pgvector(&lexical_embedding(q, DIMENSIONS));
        let mut tx = pool.begin().await?;
        for setting in [
            "SET LOCAL enable_indexscan = off",
            "SET LOCAL enable_bitmapscan = off",
        ] {
            sqlx::query(setting).execute(&mut *tx).await?;
        }
        let exact: Vec<(i64, f64)> = sqlx::query_as(
            "SELECT id, embedding <=> $2::text::vector FROM knowledge_chunks WHERE business_id = $1
             ORDER BY embedding <=> $2::text::vector LIMIT 10",
        )
        .bind(large)
        .bind(&v)
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        truth.push((q, v, exact));
    }
    // Both indexes measured the same way: the 20 candidates a search's vector half takes
    // (CANDIDATES_PER_HALF), ranked by exact distance, their first 10.
    for own_index in [true, false] {
        if own_index && !own {
            continue;
        }
        for ef in [40, 100, 200, 250, 400] {
            let (mut found, mut within, mut expected) = (0usize, 0usize, 0usize);
            let (mut first, mut tenth, mut times) = (Vec::new(), Vec::new(), Vec::new());
            for (q, v, exact) in &truth {
                let Some(&(_, last)) = exact.last() else {
                    continue;
                };
                let t = Instant::now();
                let approximate = if own_index {
                    // The search's own statements, at this ef_search.
                    let scope = Scope {
                        business_id: large,
                        client_id: None,
                    };
                    let ef_search = EfSearch {
                        shared_index: ef,
                        own_index: ef,
                    };
                    candidates(pool, scope, LEXICAL_MODEL, q, v, ef_search)
                        .await?
                        .iter()
                        .filter(|c| c.vector_rank.is_some_and(|r| r <= 10))
                        .map(|c| (c.chunk_id, 1.0 - f64::from(c.similarity.unwrap_or(0.0))))
                        .collect::<Vec<_>>()
                } else {
                    through_shared_index(pool, large, v, ef).await?
                };
                times.push(t.elapsed());
                expected += exact.len();
                found += approximate
                    .iter()
                    .filter(|(id, _)| exact.iter().any(|(e, _)| e == id))
                    .count();
                // ann-benchmarks' "k-nn" recall: a result as close as the 10th true neighbour
                // (within 0.001) counts; near-ties are as good an answer.
                within += approximate
                    .iter()
                    .filter(|(_, d)| *d <= last + 1e-3)
                    .count();
                first.push(1.0 - exact[0].1);
                tenth.push(1.0 - last);
            }
            let median = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let index = if own_index { "own" } else { "shared" };
            println!(
                "recall@10, large business, {index} index, hnsw.ef_search = {ef}: {:.3} \
                 ({found} of {expected}); within 0.001 of the 10th neighbour's distance \
                 (ann-benchmarks): {:.3}; median similarity of the 1st and 10th true \
                 neighbours {:.3} and {:.3}",
                found as f64 / expected as f64,
                within as f64 / expected as f64,
                median(first),
                median(tenth)
            );
            let timed = if own_index {
                "the whole database part"
            } else {
                "the vector half alone"
            };
            report(&format!("  {timed} at ef_search {ef}"), times);
        }
    }
    Ok(())
}

/// The vector half as a search of a business without its own index makes it (the shared
/// index, the business as a filter, iterative scan), its first 10 by exact distance.
async fn through_shared_index(
    pool: &PgPool,
    business: Uuid,
    vector: &str,
    ef: i32,
) -> anyhow::Result<Vec<(i64, f64)>> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "SELECT set_config('hnsw.ef_search', $1, true), \
         set_config('hnsw.iterative_scan', 'relaxed_order', true), \
         set_config('plan_cache_mode', 'force_custom_plan', true)",
    )
    .bind(ef.to_string())
    .execute(&mut *tx)
    .await?;
    let mut nearest: Vec<(i64, f64)> = sqlx::query_as(
        "SELECT id, embedding <=> $2::text::vector FROM knowledge_chunks
         WHERE business_id = $1 ORDER BY embedding <=> $2::text::vector LIMIT $3",
    )
    .bind(business)
    .bind(vector)
    .bind(CANDIDATES_PER_HALF)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    nearest.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    nearest.truncate(10);
    Ok(nearest)
}

/// The sweep that builds the large business's own indexes (`knowledge::vector_index`), as the
/// scheduled job runs it; timed.
async fn indexes(pool: &PgPool) -> anyhow::Result<()> {
    let started = Instant::now();
    let report = vector_index::sweep(
        pool,
        IndexPolicy::DEFAULT,
        Instant::now() + Duration::from_secs(3_600),
    )
    .await?;
    println!(
        "indexes: built {:?} (dropped {:?}) in {:.1} s",
        report.built.iter().map(|i| i.kind).collect::<Vec<_>>(),
        report.dropped.iter().map(|i| i.kind).collect::<Vec<_>>(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn ingest(pool: &PgPool) -> anyhow::Result<()> {
    let (_, all) = businesses(pool).await?;
    let words = vocabulary();
    let mut rng = Rng(1234);
    let mut ids = Vec::new();
    for i in 0..200 {
        let body: String = (0..10)
            .map(|s| format!("## Section {s}\n\n{}\n\n", passage(&mut rng, &words)))
            .collect();
        let content = shared::knowledge::store::DocumentContent {
            title: format!("Ingestion bench {i}"),
            client_id: None,
            source_kind: shared::domain::knowledge::document::SourceKind::Markdown,
            source_name: None,
            body,
        };
        let business = shared::domain::BusinessId::new(all[i % all.len()]);
        ids.push(
            shared::knowledge::store::create(pool, business, &content, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        );
    }
    let started = Instant::now();
    let mut passages = 0;
    for id in &ids {
        if let shared::knowledge::ingest::Outcome::Indexed { passages: n } =
            shared::knowledge::ingest::index_version(pool, &LexicalEmbedder, *id, 1, false).await?
        {
            passages += n;
        }
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "ingestion: {} documents, {passages} passages in {took:.2} s: {:.0} passages/s (one worker, embedding call faked)",
        ids.len(),
        passages as f64 / took
    );
    sqlx::query("DELETE FROM knowledge_documents WHERE title LIKE 'Ingestion bench %'")
        .execute(pool)
        .await?;
    Ok(())
}

async fn pdf(pool: &PgPool, file: &str) -> anyhow::Result<()> {
    let (large, _) = businesses(pool).await?;
    let bytes = std::fs::read(file)?;
    let size = bytes.len();
    let started = Instant::now();
    let text = shared::knowledge::extract::extract(
        shared::domain::knowledge::document::SourceKind::Pdf,
        bytes,
    )
    .await?;
    let extracted = started.elapsed();
    let content = shared::knowledge::store::DocumentContent {
        title: "Fifty pages".into(),
        client_id: None,
        source_kind: shared::domain::knowledge::document::SourceKind::Pdf,
        source_name: Some(file.into()),
        body: text,
    };
    let id = shared::knowledge::store::create(
        pool,
        shared::domain::BusinessId::new(large),
        &content,
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let outcome =
        shared::knowledge::ingest::index_version(pool, &LexicalEmbedder, id, 1, false).await?;
    println!(
        "50-page PDF ({} KiB, {} characters): read in {:.0} ms, indexed ({outcome:?}) in {:.0} ms in all; peak resident memory {} MiB, the reader's own process {} MiB",
        size / 1024,
        content.body.chars().count(),
        extracted.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3,
        local_gateway::peak_rss_mib().unwrap_or(0),
        shared::knowledge::isolate::reaped_children_peak_rss_kib().unwrap_or(0) / 1024
    );
    sqlx::query("DELETE FROM knowledge_documents WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await?;
    shared::db::MIGRATOR.run(&pool).await?;
    match args.first().map(String::as_str) {
        Some("seed") => seed(&pool).await,
        Some("query") => query(&pool).await,
        Some("recall") => recall(&pool).await,
        Some("indexes") => indexes(&pool).await,
        Some("ingest") => ingest(&pool).await,
        Some("pdf") => pdf(&pool, args.get(1).context("pdf <file>")?).await,
        Some("question") => {
            // One question for the large business, for the load through the gateway.
            let (large, _) = businesses(&pool).await?;
            println!("{}", questions(&pool, large, 1, 5).await?.remove(0));
            Ok(())
        }
        _ => anyhow::bail!(
            "usage: knowledge-bench seed|indexes|query|recall|ingest|question|pdf <file>"
        ),
    }
}
