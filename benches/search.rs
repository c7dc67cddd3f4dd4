//! Search latency on a large database: `cargo bench --bench search`.
//!
//! Builds (once, cached under `target/`) a database of synthetic variants of real
//! articles, inserted through the store API in big transactions, then times many
//! queries and prints p50/p95.
//!
//! - `NEWS_INGEST_BENCH_ARTICLES`: database size (default 1000000).
//! - `NEWS_INGEST_CORPUS`: directory of real article `.txt` files (default
//!   `../shared/corpus/vietnews`); without it, a small built-in sample is used.
//! - `NEWS_INGEST_BENCH_REBUILD=1`: build the database again.
//! - `NEWS_INGEST_BENCH_WINDOW`: `search.rank_window` (default: the embedded config).
//! - `NEWS_INGEST_BENCH_QUALITY=0`: skip comparing windowed results with exhaustive
//!   bm25 (top-20 overlap).
//! - `NEWS_INGEST_BENCH_DB=PATH`: time the queries on an existing database instead,
//!   e.g. one built by `news-ingest run` (whose index is merged as it grows, not
//!   optimised once like the built one).

use std::path::{Path, PathBuf};

mod common;
use std::time::{Duration, Instant};

use news_ingest::clean::Cleaner;
use news_ingest::config::{Config, SearchConfig};
use news_ingest::store::{DateRange, ParsedQuery, SqliteStore};
use news_ingest::Document;

const QUERIES: &[&str] = &[
    "hoi dam",
    "bộ công an",
    "\"thủ tướng\"",
    "kinh te",
    "giá vàng",
    "bóng đá",
    "tai nạn giao thông",
    "xuat khau gao",
    "lừa đảo",
    "chứng khoán",
    "biển đông",
    "điện mặt trời",
    "\"tham nhũng\"",
    "đồng bằng sông cửu long",
    "bão lũ",
    "học sinh",
    "ha noi",
    "covid",
    "ma tuy",
    "bất động sản",
];
const REPEATS: usize = 5;

fn load_corpus() -> Vec<Document> {
    let cleaner = Cleaner::from_config(&Config::embedded().clean).expect("cleaner");
    let dir = common::corpus_dir();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(e) => {
            eprintln!(
                "corpus {} unavailable ({e}): using the test seeds instead; set NEWS_INGEST_CORPUS for realistic figures",
                dir.display()
            );
            let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
            std::fs::read_dir(seeds).expect("seeds").filter_map(|e| e.ok().map(|e| e.path())).collect()
        }
    };
    files.sort();
    let docs: Vec<Document> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|b| news_ingest::decode::decode(&b).ok())
        .map(|t| cleaner.clean(&t))
        .filter(|d| !d.is_empty())
        .collect();
    eprintln!("corpus: {} articles from {}", docs.len(), dir.display());
    assert!(!docs.is_empty(), "no usable articles");
    docs
}

/// Variant `k` of an article: a window of up to 8 paragraphs starting at a shifted
/// paragraph, in rotated order, so variants differ but read like news.
fn variant(base: &Document, k: usize) -> Document {
    let n = base.body.len();
    let take = n.min(8);
    let body = (0..take).map(|j| base.body[(k + j) % n].clone()).collect();
    Document { body, ..base.clone() }
}

fn build(path: &Path, n: usize) {
    let docs = load_corpus();
    let _ = std::fs::remove_file(path);
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let started = Instant::now();
    let mut store = SqliteStore::open_writer(path, Duration::from_secs(5)).expect("open");
    let batch = 50_000;
    for i in 0..n {
        if i % batch == 0 {
            store.begin().expect("begin");
        }
        let doc = variant(&docs[i % docs.len()], i / docs.len());
        store.insert_article(&doc, &format!("{i:064x}")).expect("insert");
        if (i + 1) % batch == 0 || i + 1 == n {
            store.commit().expect("commit");
            eprintln!("  {} articles, {:.0} s", i + 1, started.elapsed().as_secs_f64());
        }
    }
    let load = started.elapsed();
    let t = Instant::now();
    store.optimize_index().expect("optimize");
    eprintln!(
        "built {n} articles in {:.1} s (insert + index {:.1} s, optimize {:.1} s)",
        started.elapsed().as_secs_f64(),
        load.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not used.
    let n: usize =
        std::env::var("NEWS_INGEST_BENCH_ARTICLES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let given = std::env::var_os("NEWS_INGEST_BENCH_DB").map(PathBuf::from);
    let path = given
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-search-{n}.db")));
    if given.is_some() && !path.exists() {
        eprintln!("search bench: NEWS_INGEST_BENCH_DB={} does not exist", path.display());
        std::process::exit(1);
    }
    let ready = given.is_some()
        || path.exists() && std::env::var_os("NEWS_INGEST_BENCH_REBUILD").is_none() && {
            let s = SqliteStore::open_reader(&path, Duration::from_secs(5)).expect("open");
            s.counts().map(|c| c.articles as usize == n).unwrap_or(false)
        };
    if ready {
        eprintln!("reusing {}", path.display());
    } else {
        eprintln!("building {} ({n} articles)...", path.display());
        build(&path, n);
    }
    let store = SqliteStore::open_reader(&path, Duration::from_secs(5)).expect("open");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let dates = DateRange::default();
    let mut all = Vec::new();
    let mut limits = SearchConfig::default();
    if let Some(w) = std::env::var("NEWS_INGEST_BENCH_WINDOW").ok().and_then(|v| v.parse().ok()) {
        limits.rank_window = w;
    }
    // NEWS_INGEST_BENCH_QUALITY=0 skips the (slow) exhaustive comparison.
    let quality = std::env::var("NEWS_INGEST_BENCH_QUALITY").map(|v| v != "0").unwrap_or(true);
    let exhaustive = SearchConfig { rank_window: usize::MAX / 2, idf_sample: usize::MAX / 2, title_pool: 0 };
    let mut overlaps = Vec::new();
    println!(
        "{:<28} {:>8} {:>9} {:>9}  {:<13} vs exhaustive",
        "query", "results", "p50 ms", "max ms", "ranked"
    );
    for q in QUERIES {
        let parsed = ParsedQuery::parse(q);
        let mut times = Vec::new();
        let mut out = Default::default();
        for _ in 0..REPEATS {
            let t = Instant::now();
            out = store.search_with(&parsed, &dates, 20, &limits).expect("search");
            times.push(t.elapsed());
        }
        times.sort();
        // Quality of the bounded ranking: how many of the exhaustive bm25 top 20
        // (every match ranked, IDFs over every article) it returned.
        let overlap = if quality && out.window_full.is_some() {
            let exact = store.search_with(&parsed, &dates, 20, &exhaustive).expect("search");
            let ids: Vec<i64> = out.hits.iter().map(|h| h.id).collect();
            let common = exact.hits.iter().filter(|h| ids.contains(&h.id)).count();
            overlaps.push(common as f64 / exact.hits.len().max(1) as f64);
            format!("{common}/{}", exact.hits.len())
        } else {
            "-".to_string()
        };
        println!(
            "{:<28} {:>8} {:>9.2} {:>9.2}  {:<13} {}",
            q,
            out.hits.len(),
            pct(&times, 0.5).as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
            if out.window_full.is_some() {
                format!("newest {}", limits.rank_window)
            } else {
                "all".to_string()
            },
            overlap
        );
        all.extend(times);
    }
    if !overlaps.is_empty() {
        println!(
            "windowed queries: mean top-20 overlap with exhaustive bm25 {:.2} over {} queries",
            overlaps.iter().sum::<f64>() / overlaps.len() as f64,
            overlaps.len()
        );
    }
    // Date-filtered search too.
    let since = DateRange { since: Some("2000-01-01".into()), until: None };
    let mut dated = Vec::new();
    for q in QUERIES.iter().take(5) {
        let parsed = ParsedQuery::parse(q);
        for _ in 0..REPEATS {
            let t = Instant::now();
            store.search_with(&parsed, &since, 20, &limits).expect("search");
            dated.push(t.elapsed());
        }
    }
    dated.sort();
    all.sort();
    let n = store.counts().map(|c| c.articles).unwrap_or(n as u64);
    println!(
        "\n{n} articles, {:.1} GiB: search (limit 20, with snippets) p50 {:.2} ms, p95 {:.2} ms over {} runs; \
         with --since p50 {:.2} ms",
        size as f64 / (1u64 << 30) as f64,
        pct(&all, 0.5).as_secs_f64() * 1e3,
        pct(&all, 0.95).as_secs_f64() * 1e3,
        all.len(),
        pct(&dated, 0.5).as_secs_f64() * 1e3,
    );
}
