//! Near duplicates through the real binary: a syndicated copy with other chrome,
//! NFD, other tone placement and a missing last paragraph lands on the original;
//! different stories stay apart; the index survives restarts.

mod common;

use common::*;
use predicates::prelude::*;
use unicode_normalization::UnicodeNormalization;

const ORIGINAL: &str = "000_634d2d9314a48930.txt";

/// Another outlet's copy of seed 000: its own chrome, NFD, old-style tone
/// placement, and the last paragraph cut.
fn syndicated_copy() -> String {
    let text = std::fs::read_to_string(seeds().join(ORIGINAL)).unwrap();
    let mut paras: Vec<&str> = text.split("\n\n").collect();
    paras.pop();
    let body = paras.join("\n\n").replace("hòa", "hoà").replace("thủy", "thuỷ");
    let copy = format!(
        "Trang chủ > Thời sự > Chính trị\n\n{body}\n\nTin liên quan\n\nBộ Công an triển khai kế hoạch mới\n\nBộ Công an triển khai kế hoạch mới\n\nChia sẻ\n\nTag\n"
    );
    copy.nfd().collect()
}

#[test]
fn syndicated_copy_is_a_near_duplicate_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let first = run_json(&db, &[&seeds()]);
    assert_eq!(first["stored"], 5, "five different stories stay apart: {first}");

    let later = dir.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    std::fs::write(later.join("copy.txt"), syndicated_copy()).unwrap();
    let second = run_json(&db, &[&later]);
    assert_eq!(second["near_duplicates"], 1, "{second}");

    let c = rusqlite::Connection::open(&db).unwrap();
    let (article, sim, jac, con, shared): (i64, f64, f64, f64, i64) = c
        .query_row(
            "SELECT article_id, similarity, jaccard, containment, shared_shingles FROM sources
             WHERE status = 'near_duplicate'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    let original: i64 = c
        .query_row("SELECT article_id FROM sources WHERE path LIKE '%' || ?1", [ORIGINAL], |r| r.get(0))
        .unwrap();
    assert_eq!(article, original);
    assert!(
        con >= 0.9 && jac < con && sim >= con && shared > 100,
        "sim {sim} J {jac} C {con} shared {shared}"
    );
    assert_stats_add_up(&stats(&db));
    assert_eq!(stats(&db)["near_duplicates"], 1);

    // `why` explains it, by ids and by file.
    let out = bin()
        .arg("--db")
        .arg(&db)
        .args(["why", &original.to_string()])
        .arg(later.join("copy.txt"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["near_duplicate"], true, "{v}");
    assert!(v["longest_shared_passage"].as_str().unwrap().split_whitespace().count() > 50);
}

#[test]
fn articles_stored_without_a_signature_are_still_verified() {
    // A database from before signatures were stored (schema 3): its articles have
    // band keys but no signature, so their candidates are verified the long way.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &[&seeds()]);
    rusqlite::Connection::open(&db).unwrap().execute("DELETE FROM signatures", []).unwrap();
    let later = dir.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    std::fs::write(later.join("copy.txt"), syndicated_copy()).unwrap();
    let second = run_json(&db, &[&later]);
    assert_eq!(second["near_duplicates"], 1, "{second}");
}

#[test]
fn same_ministries_different_meetings_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &[&seeds()]);
    let out = bin().arg("--db").arg(&db).args(["why", "1", "2", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["near_duplicate"], false, "{v}");
    assert!(v["similarity"]["jaccard"].as_f64().unwrap() < 0.1, "{v}");
    bin()
        .arg("--db")
        .arg(&db)
        .args(["why", "1", "999"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("999"));
}

#[test]
fn database_built_with_other_parameters_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &[&seeds()]);
    let cfg = dir.path().join("other.toml");
    std::fs::write(&cfg, "[dedup]\nseed = 7\n").unwrap();
    bin()
        .arg("--db")
        .arg(&db)
        .arg("--config")
        .arg(&cfg)
        .arg("run")
        .arg(seeds())
        .assert()
        .failure()
        .stderr(predicate::str::contains("other near-duplicate parameters"));
    // Thresholds are not parameters of the index: changing them is fine.
    std::fs::write(&cfg, "[dedup]\njaccard = 0.6\n").unwrap();
    bin().arg("--db").arg(&db).arg("--config").arg(&cfg).arg("run").arg(seeds()).assert().success();
}
