//! CPU cost of fingerprinting one 3 KB article, for `perf stat` (cycles and
//! instructions count only while this process runs, so they stay comparable on a
//! busy machine where wall-clock benches swing):
//!
//! `perf stat -e cycles:u,instructions:u target/release/examples/fingerprint_cost [PART] [N]`
//!
//! PART is `fingerprint` (default), `normalize`, `shingles`, `minhash`, `query`
//! (fingerprint + LSH query into an index of the seeds), or either of the last two
//! with `_no_lead` (without the lead bands: their cost is the difference).
//! Under `valgrind --tool=callgrind` the instruction counts are repeatable on a busy
//! machine.

use news_ingest::config::Config;
use news_ingest::dedup::{normalize, MinHasher, NearDupIndex};

fn main() {
    let mut args = std::env::args().skip(1);
    let part = args.next().unwrap_or_else(|| "fingerprint".into());
    let n: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    let mut files: Vec<_> = std::fs::read_dir(&path)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    // Paragraphs of the seed articles, up to ~3 KB.
    let mut body = Vec::new();
    let mut len = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for p in text.lines().skip(1).filter(|l| l.split_whitespace().count() > 8) {
            if len < 3000 {
                len += p.len();
                body.push(p.to_string());
            }
        }
    }
    let mut cfg = Config::embedded().dedup;
    if part.ends_with("_no_lead") {
        cfg.lead_bands = 0;
    }
    let mut idx = NearDupIndex::new(&cfg);
    // A small index to query: every seed paragraph as a text.
    for (i, p) in body.iter().enumerate() {
        let fp = idx.fingerprint(std::slice::from_ref(p));
        let _ = idx.insert(i as i64 + 1, &fp);
    }
    let shingles = idx.shingles(&body);
    let mh = MinHasher::new(cfg.num_perm, cfg.seed);
    let t = std::time::Instant::now();
    let mut sink = 0usize;
    for _ in 0..n {
        sink += match part.as_str() {
            "normalize" => {
                let mut k = 0;
                for p in &body {
                    normalize::for_each_word(p, |w| k += w.len());
                }
                k
            }
            "shingles" => idx.shingles(std::hint::black_box(&body)).len(),
            "minhash" => mh.signature(std::hint::black_box(&shingles)).len(),
            "query" | "query_no_lead" => idx.candidates(&idx.fingerprint(std::hint::black_box(&body))).len(),
            _ => idx.fingerprint(std::hint::black_box(&body)).signature.len(),
        };
    }
    let per = t.elapsed() / n as u32;
    eprintln!("{part}: {len} bytes, {} shingles, {per:.2?} per article (wall), sink {sink}", shingles.len());
}
