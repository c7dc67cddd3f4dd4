//! The database in stock tools: a database built by the real binary, opened with the
//! system's Python `sqlite3` module (its own SQLite library, 3.40.1 on Debian 12, not
//! ours), which must read every table and view, run FTS5 queries and keep the
//! indexes in step through hand-written INSERT, UPDATE and DELETE statements.
//!
//! datasette: its `detect_fts` query and its search SQL are reimplemented in the
//! script below (datasette itself is not installed on the test machines), copied from
//! datasette's `utils.py`. The test fails, never skips, when `python3` is missing.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// Runs a Python script with the database path as `sys.argv[1]`; returns its stdout
/// parsed as JSON.
fn python(db: &Path, script: &str) -> serde_json::Value {
    let out = Command::new("python3").arg("-c").arg(script).arg(db).output().unwrap_or_else(|e| {
        panic!("python3 is needed for this test (it is on the CI machines) and could not be started: {e}")
    });
    assert!(out.status.success(), "python3 failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

const READ_EVERYTHING: &str = r#"
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
out = {"sqlite_version": sqlite3.sqlite_version, "rows": {}}
for name, kind in c.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"):
    out["rows"][name] = len(c.execute('SELECT * FROM "%s"' % name.replace('"', '""')).fetchall())
out["schema"] = [r[0] for r in c.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")]

# datasette's detect_fts (datasette/utils/__init__.py), verbatim in substance.
def detect_fts(conn, table):
    rows = conn.execute('''
        select name from sqlite_master
            where rootpage = 0
            and (
                sql like '%VIRTUAL TABLE%USING FTS%content="{table}"%'
                or sql like '%VIRTUAL TABLE%USING FTS%content=[{table}]%'
                or (
                    tbl_name = "{table}"
                    and sql like '%VIRTUAL TABLE%USING FTS%'
                )
            )
    '''.format(table=table)).fetchall()
    return rows[0][0] if rows else None
fts = detect_fts(c, "articles")
out["detect_fts"] = fts
# datasette's ?_search=hoi+dam: escape_fts quotes every word; the table filter is
# `rowid in (select rowid from <fts> where <fts> match :search)`.
def escape_fts(query):
    return " ".join('"%s"' % w.replace('"', '') for w in query.split())
out["datasette_search"] = [r[0] for r in c.execute(
    'select id from articles where rowid in (select rowid from [%s] where [%s] match :search) order by id' % (fts, fts),
    {"search": escape_fts("hoi dam")})]
out["snippets"] = [r[0] for r in c.execute(
    "select snippet(articles_fts, 1, '[', ']', '...', 8) from articles_fts where articles_fts match ? order by rank",
    ('"hoi" "dam"',))]
out["highlights"] = [r[0] for r in c.execute(
    "select highlight(articles_acc_fts, 1, '[', ']') from articles_acc_fts where articles_acc_fts match ?",
    ('"hội đàm"',))]
out["days"] = c.execute("select published, published_day, published_precision from articles order by id").fetchall()
out["per_day"] = c.execute(
    "select published_day, count(*) from articles where published_day >= date('2000-01-01') group by 1").fetchall()
out["clusters"] = c.execute("select article_id, files, count(*) from clusters group by article_id having count(*) > 1").fetchall()
out["integrity"] = c.execute("PRAGMA integrity_check").fetchall()
print(json.dumps(out))
"#;

/// Hand-written writes, as a user would type them into `sqlite3`; then what every
/// table says about the rows touched.
const HAND_WRITES: &str = r#"
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
out = {}
victim = int(sys.argv[2])
tables = ["articles_fts", "articles_title_fts", "articles_acc_fts", "articles_title_acc_fts"]
for t in tables:
    c.execute("CREATE VIRTUAL TABLE temp.v_%s USING fts5vocab(main, %s, instance)" % (t, t))
def left(doc):
    r = {t: c.execute("SELECT count(*) FROM temp.v_%s WHERE doc = ?" % t, (doc,)).fetchone()[0] for t in tables}
    for name in ["fingerprints", "signatures", "sources"]:
        r[name] = c.execute("SELECT count(*) FROM %s WHERE article_id = ?" % name, (doc,)).fetchone()[0]
    r["docsize"] = {t: c.execute("SELECT count(*) FROM %s_docsize WHERE id = ?" % t, (doc,)).fetchone()[0] for t in tables}
    return r
out["before_delete"] = left(victim)
c.execute("DELETE FROM articles WHERE id = ?", (victim,))
out["after_delete"] = left(victim)
c.execute("INSERT INTO articles(title, published, body, content_sha256, ingested_at) VALUES (?, ?, ?, ?, ?)",
          ("Đà Nẵng đón khách", "2024-05", "Thành phố Đà Nẵng zzhand đón khách.", "f" * 64, "2024-05-02T00:00:00Z"))
new = c.execute("SELECT max(id) FROM articles").fetchone()[0]
out["new_id"] = new
out["new_day"] = c.execute("SELECT published_day, published_precision FROM articles WHERE id = ?", (new,)).fetchone()
out["new_folded"] = [r[0] for r in c.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"da nang\"'")]
out["new_accented"] = [r[0] for r in c.execute("SELECT rowid FROM articles_acc_fts WHERE articles_acc_fts MATCH '\"đà nẵng\"'")]
c.execute("UPDATE articles SET body = 'Thành phố Huế zzupdated.' WHERE id = ?", (new,))
out["old_words"] = [r[0] for r in c.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'zzhand'")]
out["new_words"] = [r[0] for r in c.execute("SELECT rowid FROM articles_acc_fts WHERE articles_acc_fts MATCH 'zzupdated'")]
c.commit()
for t in tables:
    c.execute("INSERT INTO %s(%s) VALUES ('integrity-check')" % (t, t))
out["integrity"] = c.execute("PRAGMA integrity_check").fetchall()
print(json.dumps(out))
"#;

#[test]
fn python_sqlite_reads_and_writes_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    copy_seeds(&input);
    let dup = "000_634d2d9314a48930.txt";
    std::fs::copy(input.join(dup), input.join("copy of 000.txt")).unwrap();
    let db = dir.path().join("news.db");
    let s = run_json(&db, &[&input]);
    assert_eq!((s["stored"].as_i64(), s["duplicates"].as_i64()), (Some(5), Some(1)), "{s}");

    let v = python(&db, READ_EVERYTHING);
    eprintln!("system Python's SQLite: {}", v["sqlite_version"]);
    // Every table and view was read (the script fails on the first that is not).
    let rows = &v["rows"];
    for name in ["articles", "sources", "articles_fts", "articles_acc_fts", "clusters", "meta"] {
        assert!(rows.get(name).is_some(), "{name} missing: {rows}");
    }
    assert_eq!(rows["articles"], 5);
    assert_eq!(rows["articles_fts"], 5);
    assert_eq!(rows["clusters"], 6, "every non-rejected file with its article");
    // No FTS5 option newer than SQLite 3.37 in the schema.
    for sql in v["schema"].as_array().unwrap() {
        let sql = sql.as_str().unwrap();
        for newer in ["contentless_delete", "contentless_unindexed", "locale=", "tokendata"] {
            assert!(!sql.contains(newer), "{newer} needs a newer SQLite: {sql}");
        }
    }
    // datasette finds the index of `articles` and its search box works.
    assert_eq!(v["detect_fts"], "articles_fts");
    let want: Vec<i64> = {
        let c = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = c.prepare("SELECT id, title, body FROM articles ORDER BY id").unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?))
            })
            .unwrap();
        rows.map(|r| r.unwrap())
            .filter(|(_, t, b)| {
                format!("{} {b}", t.clone().unwrap_or_default()).to_lowercase().contains("hội đàm")
            })
            .map(|(id, _, _)| id)
            .collect()
    };
    assert!(want.len() >= 3);
    let got: Vec<i64> =
        v["datasette_search"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    for id in &want {
        assert!(got.contains(id), "?_search=hoi+dam misses article {id}: {got:?}");
    }
    // snippet() and highlight() return the stored text, the match marked.
    let snippets = v["snippets"].as_array().unwrap();
    assert!(!snippets.is_empty());
    assert!(
        snippets.iter().any(|s| s.as_str().unwrap_or("").to_lowercase().contains("[hội] [đàm]")),
        "{snippets:?}"
    );
    let highlights = v["highlights"].as_array().unwrap();
    assert_eq!(highlights.len(), want.len(), "{highlights:?}");
    assert!(highlights.iter().all(|h| h.as_str().unwrap_or("").to_lowercase().contains("[hội đàm]")));
    // Month-only dates get a first day and a precision.
    for d in v["days"].as_array().unwrap() {
        let (published, day, precision) = (&d[0], &d[1], &d[2]);
        match published.as_str().map(str::len) {
            Some(10) => assert_eq!((day, precision.as_str()), (published, Some("day")), "{d}"),
            Some(7) => {
                assert_eq!(day.as_str().unwrap(), format!("{}-01", published.as_str().unwrap()));
                assert_eq!(precision, "month");
            }
            _ => assert!(day.is_null() && precision.is_null(), "{d}"),
        }
    }
    assert!(
        v["days"].as_array().unwrap().iter().any(|d| d[2] == "month"),
        "the seeds have a month-only date"
    );
    assert!(!v["per_day"].as_array().unwrap().is_empty());
    // The cluster of the copied file is one SELECT away.
    assert_eq!(v["clusters"].as_array().unwrap().len(), 1, "{}", v["clusters"]);
    assert_eq!(v["clusters"][0][1], 2);
    assert_eq!(v["integrity"], serde_json::json!([["ok"]]));

    // Hand-written writes keep every table in step.
    let victim = v["clusters"][0][0].as_i64().unwrap();
    let out =
        Command::new("python3").arg("-c").arg(HAND_WRITES).arg(&db).arg(victim.to_string()).output().unwrap();
    assert!(out.status.success(), "python3 failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let w: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let before = &w["before_delete"];
    assert!(before["articles_fts"].as_i64().unwrap() > 0 && before["sources"] == 2, "{before}");
    let after = &w["after_delete"];
    for key in ["articles_fts", "articles_title_fts", "articles_acc_fts", "articles_title_acc_fts"] {
        assert_eq!(after[key], 0, "{key} still indexes the deleted article: {after}");
        assert_eq!(after["docsize"][key], 0, "{key}: {after}");
    }
    for key in ["fingerprints", "signatures", "sources"] {
        assert_eq!(after[key], 0, "{key} still refers to the deleted article: {after}");
    }
    let new = w["new_id"].clone();
    assert_eq!(w["new_day"], serde_json::json!(["2024-05-01", "month"]));
    assert_eq!(w["new_folded"], serde_json::json!([new]), "Đà Nẵng typed by hand is found as 'da nang'");
    assert_eq!(w["new_accented"], serde_json::json!([new]));
    assert_eq!(w["old_words"], serde_json::json!([]), "UPDATE removed the old words from the index");
    assert_eq!(w["new_words"], serde_json::json!([new]));
    assert_eq!(w["integrity"], serde_json::json!([["ok"]]));

    // The binary agrees: the hand-typed article is found, the deleted one is gone.
    let out = bin().arg("--db").arg(&db).args(["search", "zzupdated", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
    let out = bin().arg("--db").arg(&db).args(["search", "hoi dam", "--json"]).output().unwrap();
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(hits.as_array().unwrap().iter().all(|h| h["id"] != victim), "{hits}");
    // A reindex rebuilds the same index the triggers kept.
    let vocab = |db: &Path| -> i64 {
        let c = rusqlite::Connection::open(db).unwrap();
        c.execute_batch(
            "CREATE VIRTUAL TABLE temp.v1 USING fts5vocab(main, articles_fts, instance);
             CREATE VIRTUAL TABLE temp.v2 USING fts5vocab(main, articles_acc_fts, instance);",
        )
        .unwrap();
        c.query_row(
            "SELECT (SELECT count(*) FROM temp.v1) * 1000003 + (SELECT count(*) FROM temp.v2)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let kept = vocab(&db);
    let out = bin().arg("--db").arg(&db).arg("reindex").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(vocab(&db), kept);
}
