//! Per-stage costs of the pipeline that have no bench of their own: decoding, and the
//! writer stage itself (the same `Writer` and `dedup::decide` that `run` uses: exact
//! lookups, near-dup prefilter and verification, the article with its index rows,
//! fingerprint, signature and ledger row) in batched transactions on a real SQLite
//! file, opened as `run` opens it.
//! (`benches/clean.rs`, `benches/dedup.rs` and `benches/search.rs` cover the others.)
//!
//! Reads up to 2,000 files of `../shared/corpus/vietnews/` (or `NEWS_INGEST_CORPUS`);
//! when absent, says so and uses the seed fixtures. Run `cargo bench --bench stages`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use news_ingest::clean::Cleaner;
use news_ingest::config::Config;
use news_ingest::dedup::NearDupIndex;
use news_ingest::pipeline::process::Cleaned;
use news_ingest::pipeline::writer::{Prepared, Writer, WriterMsg};
use news_ingest::source::Candidate;
use news_ingest::store::{self, FileKey, Target};

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

    // The real writer stage (`pipeline::writer::Writer`: the dedup decision, then the
    // store contract's `record`), on a store opened as `news-ingest run` opens it
    // (page cache, background checkpoints) and batches of the configured size.
    let batch = config.pipeline.batch_size.max(1);
    let mut group = c.benchmark_group("write");
    group.throughput(Throughput::Elements(prepared.len() as u64));
    group.sample_size(10);
    group.bench_function(format!("{} articles, batches of {batch}", prepared.len()), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().expect("temp dir");
                let target = Target::parse(&dir.path().join("b.db"));
                let store = store::open_writer(&target, &config.database).expect("open");
                let (tx, rx) = tokio::sync::mpsc::channel(prepared.len() + 1);
                let root: Arc<Path> = Arc::from(dir.path());
                for (i, (doc, fp)) in prepared.iter().enumerate() {
                    let path = dir.path().join(format!("f{i}.txt"));
                    let key = FileKey {
                        path: path.display().to_string(),
                        path_bytes: path.as_os_str().as_encoded_bytes().to_vec(),
                        size: 1,
                        mtime_ns: 1,
                        access: 0,
                    };
                    let candidate =
                        Candidate { path, key, root: Arc::clone(&root), via_link: false, file_id: None };
                    let cleaned = Box::new(Cleaned { doc: doc.clone(), fingerprint: fp.clone() });
                    let msg = Prepared::Article { candidate, file_sha256: format!("{i:064x}"), cleaned };
                    tx.try_send(WriterMsg::File(Box::new(msg))).expect("channel sized for the corpus");
                }
                drop(tx);
                let writer = Writer::new(
                    store,
                    NearDupIndex::new(&config.dedup),
                    batch,
                    None,
                    indicatif::ProgressBar::hidden(),
                );
                let start = Instant::now();
                writer.run(rx).expect("write");
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
