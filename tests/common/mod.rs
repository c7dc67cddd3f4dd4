//! Helpers shared by the integration tests: the real binary on real files and a
//! real SQLite database in a temporary directory.
#![allow(dead_code)]

pub mod pg;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rusqlite::Connection;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn seeds() -> PathBuf {
    fixtures().join("seeds")
}

/// Copies the seed fixtures into `dir`.
pub fn copy_seeds(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(seeds()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
}

/// The binary, with logs quiet unless the test run asks for them.
pub fn bin() -> Command {
    let mut c = Command::cargo_bin("news-ingest").unwrap();
    c.env_remove("NEWS_INGEST_DB");
    c
}

pub fn run_json(db: &Path, paths: &[&Path]) -> serde_json::Value {
    let out = bin().arg("--db").arg(db).arg("run").arg("--json").args(paths).output().unwrap();
    assert!(out.status.success(), "run failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn stats(db: &Path) -> serde_json::Value {
    let out = bin().arg("--db").arg(db).args(["stats", "--json"]).output().unwrap();
    assert!(out.status.success(), "stats failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn count(db: &Path, sql: &str) -> i64 {
    let c = Connection::open(db).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Asserts the contract's identity: files = articles + exact + near + rejected
/// + updated.
pub fn assert_stats_add_up(s: &serde_json::Value) {
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("stats lacks {k}: {s}"));
    assert_eq!(
        n("files"),
        n("articles") + n("exact_duplicates") + n("near_duplicates") + n("rejected") + n("updated"),
        "{s}"
    );
}

/// Lower-case words (runs of letters and digits) of `s`.
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Word-multiset F1, as the benchmarks score it.
pub fn f1(got: &str, want: &str) -> f64 {
    use std::collections::HashMap;
    let count = |s: &str| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for w in words(s) {
            *m.entry(w).or_default() += 1;
        }
        m
    };
    let (g, w) = (count(got), count(want));
    let common: usize = g.iter().map(|(k, c)| (*c).min(*w.get(k).unwrap_or(&0))).sum();
    let (ng, nw): (usize, usize) = (g.values().sum(), w.values().sum());
    if common == 0 {
        return 0.0;
    }
    let (p, r) = (common as f64 / ng as f64, common as f64 / nw as f64);
    2.0 * p * r / (p + r)
}
