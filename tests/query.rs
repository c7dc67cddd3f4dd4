//! Using the database: search, show, dupes, export, stats, reindex. The real binary
//! on the seed files (plus a duplicate copy) and a real SQLite file.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use news_ingest::store::ParsedQuery;
use unicode_normalization::UnicodeNormalization;

const DUP_OF: &str = "000_634d2d9314a48930.txt";

/// Seeds plus one byte-identical copy of `DUP_OF` under another name.
fn ingested() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    copy_seeds(&input);
    std::fs::copy(input.join(DUP_OF), input.join("zz republished copy.txt")).unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 5, "{s}");
    assert_eq!(s["duplicates"], 1, "{s}");
    (dir, db)
}

fn cmd(db: &Path, args: &[&str]) -> std::process::Output {
    bin().arg("--db").arg(db).args(args).output().unwrap()
}

fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    let out = cmd(db, args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn ids(v: &serde_json::Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect()
}

/// Article ids whose stored body contains `needle` (straight from SQLite).
fn ids_containing(db: &Path, needle: &str) -> Vec<i64> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut stmt = c.prepare("SELECT id, title, body FROM articles ORDER BY id").unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?)))
        .unwrap();
    rows.map(|r| r.unwrap())
        .filter(|(_, t, b)| {
            let hay = format!("{} {}", t.clone().unwrap_or_default(), b).to_lowercase();
            hay.contains(needle)
        })
        .map(|(id, _, _)| id)
        .collect()
}

#[test]
fn search_is_diacritic_and_case_insensitive() {
    let (_dir, db) = ingested();
    let want = ids_containing(&db, "hội đàm");
    assert!(want.len() >= 3, "seeds mention hội đàm: {want:?}");
    let plain = json(&db, &["search", "hoi dam", "--json"]);
    let mut got = ids(&plain);
    got.sort();
    for id in &want {
        assert!(got.contains(id), "article {id} contains 'hội đàm' but 'hoi dam' gave {got:?}");
    }
    for hit in plain.as_array().unwrap() {
        for key in ["id", "title", "published", "score", "snippet"] {
            assert!(hit.get(key).is_some(), "hit lacks {key}: {hit}");
        }
        assert!(hit["score"].is_f64(), "{hit}");
    }
    // The snippet marks the match.
    assert!(plain.to_string().to_lowercase().contains("[hội đàm]"), "{plain}");

    // Typed with diacritics: case and normalisation do not matter, and the hits are
    // among those of the folded query (issue 15: accents typed are respected).
    let accented = ids(&json(&db, &["search", "hội đàm", "--json"]));
    assert!(!accented.is_empty());
    let nfd: String = "hội đàm".nfd().collect();
    for q in ["Hội đàm", "HỘI ĐÀM", "hội   đàm", nfd.as_str()] {
        assert_eq!(ids(&json(&db, &["search", q, "--json"])), accented, "query {q:?}");
    }
    for id in &accented {
        assert!(got.contains(id), "{id}");
    }
    // A phrase is stricter than the words.
    let phrase = ids(&json(&db, &["search", "\"hoi dam\"", "--json"]));
    let mut phrase_sorted = phrase.clone();
    phrase_sorted.sort();
    assert_eq!(phrase_sorted, want);
    // --limit
    assert_eq!(ids(&json(&db, &["search", "hoi dam", "--json", "--limit", "1"])).len(), 1);
}

#[test]
fn no_match_and_hostile_queries_exit_zero() {
    let (_dir, db) = ingested();
    assert_eq!(json(&db, &["search", "zzqxjvw", "--json"]), serde_json::json!([]));
    let out = cmd(&db, &["search", "zzqxjvw"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no matches"));
    for q in ["\"", "AND", "(", "*", "a*(", "OR NOT", "NEAR(", "body:x", "\"\"\"", "-", "^"] {
        let out = cmd(&db, &["search", q, "--json"]);
        assert!(out.status.success(), "{q:?}: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v.is_array(), "{q:?}: {v}");
        let out = cmd(&db, &["search", q]);
        assert!(out.status.success(), "{q:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn show_lists_every_source_and_unknown_id_fails() {
    let (_dir, db) = ingested();
    let c = rusqlite::Connection::open(&db).unwrap();
    let id: i64 =
        c.query_row("SELECT article_id FROM sources WHERE status = 'duplicate'", [], |r| r.get(0)).unwrap();
    let v = json(&db, &["show", &id.to_string(), "--json"]);
    assert_eq!(v["id"], id);
    for key in ["title", "published", "author", "captions", "body", "content_sha256", "ingested_at"] {
        assert!(v.get(key).is_some(), "show lacks {key}: {v}");
    }
    let sources = v["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{v}");
    let statuses: Vec<&str> = sources.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["stored", "duplicate"]);
    assert!(sources[1]["path"].as_str().unwrap().ends_with("zz republished copy.txt"));

    let human = cmd(&db, &["show", &id.to_string()]);
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).contains("zz republished copy.txt"));

    let out = cmd(&db, &["show", "424242"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no article with id 424242"));
}

#[test]
fn dupes_shows_the_cluster() {
    let (_dir, db) = ingested();
    let v = json(&db, &["dupes", "--json"]);
    let clusters = v.as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{v}");
    assert_eq!(clusters[0]["size"], 2);
    let paths: Vec<&str> =
        clusters[0]["sources"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert!(paths[0].ends_with(DUP_OF) && paths[1].ends_with("zz republished copy.txt"), "{paths:?}");
    // min-size 1 lists every article; 3 none.
    assert_eq!(json(&db, &["dupes", "--json", "--min-size", "1"]).as_array().unwrap().len(), 5);
    assert_eq!(json(&db, &["dupes", "--json", "--min-size", "3"]), serde_json::json!([]));
    assert!(cmd(&db, &["dupes"]).status.success());
}

#[test]
fn export_is_one_json_line_per_article_with_sources() {
    let (_dir, db) = ingested();
    let out = cmd(&db, &["export"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    let mut total_sources = 0;
    for l in &lines {
        for key in ["id", "title", "published", "author", "captions", "body", "sources"] {
            assert!(l.get(key).is_some(), "export lacks {key}: {l}");
        }
        assert!(l["body"].is_array());
        total_sources += l["sources"].as_array().unwrap().len();
    }
    assert_eq!(total_sources, 6);
    let ids: Vec<i64> = lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[test]
fn stats_add_up_and_report_more() {
    let (_dir, db) = ingested();
    let s = stats(&db);
    assert_stats_add_up(&s);
    assert_eq!(s["articles"], 5);
    assert_eq!(s["statuses"]["stored"], 5);
    assert_eq!(s["statuses"]["duplicate"], 1);
    assert_eq!(s["indexed_articles"], 5);
    assert!(s["db_bytes"].as_u64().unwrap() > 0);
    let days = s["articles_per_day"].as_array().unwrap();
    assert_eq!(days.len(), 14);
    assert_eq!(days.iter().map(|d| d["articles"].as_u64().unwrap()).sum::<u64>(), 5);
    let human = cmd(&db, &["stats"]);
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).contains("articles per day"));
}

#[test]
fn reindex_rebuilds_and_search_still_works() {
    let (_dir, db) = ingested();
    let before = ids(&json(&db, &["search", "hoi dam", "--json"]));
    let out = cmd(&db, &["reindex"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("reindexed 5 articles"));
    assert_eq!(ids(&json(&db, &["search", "hoi dam", "--json"])), before);
}

#[test]
fn old_database_gets_its_index_on_next_open() {
    // Simulate a schema-1 database (no index at all) and a schema-2 one (no title
    // index): both are refused by `search` with advice, and `reindex` upgrades them.
    // The migrations after schema 4, in order: HTML columns (issue 13), revisions and
    // members (issue 16), the stock-SQLite indexes (issue 15), source_access (issue
    // 14), the merge redirects. Undoing back to 1 or 2 undoes all of them; "previous"
    // is the schema just before issue 15's (the contentless indexes come back), so 15,
    // 14 and the redirects are undone.
    const UNDO_15: &str = "DROP TRIGGER articles_index_insert; DROP TRIGGER articles_index_update;
        DROP TRIGGER articles_delete_dependents; DROP TRIGGER articles_published_day;
        DROP TRIGGER articles_published_day_update; DROP VIEW clusters; DROP INDEX articles_published_day;
        ALTER TABLE articles DROP COLUMN published_day; ALTER TABLE articles DROP COLUMN published_precision;
        DROP TABLE articles_acc_fts; DROP TABLE articles_title_acc_fts;";
    const OLD_FTS: &str = "DROP TABLE articles_fts; DROP TABLE articles_title_fts;
        CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', contentless_delete=1,
            tokenize='unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE articles_title_fts USING fts5(title, content='', contentless_delete=1,
            tokenize='unicode61 remove_diacritics 2');";
    let previous = {
        let (_dir, db) = ingested();
        count(&db, "PRAGMA user_version") - 3
    };
    const UNDO_14: &str = "DROP TRIGGER articles_merge_id_reused; DROP TABLE article_merges;
        DROP TABLE source_access; DELETE FROM meta WHERE key = 'legacy_relative_paths';";
    const UNDO_16: &str = "DROP TABLE article_members; DROP TABLE article_revisions;
        ALTER TABLE articles DROP COLUMN text_source_id;";
    const UNDO_13: &str = "ALTER TABLE articles DROP COLUMN url; ALTER TABLE articles DROP COLUMN site_name;
        ALTER TABLE articles DROP COLUMN lang;";
    for (version, undo) in [
        (1, format!("{UNDO_14} {UNDO_15} DROP TABLE articles_fts; DROP TABLE articles_title_fts; DROP INDEX articles_ingested; DROP TABLE signatures; {UNDO_16} {UNDO_13}")),
        (2, format!("{UNDO_14} {UNDO_15} DROP TABLE articles_title_fts; DROP TABLE signatures; {UNDO_16} {UNDO_13}")),
        (previous, format!("{UNDO_14} {UNDO_15} {OLD_FTS}")),
    ] {
        let (_dir, db) = ingested();
        let expected = ids(&json(&db, &["search", "hoi dam", "--json"]));
        assert!(!expected.is_empty());
        {
            let c = rusqlite::Connection::open(&db).unwrap();
            c.execute_batch(&format!(
                "{undo} DELETE FROM meta WHERE key = 'fts_stale'; PRAGMA user_version = {version};"
            ))
            .unwrap();
        }
        if version == previous {
            // The database of the previous schema is upgraded by the next writer
            // (here `reindex`), without being refused first: nothing to test before.
            let out = cmd(&db, &["reindex"]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(ids(&json(&db, &["search", "hoi dam", "--json"])), expected);
            let sql: String = rusqlite::Connection::open(&db)
                .unwrap()
                .query_row("SELECT group_concat(sql) FROM sqlite_master", [], |r| r.get(0))
                .unwrap();
            assert!(!sql.contains("contentless_delete"), "{sql}");
            continue;
        }
        let out = cmd(&db, &["search", "hoi dam"]);
        assert!(!out.status.success(), "schema {version}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("reindex"), "schema {version}");
        let out = cmd(&db, &["reindex"]);
        assert!(out.status.success(), "schema {version}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(ids(&json(&db, &["search", "hoi dam", "--json"])), expected, "schema {version}");
    }
}

#[test]
fn date_filters() {
    let (_dir, db) = ingested();
    let all = ids(&json(&db, &["search", "hoi dam", "--json"]));
    assert_eq!(ids(&json(&db, &["search", "hoi dam", "--json", "--since", "1990-01-01"])), all);
    assert_eq!(json(&db, &["search", "hoi dam", "--json", "--since", "2999-01-01"]), serde_json::json!([]));
    assert_eq!(json(&db, &["search", "hoi dam", "--json", "--until", "1990-01-01"]), serde_json::json!([]));
    let out = cmd(&db, &["export", "--since", "2999-01-01"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    for bad in ["2024-13-01", "2024-02-30", "yesterday", "2024-1-1"] {
        let out = cmd(&db, &["search", "hoi", "--since", bad]);
        assert!(!out.status.success(), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"), "{bad}");
    }
}

/// A store with `n` articles through the library API (no CLI): article `i` mentions
/// "hội đàm" `1 + i % 4` times; those whose id is a multiple of 10 also have it in
/// their title.
fn store_with(dir: &Path, n: usize) -> news_ingest::store::SqliteStore {
    let db = dir.join("s.db");
    let mut store =
        news_ingest::store::SqliteStore::open_writer(&db, std::time::Duration::from_secs(5)).unwrap();
    store.begin().unwrap();
    for i in 1..=n {
        let talks = "hai bên hội đàm ".repeat(1 + i % 4);
        let doc = news_ingest::Document {
            title: Some(if i % 10 == 0 {
                format!("Hội đàm cấp cao số {i}")
            } else {
                format!("Tin số {i}")
            }),
            body: vec![format!("Bài {i}: {talks} về kinh tế và thương mại, cùng nhiều chủ đề khác nữa.")],
            ..Default::default()
        };
        store.insert_article(&doc, &format!("{i:064x}")).unwrap();
    }
    store.commit().unwrap();
    store
}

/// The built-in bm25 ranking over every match (the reference): ids and scores,
/// negated as `search` reports them (higher is better).
fn builtin_ranking(dir: &Path, table: &str, fts: &str, limit: usize) -> Vec<(i64, f64)> {
    let c = rusqlite::Connection::open(dir.join("s.db")).unwrap();
    let mut stmt = c
        .prepare(&format!(
            "SELECT rowid, -bm25({table}, 4.0, 1.0) FROM {table} WHERE {table} MATCH ?1
             ORDER BY bm25({table}, 4.0, 1.0), rowid LIMIT ?2"
        ))
        .unwrap();
    stmt.query_map(rusqlite::params![fts, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// `search_with` under the given bounds: the outcome and its hits' ids.
fn bounded(
    store: &news_ingest::store::SqliteStore,
    query: &str,
    limit: usize,
    (rank_window, title_pool): (usize, usize),
) -> (news_ingest::store::SearchOutcome, Vec<i64>) {
    let q = ParsedQuery::parse(query);
    let limits = news_ingest::config::SearchConfig { rank_window, idf_sample: 1000, title_pool };
    let out = store.search_with(&q, &Default::default(), limit, &limits).unwrap();
    let ids = out.hits.iter().map(|h| h.id).collect();
    (out, ids)
}

#[test]
fn bounded_search_equals_bm25_when_everything_fits() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 300);
    // A quoted phrase: no adjacent-word bonus, so the reference is plain bm25.
    let (out, got) = bounded(&store, "\"hoi dam\"", 25, (1000, 50));
    assert_eq!(out.window_full, None);
    let reference =
        builtin_ranking(dir.path(), "articles_fts", &ParsedQuery::parse("\"hoi dam\"").to_fts(), 25);
    assert_eq!(got, reference.iter().map(|r| r.0).collect::<Vec<_>>());
    // The scores are bm25's too (IDFs exact: the sample holds every article).
    for (hit, (_, score)) in out.hits.iter().zip(&reference) {
        assert!((hit.score - score).abs() < 1e-9, "{} vs {score}", hit.score);
    }
}

#[test]
fn bounded_search_ranks_the_window_and_old_title_matches() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), 300);
    // Window of the 20 newest matches (ids 281..=300) plus the 50 best title matches.
    let (out, got) = bounded(&store, "\"hội đàm\"", 10, (20, 50));
    assert_eq!(out.window_full, Some(20));
    // Title matches dominate bm25 (title weight 4): the top 10 are title matches,
    // most of them older than the window, in the reference order.
    assert!(got.iter().all(|id| id % 10 == 0), "{got:?}");
    assert!(got.iter().filter(|&&id| id <= 280).count() >= 8, "{got:?}");
    // Typed with diacritics: ranked on the accented index.
    let reference = builtin_ranking(
        dir.path(),
        "articles_acc_fts",
        &ParsedQuery::parse("\"hội đàm\"").to_fts_accented(),
        10,
    );
    assert_eq!(got, reference.iter().map(|r| r.0).collect::<Vec<_>>());
    // Without the title pool only the window is ranked.
    let (_, window_only) = bounded(&store, "\"hội đàm\"", 10, (20, 0));
    assert!(window_only.iter().all(|&id| id > 280), "{window_only:?}");
}

#[test]
fn search_says_when_only_the_newest_matches_were_ranked() {
    let (dir, db) = ingested();
    let cfg = dir.path().join("small-window.toml");
    std::fs::write(&cfg, "[search]\nrank_window = 1\n").unwrap();
    let out =
        bin().arg("--db").arg(&db).arg("--config").arg(&cfg).args(["search", "hoi dam"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the newest 1 were ranked"), "{err}");
    // The default window holds every match of the seeds: no note.
    let out = cmd(&db, &["search", "hoi dam"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("were ranked"));
}
