//! Where the benchmarks find their corpus (shared by the bench targets).

use std::path::{Path, PathBuf};

#[allow(dead_code)]
/// The benchmark corpus directory: `NEWS_INGEST_CORPUS`, else `../shared/corpus/vietnews`.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("NEWS_INGEST_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/vietnews"))
}

#[allow(dead_code)] // not every bench target uses both
/// Up to `max` `.txt` files of the corpus, in name order (empty when it is absent).
pub fn corpus_files(max: usize) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "txt"));
    files.sort();
    files.truncate(max);
    files
}
