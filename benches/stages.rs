//! Per-stage costs of the pipeline that have no bench of their own: decoding, and the
//! writer's per-article work (exact lookups, near-dup prefilter and verification,
//! article + FTS rows + fingerprint + signature + ledger row) in batched transactions
//! on a real SQLite file, with the writer configured as `run` configures it.
//! (`benches/clean.rs`, `benches/dedup.rs` and `benches/search.rs` cover the others.)
//!
//! Reads up to 2,000 files of `../shared/corpus/vietnews/` (or `NEWS_INGEST_CORPUS`);
//! when absent, says so and uses the seed fixtures. Run `cargo bench --bench stages`.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use news_ingest::clean::Cleaner;
use news_ingest::config::Config;
use news_ingest::dedup::NearDupIndex;
use news_ingest::store::{FileKey, NewSource, SqliteStore, Status};

const MAX_FILES: usize = 2000;

mod common;

fn corpus() -> (String, Vec<Vec<u8>>) {
    let dir = common::corpus_dir();
    let files = common::corpus_files(MAX_FILES);
    let raw: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    if !raw.is_empty() {
        return (format!("vietnews {} files", raw.len()), raw);
    }
    eprintln!(
        "stages bench: corpus {} not found (set NEWS_INGEST_CORPUS); using the seed fixtures",
        dir.display()
    );
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let raw = std::fs::read_dir(seeds)
        .map(|rd| rd.filter_map(|e| e.ok()).filter_map(|e| std::fs::read(e.path()).ok()).collect())
        .unwrap_or_default();
    ("seed fixtures".to_string(), raw)
}

fn bench(c: &mut Criterion) {
    let (name, raw) = corpus();
    let bytes: usize = raw.iter().map(Vec::len).sum();
    let config = Config::embedded();

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function(&name, |b| {
        b.iter(|| {
            raw.iter().filter_map(|r| news_ingest::decode::decode(r).ok()).map(|t| t.len()).sum::<usize>()
        })
    });
    group.finish();

    // Prepare what the writer receives: cleaned, fingerprinted articles.
    let cleaner = Cleaner::from_config(&config.clean).expect("built-in rules load");
    let hasher = NearDupIndex::new(&config.dedup);
    let prepared: Vec<_> = raw
        .iter()
        .filter_map(|r| news_ingest::decode::decode(r).ok())
        .map(|t| cleaner.clean(&t))
        .filter(|d| !d.is_empty())
        .map(|d| {
            let fp = hasher.fingerprint(&d.body);
            (d, fp)
        })
        .collect();

    // Configured as `news-ingest run` configures its writer (page cache, background
    // checkpoints, batch size), from the embedded config.
    let batch = config.pipeline.batch_size.max(1);
    let mut group = c.benchmark_group("write");
    group.throughput(Throughput::Elements(prepared.len() as u64));
    group.sample_size(10);
    group.bench_function(format!("{} articles, batches of {batch}", prepared.len()), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().expect("temp dir");
                let mut store =
                    SqliteStore::open_writer(&dir.path().join("b.db"), Duration::from_secs(5)).expect("open");
                store.set_cache_mib(config.database.writer_cache_mib).expect("cache");
                if config.database.background_checkpoint {
                    store.checkpoint_in_background(config.database.checkpoint_pages).expect("checkpoints");
                }
                let mut near = NearDupIndex::new(&config.dedup);
                let start = Instant::now();
                for (i, (doc, fp)) in prepared.iter().enumerate() {
                    if i % batch == 0 {
                        store.commit().expect("commit");
                        store.begin().expect("begin");
                    }
                    let key = FileKey {
                        path: format!("f{i}.txt"),
                        path_bytes: format!("f{i}.txt").into_bytes(),
                        size: 1,
                        mtime_ns: 1,
                        access: 0,
                    };
                    let sha = format!("{i:064x}");
                    // The writer's lookups, then the writes of a new article.
                    let _ = store.seen_same_bytes(&key, &sha).expect("lookup");
                    let _ = store.fate_of_bytes(&sha).expect("lookup");
                    if store.article_by_content(&fp.content_sha256).expect("lookup").is_some() {
                        continue;
                    }
                    let split = |b: &str| b.split("\n\n").map(str::to_string).collect::<Vec<_>>();
                    let matched = near.best_match(
                        fp,
                        |id| {
                            if let Ok(Some((n, sig))) = store.signature(id) {
                                if !near.plausible(fp, n, &sig) {
                                    return None;
                                }
                            }
                            store.article_body(id).ok().flatten().map(|b| near.shingled(&split(&b)))
                        },
                        |id| {
                            let bodies =
                                store.member_bodies(id, near.config().max_members).unwrap_or_default();
                            bodies.iter().map(|b| near.shingled(&split(b))).collect()
                        },
                    );
                    if matched.is_some() {
                        continue;
                    }
                    let id = store.insert_article(doc, &fp.content_sha256).expect("insert");
                    store.insert_fingerprint(id, &near.persisted_form(fp)).expect("insert");
                    store.insert_signature(id, fp.shingles.len(), &near.signature_bytes(fp)).expect("insert");
                    near.insert(id, fp).expect("index");
                    store
                        .insert_source(&NewSource {
                            key: &key,
                            file_sha256: Some(&sha),
                            status: Status::Stored,
                            article_id: Some(id),
                            similarity: None,
                            evidence: None,
                            error: None,
                        })
                        .expect("insert");
                }
                store.commit().expect("commit");
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
