//! Cleaning throughput (MB/s) on the vietnews corpus.
//!
//! Reads `../shared/corpus/vietnews/` (or the directory in `NEWS_INGEST_CORPUS`); when
//! it is absent, says so and measures the seed fixtures instead. Criterion reports the
//! throughput in bytes per second: run `cargo bench --bench clean`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use news_ingest::clean::Cleaner;
use news_ingest::config::Config;

/// Corpus files read at most (a sample keeps one iteration short).
const MAX_FILES: usize = 2000;

mod common;

fn corpus() -> (String, Vec<String>) {
    let dir = common::corpus_dir();
    let files = common::corpus_files(MAX_FILES);
    let texts: Vec<String> = files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    if !texts.is_empty() {
        return (format!("vietnews ({} files from {})", texts.len(), dir.display()), texts);
    }
    eprintln!(
        "clean bench: corpus {} not found (set NEWS_INGEST_CORPUS); measuring the seed fixtures instead",
        dir.display()
    );
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let texts: Vec<String> = std::fs::read_dir(seeds)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        })
        .unwrap_or_default();
    ("seed fixtures".to_string(), texts)
}

fn bench(c: &mut Criterion) {
    let (name, texts) = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    let cleaner = match Cleaner::from_config(&Config::embedded().clean) {
        Ok(c) => c,
        Err(e) => panic!("built-in rules: {e:#}"),
    };
    let mut group = c.benchmark_group("clean");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                n += cleaner.clean(t).body.len();
            }
            std::hint::black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
