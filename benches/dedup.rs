//! Near-duplicate detection benches.
//!
//! `cargo bench --bench dedup`. Uses 3 KB of real vietnews paragraphs when the
//! corpus is present (see `benches/common`), else a synthetic Vietnamese-like text; large indexes use
//! synthetic signatures. Prints bytes per stored article once per index size.

use std::hint::black_box;

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use news_ingest::config::{Config, DedupConfig};
use news_ingest::dedup::minhash::SplitMix64;
use news_ingest::dedup::{LshIndex, NearDupIndex};

fn article() -> Vec<String> {
    // Paragraphs of real articles, in order and without repeats (a repeated paragraph
    // would shrink the shingle set and flatter MinHash), up to ~3 KB.
    let mut out = Vec::new();
    let mut len = 0;
    for path in common::corpus_files(8) {
        let Ok(t) = std::fs::read_to_string(&path) else { continue };
        for p in t.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            if len < 3000 {
                len += p.len();
                out.push(p.to_string());
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    eprintln!(
        "corpus {} not found: fingerprinting a synthetic text (set NEWS_INGEST_CORPUS for real figures)",
        common::corpus_dir().display()
    );
    let words = [
        "người",
        "hoà",
        "bình",
        "thủy",
        "Bộ",
        "trưởng",
        "hội",
        "đàm",
        "với",
        "Cuba",
        "năm",
        "2024",
        "của",
        "và",
        "được",
    ];
    let mut g = SplitMix64::new(1);
    let mut s = String::new();
    while s.len() < 3000 {
        s.push_str(words[(g.next() % words.len() as u64) as usize]);
        s.push(' ');
    }
    vec![s]
}

fn random_sig(g: &mut SplitMix64, n: usize) -> Vec<u32> {
    (0..n).map(|_| g.next() as u32).collect()
}

/// Random band keys of `n` texts under `cfg`'s banding (whole-text and lead bands).
fn random_keys(cfg: &DedupConfig, g: &mut SplitMix64, n: usize) -> Vec<Vec<u32>> {
    let bands = cfg.bands + cfg.lead_bands;
    (0..n).map(|_| LshIndex::new(bands, cfg.rows).band_keys(&random_sig(g, bands * cfg.rows))).collect()
}

/// Persisted forms of band keys, as the store holds them.
fn persisted(keys: &[Vec<u32>]) -> Vec<Vec<u8>> {
    keys.iter()
        .map(|k| {
            let mut v = vec![1u8];
            v.extend_from_slice(&(k.len() as u16).to_le_bytes());
            for x in k {
                v.extend_from_slice(&x.to_le_bytes());
            }
            v
        })
        .collect()
}

/// A near-duplicate index of 10,000 random texts under `cfg`.
fn loaded_index(cfg: &DedupConfig) -> NearDupIndex {
    let mut idx = NearDupIndex::new(cfg);
    let blobs = persisted(&random_keys(cfg, &mut SplitMix64::new(7), 10_000));
    idx.load_persisted(blobs.iter().enumerate().map(|(i, p)| (i as i64 + 1, p.as_slice())))
        .expect("bench index loads");
    idx
}

fn bench_fingerprint(c: &mut Criterion) {
    let cfg = Config::embedded().dedup;
    let body = article();
    let bytes: usize = body.iter().map(|p| p.len()).sum();
    let idx = loaded_index(&cfg);
    // The same without lead bands (as before issue 16's lead bands), in the same run.
    let mut no_lead_cfg = cfg.clone();
    no_lead_cfg.lead_bands = 0;
    let no_lead = loaded_index(&no_lead_cfg);
    let mut group = c.benchmark_group("fingerprint");
    group.bench_function(format!("normalize_{bytes}B"), |b| {
        b.iter(|| {
            let mut n = 0;
            for p in &body {
                news_ingest::dedup::normalize::for_each_word(p, |w| n += w.len());
            }
            black_box(n)
        })
    });
    let shingles = idx.shingles(&body);
    group.bench_function(format!("shingles_{bytes}B"), |b| {
        b.iter(|| black_box(idx.shingles(black_box(&body))))
    });
    let mh = news_ingest::dedup::MinHasher::new(cfg.num_perm, cfg.seed);
    group.bench_function(format!("minhash_{}_shingles", shingles.len()), |b| {
        b.iter(|| black_box(mh.signature(black_box(&shingles))))
    });
    group.bench_function(format!("fingerprint_and_query_{bytes}B"), |b| {
        b.iter(|| {
            let fp = idx.fingerprint(black_box(&body));
            black_box(idx.candidates(&fp))
        })
    });
    group.bench_function(format!("fingerprint_and_query_{bytes}B_no_lead"), |b| {
        b.iter(|| {
            let fp = no_lead.fingerprint(black_box(&body));
            black_box(no_lead.candidates(&fp))
        })
    });
    group.finish();
}

fn bench_index(c: &mut Criterion) {
    let cfg = Config::embedded().dedup;
    let mut group = c.benchmark_group("lsh_index");
    let sizes: Vec<usize> = match std::env::var("DEDUP_BENCH_MAX") {
        Ok(v) if v == "100k" => vec![10_000, 100_000],
        _ => vec![10_000, 100_000, 1_000_000],
    };
    for &n in &sizes {
        let mut g = SplitMix64::new(n as u64);
        let bands = cfg.bands + cfg.lead_bands;
        let mut idx = LshIndex::new(bands, cfg.rows);
        let keys = random_keys(&cfg, &mut g, n);
        let t = std::time::Instant::now();
        idx.extend_keys(keys.iter().enumerate().map(|(i, k)| (i as i64 + 1, k.as_slice()))).ok();
        let load = t.elapsed();
        let mut inc = LshIndex::new(bands, cfg.rows);
        let t = std::time::Instant::now();
        for (i, k) in keys.iter().enumerate() {
            inc.insert_keys(i as i64 + 1, k).ok();
        }
        let inc_load = t.elapsed();
        eprintln!(
            "index {n}: bulk load {load:.2?}, one-by-one {inc_load:.2?}; {} heap bytes per article (bulk), {} (one-by-one)",
            idx.heap_bytes() / n,
            inc.heap_bytes() / n
        );
        drop(inc);
        // Start-up path: persisted blobs (as read from SQLite) into a fresh index.
        let full = NearDupIndex::new(&cfg);
        let blobs = persisted(&keys);
        let mut fresh = full.clone();
        let t = std::time::Instant::now();
        fresh
            .load_persisted(blobs.iter().enumerate().map(|(i, b)| (i as i64 + 1, b.as_slice())))
            .expect("bench index loads");
        eprintln!("index {n}: load_persisted (start-up) {:.2?}", t.elapsed());
        drop((blobs, full));
        // The per-article dedup cost as the store grows: fingerprint + LSH query.
        let body = article();
        // Criterion's figures swing with other load on a shared machine; the best of
        // 30 batches of 200 is a steadier figure of the cost itself.
        let best = |f: &mut dyn FnMut(usize)| {
            (0..30)
                .map(|r| {
                    let t = std::time::Instant::now();
                    for q in 0..200 {
                        f(r * 200 + q);
                    }
                    t.elapsed() / 200
                })
                .min()
                .unwrap_or_default()
        };
        let probe_keys: Vec<Vec<u32>> =
            (0..512).map(|_| idx.band_keys(&random_sig(&mut g, bands * cfg.rows))).collect();
        let q_best = best(&mut |q| {
            black_box(idx.query_keys(&probe_keys[q % probe_keys.len()]));
        });
        let fq_best = best(&mut |_| {
            let fp = fresh.fingerprint(black_box(&body));
            black_box(fresh.candidates(&fp));
        });
        eprintln!("index {n}: best-of-30 query {q_best:.2?}, fingerprint+query {fq_best:.2?}");
        group.bench_with_input(BenchmarkId::new("fingerprint_and_query_3KB", n), &n, |b, _| {
            b.iter(|| {
                let fp = fresh.fingerprint(black_box(&body));
                black_box(fresh.candidates(&fp))
            })
        });
        drop(fresh);
        let probes: Vec<Vec<u32>> =
            (0..1024).map(|_| idx.band_keys(&random_sig(&mut g, bands * cfg.rows))).collect();
        let hits: Vec<Vec<u32>> = keys.iter().step_by(n / 1024).take(1024).cloned().collect();
        let mut i = 0;
        group.bench_with_input(BenchmarkId::new("query_miss", n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % probes.len();
                black_box(idx.query_keys(&probes[i]))
            })
        });
        group.bench_with_input(BenchmarkId::new("query_hit", n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % hits.len();
                black_box(idx.query_keys(&hits[i]))
            })
        });
        let mut next = n as i64 + 10;
        group.bench_with_input(BenchmarkId::new("insert", n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % probes.len();
                next += 1;
                // Insert then remove, so the index size stays n.
                idx.insert_keys(next, &probes[i]).ok();
                idx.remove_keys(next, &probes[i]).ok();
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench_fingerprint, bench_index
}
criterion_main!(benches);
