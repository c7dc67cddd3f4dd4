//! HTML → Document throughput (MB/s of decompressed HTML) on the WCXB pages.
//!
//! Reads `../shared/corpus/html/wcxb-dev-articles/html/*.html.gz` (or the directory in
//! `NEWS_INGEST_HTML_CORPUS`); when absent, says so and measures the test pages in
//! `tests/fixtures/html/`. Three benchmarks: html5ever's parse alone (scraper), parse +
//! metadata + main content (`html::read`), and the whole reader (decode, read, text
//! cleaner) as the pipeline runs it. `cargo bench --bench html -- --quick`.
//! The trafilatura peer on the same pages: `benches/peers/html_peer.py`.

use std::io::Read;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use news_ingest::config::Config;
use news_ingest::html::{self, HtmlRules};
use news_ingest::pipeline::Reader;

fn pages() -> (String, Vec<Vec<u8>>) {
    let dir = std::env::var_os("NEWS_INGEST_HTML_CORPUS").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/html/wcxb-dev-articles/html")
    });
    let read_dir = |d: &Path| -> Vec<Vec<u8>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(d)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        paths.sort();
        paths
            .into_iter()
            .filter(|p| p.to_string_lossy().contains(".htm"))
            .filter_map(|p| std::fs::read(p).ok())
            .map(|raw| {
                if raw.starts_with(&[0x1f, 0x8b]) {
                    let mut v = Vec::new();
                    let _ = flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut v);
                    v
                } else {
                    raw
                }
            })
            .collect()
    };
    let got = read_dir(&dir);
    if !got.is_empty() {
        return (format!("WCXB ({} pages from {})", got.len(), dir.display()), got);
    }
    eprintln!(
        "html bench: {} not found (set NEWS_INGEST_HTML_CORPUS); measuring tests/fixtures/html",
        dir.display()
    );
    ("test pages".to_string(), read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html")))
}

fn bench(c: &mut Criterion) {
    let (name, pages) = pages();
    let texts: Vec<String> =
        pages.iter().filter_map(|b| news_ingest::decode::decode_page(b).ok().map(|(d, _)| d.text)).collect();
    let bytes: u64 = pages.iter().map(|p| p.len() as u64).sum();
    eprintln!("html bench: {name}, {bytes} bytes");
    let rules = HtmlRules::builtin().expect("built-in HTML rules");
    let reader = Reader::from_config(&Config::embedded()).expect("built-in config");
    let mut g = c.benchmark_group("html");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("parse (html5ever via scraper)", |b| {
        b.iter(|| texts.iter().map(|t| scraper::Html::parse_document(t).tree.values().count()).sum::<usize>())
    });
    g.bench_function("parse + extract (html::read)", |b| {
        b.iter(|| texts.iter().map(|t| html::read(t, &rules).blocks.len()).sum::<usize>())
    });
    g.bench_function("bytes to Document (Reader)", |b| {
        b.iter(|| pages.iter().filter_map(|p| reader.document(p).ok()).map(|d| d.body.len()).sum::<usize>())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
