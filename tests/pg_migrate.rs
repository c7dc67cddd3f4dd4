//! `news-ingest migrate --from news.db --to postgresql://…` on real files: the
//! PostgreSQL database then answers as the SQLite one did (same export, same
//! ledger), a re-run finds every file recorded, and a new near copy of a migrated
//! story merges with it (the band table was built from the copied fingerprints).

mod common;

use std::process::Command;

use common::pg;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_news-ingest"));
    c.env_remove("NEWS_INGEST_DB");
    c
}

fn out(c: &mut Command) -> String {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{:?} failed: {}", c, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn without_times(s: &str) -> String {
    let re = regex::Regex::new(r#""processed_at":"[^"]*""#).unwrap();
    re.replace_all(s, "").into_owned()
}

#[test]
fn migrated_database_answers_as_the_sqlite_one() {
    let Some(db) = pg::database() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let mut originals = Vec::new();
    for e in std::fs::read_dir(common::fixtures().join("vnmds")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::write(dir.join(&name), &text).unwrap();
            // A fuller-text case: a truncated copy of every other body.
            if originals.len() % 2 == 0 {
                let cut: String =
                    text.lines().take(text.lines().count() * 2 / 3).collect::<Vec<_>>().join("\n");
                std::fs::write(dir.join(format!("cut-{name}")), cut).unwrap();
            }
            originals.push(text);
        }
    }
    let sqlite = tmp.path().join("a.db");
    out(bin().arg("--db").arg(&sqlite).args(["-q", "run"]).arg(&dir));
    // A redirect of a merged article (as a merge leaves it): `show` of the merged id
    // answers the same after the move.
    let kept: i64 = {
        let c = rusqlite::Connection::open(&sqlite).unwrap();
        let id: i64 = c.query_row("SELECT min(id) FROM articles", [], |r| r.get(0)).unwrap();
        c.execute("INSERT INTO article_merges VALUES (900001, ?1, '2026-01-01T00:00:00.000Z')", [id])
            .unwrap();
        id
    };
    let moved: serde_json::Value = serde_json::from_str(&out(bin()
        .arg("--db")
        .arg(&sqlite)
        .args(["migrate", "--json", "--to", &db.url])))
    .unwrap();
    assert!(moved["articles"].as_u64().unwrap() >= 20, "{moved}");
    assert_eq!(moved["merges"], 1, "{moved}");
    for cmd in [
        &["export"][..],
        &["sources", "--json"][..],
        &["dupes", "--json"][..],
        &["show", "--json", "900001"][..],
    ] {
        let a = without_times(&out(bin().arg("--db").arg(&sqlite).args(cmd)));
        let b = without_times(&out(bin().args(["--db", &db.url]).args(cmd)));
        assert_eq!(a, b, "`{}` differs after migrate", cmd.join(" "));
    }
    let shown: serde_json::Value =
        serde_json::from_str(&out(bin().args(["--db", &db.url, "show", "--json", "900001"]))).unwrap();
    assert_eq!((shown["id"].as_i64(), shown["merged_from"].as_i64()), (Some(kept), Some(900001)));
    let hits = |db: &str| out(bin().args(["--db", db, "search", "--json", "hoi dam"]));
    let ids = |s: String| -> Vec<i64> {
        s.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .flat_map(|v| match v {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            })
            .filter_map(|v| v["id"].as_i64())
            .collect()
    };
    let (mut a, mut b) = (ids(hits(sqlite.to_str().unwrap())), ids(hits(&db.url)));
    a.sort();
    b.sort();
    assert!(!a.is_empty(), "the fixtures mention hội đàm");
    assert_eq!(a, b, "search finds the same articles");
    // The ledger came along: nothing to do on a second run.
    let v: serde_json::Value =
        serde_json::from_str(&out(bin().args(["--db", &db.url, "-q", "run", "--json"]).arg(&dir))).unwrap();
    assert_eq!(v["files"], 0, "{v}");
    // And the near-duplicate index: a new copy of a migrated story merges with it.
    let new = tmp.path().join("new");
    std::fs::create_dir_all(&new).unwrap();
    let text = &originals[1];
    std::fs::write(new.join("copy.txt"), format!("Nguồn: báo khác\n{text}\nTag\n")).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&out(bin().args(["--db", &db.url, "-q", "run", "--json"]).arg(&new))).unwrap();
    assert_eq!(v["stored"], 0, "a copy of a migrated story is not a new article: {v}");
    // A second migrate into the same database is refused.
    let o = bin().arg("--db").arg(&sqlite).args(["migrate", "--to", &db.url]).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("empty database"));
}

/// Every command on a PostgreSQL database, through the binary, as users run them.
#[test]
fn every_command_works_on_postgres() {
    let Some(db) = pg::database() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    common::copy_seeds(&dir);
    let first = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(dir.join("copy.txt"), format!("Trang chủ\n{text}\nTag\n")).unwrap();
    let url = db.url.as_str();
    let run: serde_json::Value =
        serde_json::from_str(&out(bin().args(["--db", url, "-q", "run", "--json"]).arg(&dir))).unwrap();
    assert_eq!((run["files"].as_u64(), run["stored"].as_u64()), (Some(6), Some(5)), "{run}");
    let stats: serde_json::Value =
        serde_json::from_str(&out(bin().args(["--db", url, "stats", "--json"]))).unwrap();
    assert_eq!(stats["articles"], 5, "{stats}");
    let show = out(bin().args(["--db", url, "show", "1"]));
    assert!(show.contains("id:") && show.contains("1"), "{show}");
    let show: serde_json::Value =
        serde_json::from_str(&out(bin().args(["--db", url, "show", "1", "--json"]))).unwrap();
    assert_eq!(show["id"], 1, "{show}");
    let dupes = out(bin().args(["--db", url, "dupes"]));
    assert!(dupes.contains("copy.txt"), "the copy is in a cluster: {dupes}");
    let exported = out(bin().args(["--db", url, "export"]));
    assert_eq!(exported.lines().count(), 5);
    let csv = out(bin().args(["--db", url, "export", "--format", "csv"]));
    assert!(csv.lines().count() > 5);
    let why = out(bin().args(["--db", url, "why", "1", "2"]));
    assert!(why.contains("shared shingles"), "{why}");
    let reindex = out(bin().args(["--db", url, "reindex"]));
    assert!(reindex.contains("reindexed 5 articles"), "{reindex}");
    let hits = out(bin().args(["--db", url, "search", "--json", "an ninh"]));
    assert!(hits.contains("\"id\""), "search after reindex: {hits}");
    let sources = out(bin().args(["--db", url, "sources", "--json"]));
    assert_eq!(sources.lines().count(), 6);
    // The copy's chrome is cleaned away: the same body, an exact duplicate.
    let dup = sources.lines().filter(|l| l.contains("\"status\":\"duplicate\"")).count();
    assert_eq!(dup, 1, "{sources}");
    let forget = out(bin().args(["--db", url, "forget", "--status", "duplicate"]));
    assert!(forget.contains("forgot 1 ledger rows"), "{forget}");
    let delete = out(bin().args(["--db", url, "delete", "1"]));
    assert!(!delete.is_empty());
    let stats: serde_json::Value =
        serde_json::from_str(&out(bin().args(["--db", url, "stats", "--json"]))).unwrap();
    assert_eq!(stats["articles"], 4, "{stats}");
}
