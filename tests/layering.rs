//! The invariants of ARCHITECTURE.md that a grep can check, checked: nothing outside
//! `src/store/` names a backend (or holds SQL), `decode` never imports `html` or
//! `clean`, `html` never imports `clean`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code lines (comments dropped) of every file under `src/<sub>`.
fn code_of(sub: &str) -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root.join(sub), &mut files);
    let mut lines = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&root).expect("under src").display().to_string();
        let text = std::fs::read_to_string(&f).expect("read source");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if !code.trim().is_empty() {
                lines.push((rel.clone(), i + 1, code.to_string()));
            }
        }
    }
    lines
}

fn offenders(
    lines: &[(String, usize, String)],
    skip: impl Fn(&str) -> bool,
    needles: &[&str],
) -> Vec<String> {
    lines
        .iter()
        .filter(|(f, _, _)| !skip(f))
        .filter(|(_, _, code)| needles.iter().any(|n| code.contains(n)))
        .map(|(f, n, code)| format!("src/{f}:{n}: {}", code.trim()))
        .collect()
}

#[test]
fn nothing_outside_store_names_a_backend() {
    let lines = code_of("");
    let found = offenders(
        &lines,
        |f| f.starts_with("store/") || f.starts_with("store\\"),
        &[
            "rusqlite",
            "SqliteStore",
            "PgStore",
            "tokio_postgres",
            "store::sqlite",
            "store::postgres",
            "postgres::",
        ],
    );
    assert!(
        found.is_empty(),
        "backend named outside src/store/ (go through store::ReadStore/WriteStore):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_sql_outside_store() {
    let lines = code_of("");
    let found = offenders(
        &lines,
        |f| f.starts_with("store/") || f.starts_with("store\\"),
        &["SELECT ", "INSERT INTO", "UPDATE articles", "DELETE FROM", "CREATE TABLE", "PRAGMA "],
    );
    assert!(found.is_empty(), "SQL outside src/store/:\n{}", found.join("\n"));
}

#[test]
fn readers_are_layered() {
    let decode = code_of("decode");
    let found = offenders(&decode, |_| false, &["crate::html", "crate::clean", "crate::store"]);
    assert!(found.is_empty(), "decode imports html, clean or store:\n{}", found.join("\n"));
    let html = code_of("html");
    let found = offenders(&html, |_| false, &["crate::clean", "crate::store"]);
    assert!(found.is_empty(), "html imports clean or store:\n{}", found.join("\n"));
}
