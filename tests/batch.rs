//! The batch job end to end: the real binary, real files, a real SQLite file.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn default_run_ingests_bundled_seeds_into_news_db() {
    let dir = tempfile::tempdir().unwrap();
    copy_seeds(&dir.path().join("seeds"));
    bin()
        .current_dir(dir.path())
        .arg("run")
        .assert()
        .success()
        .stdout(predicate::str::contains("stored     5"));
    let db = dir.path().join("news.db");
    assert!(db.exists(), "run with no arguments must create news.db in the current directory");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 5);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources"), 5);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources WHERE status = 'stored'"), 5);
}

#[test]
fn rerun_adds_nothing_and_copy_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    copy_seeds(&input);
    let db = dir.path().join("t.db");

    let first = run_json(&db, &[&input]);
    assert_eq!(first["stored"], 5);
    let second = run_json(&db, &[&input]);
    assert_eq!(second["files"], 0, "{second}");
    assert_eq!(second["unchanged"], 5, "{second}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources"), 5);

    // Same bytes, new mtime: read again (the cheap check misses) but nothing added.
    let seed = std::fs::read_dir(&input).unwrap().next().unwrap().unwrap().path();
    let bytes = std::fs::read(&seed).unwrap();
    std::fs::write(&seed, &bytes).unwrap();
    let third = run_json(&db, &[&input]);
    assert_eq!(third["files"], 0, "{third}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources"), 5);

    // The same bytes under a new name: one duplicate source, no article.
    std::fs::write(input.join("copy of seed.txt"), &bytes).unwrap();
    let fourth = run_json(&db, &[&input]);
    assert_eq!(fourth["duplicates"], 1, "{fourth}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 5);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM sources WHERE status = 'duplicate' AND article_id IS NOT NULL"),
        1
    );

    let s = stats(&db);
    assert_eq!(s["files"], 6);
    assert_eq!(s["articles"], 5);
    assert_eq!(s["exact_duplicates"], 1);
    assert_stats_add_up(&s);
}

#[test]
fn same_article_with_other_bytes_is_an_exact_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let seed = std::fs::read_to_string(seeds().join("003_e07045f816cb7c97.txt")).unwrap();
    std::fs::write(input.join("a.txt"), &seed).unwrap();
    // CRLF line endings and a BOM: other bytes, same article.
    let crlf = format!("\u{feff}{}", seed.replace('\n', "\r\n"));
    std::fs::write(input.join("b.txt"), crlf).unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 1, "{s}");
    assert_eq!(s["duplicates"], 1, "{s}");
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT file_sha256) FROM sources"), 2);
}

#[test]
fn changed_bytes_under_known_path_are_a_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let f = input.join("a.txt");
    std::fs::write(&f, std::fs::read(seeds().join("000_634d2d9314a48930.txt")).unwrap()).unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &[&input]);
    std::fs::write(&f, std::fs::read(seeds().join("003_e07045f816cb7c97.txt")).unwrap()).unwrap();
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 1, "{s}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources"), 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 2);
}

#[test]
fn include_and_exclude_patterns_select_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join(".hidden")).unwrap();
    std::fs::create_dir_all(input.join("sub")).unwrap();
    let seed = std::fs::read(seeds().join("000_634d2d9314a48930.txt")).unwrap();
    std::fs::write(input.join("sub/a.txt"), &seed).unwrap();
    std::fs::write(input.join(".hidden/b.txt"), &seed).unwrap();
    std::fs::write(input.join("c.txt.part"), &seed).unwrap();
    std::fs::write(input.join("d.json"), &seed).unwrap();
    // Pages are input by default; the content decides: this .html holds a text dump,
    // which is cleaned as text (an exact copy of sub/a.txt).
    std::fs::write(input.join("e.html"), &seed).unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["files"], 2, "only sub/a.txt and e.html are input: {s}");
    assert_eq!(s["duplicates"], 1, "{s}");
}

#[test]
fn db_from_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    bin().env("NEWS_INGEST_DB", &db).arg("run").arg(seeds()).assert().success();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 5);
}

#[test]
fn user_config_overrides_and_bad_config_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("my.toml");
    std::fs::write(&cfg, "[database]\npath = \"from-config.db\"\n").unwrap();
    bin().current_dir(dir.path()).arg("--config").arg(&cfg).arg("run").arg(seeds()).assert().success();
    assert!(dir.path().join("from-config.db").exists());

    std::fs::write(&cfg, "[pipeline]\nbatch_sise = 3\n").unwrap();
    bin()
        .current_dir(dir.path())
        .arg("--config")
        .arg(&cfg)
        .arg("run")
        .arg(seeds())
        .assert()
        .failure()
        .stderr(predicate::str::contains("pipeline.batch_sise").and(predicate::str::contains("my.toml")));
}

/// Both checkpoint modes store the same and leave no WAL behind after the run.
#[test]
fn checkpoint_modes_store_the_same() {
    for background in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            format!("[database]\ncheckpoint_pages = 1\nbackground_checkpoint = {background}\n"),
        )
        .unwrap();
        let db = dir.path().join("t.db");
        bin().arg("--config").arg(&cfg).arg("--db").arg(&db).arg("run").arg(seeds()).assert().success();
        assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 5, "background = {background}");
        let wal = dir.path().join("t.db-wal");
        let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(wal_len, 0, "background = {background}: WAL left behind");
    }
}

#[test]
fn missing_input_path_and_unwritable_database_are_fatal_and_named() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .arg("--db")
        .arg(dir.path().join("t.db"))
        .arg("run")
        .arg(dir.path().join("no-such-dir"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no-such-dir"));
    bin()
        .arg("--db")
        .arg(dir.path().join("missing-dir/t.db"))
        .arg("run")
        .arg(seeds())
        .assert()
        .failure()
        .stderr(predicate::str::contains("missing-dir"));
}

#[test]
fn ledger_row_and_article_are_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &[&seeds()]);
    // Every stored source points at an article, every article has its stored source.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.article_id = a.id AND s.status = 'stored')"),
        0
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources WHERE length(file_sha256) = 64"), 5);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles WHERE length(content_sha256) = 64"), 5);
    // Each canonical article has its band keys, its MinHash signatures (128 u32, and
    // 8 x 3 of its lead) and its full-text rows (all four indexes have a row per article).
    assert_eq!(count(&db, "SELECT COUNT(*) FROM fingerprints"), 5);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM signatures WHERE length(data) = 4 * (128 + 24) AND shingles > 0"),
        5
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles_fts_docsize"), 5);
    for t in ["articles_title_fts", "articles_acc_fts", "articles_title_acc_fts"] {
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM {t}_docsize")), 5, "{t}");
    }
    assert!(count(&db, "PRAGMA user_version") >= 1);
}

#[test]
fn clean_prints_contract_json() {
    let out =
        bin().arg("clean").arg(seeds().join("001_8f2e266a74151002.txt")).arg("--json").output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in ["title", "published", "author", "captions", "body"] {
        assert!(v.get(k).is_some(), "clean --json lacks {k}: {v}");
    }
    assert!(!v["body"].as_array().unwrap().is_empty());
    bin()
        .arg("clean")
        .arg("/no/such/file.txt")
        .assert()
        .failure()
        .stderr(predicate::str::contains("/no/such/file.txt"));
}
