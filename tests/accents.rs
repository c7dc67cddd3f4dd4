//! Search respects the accents a user types (issue 15), on a real corpus: the seeds
//! plus 56 vn-mds bodies (`tests/fixtures/accents/`): the 11 that say "hội đàm" and 45
//! with "hội" and a word that folds to "dam" (đảm, dâm, đâm, Đàm, đám, …) elsewhere.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use unicode_normalization::UnicodeNormalization;

fn corpus() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&seeds(), &fixtures().join("accents")]);
    assert_eq!(s["rejected"], 0, "{s}");
    (dir, db)
}

fn search(db: &Path, q: &str, limit: usize) -> Vec<serde_json::Value> {
    let out = bin()
        .arg("--db")
        .arg(db)
        .args(["search", q, "--json", "--limit", &limit.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{q}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

/// Lower-cased title and body of every article, by id.
fn texts(db: &Path) -> std::collections::HashMap<i64, String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut stmt = c.prepare("SELECT id, coalesce(title, '') || ' ' || body FROM articles").unwrap();
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?.to_lowercase()))).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

/// The words of a lower-cased text (letters and digits).
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect()
}

fn has_word(text: &str, word: &str) -> bool {
    words(text).contains(&word)
}

#[test]
fn typed_accents_find_that_word_and_plain_letters_find_every_form() {
    let (_dir, db) = corpus();
    let texts = texts(&db);
    let with_phrase = texts.values().filter(|t| t.contains("hội đàm")).count();
    assert!(with_phrase >= 10, "the fixture has {with_phrase} articles with 'hội đàm'");

    // Every top-10 hit for "hội đàm" says "hội đàm".
    let top = search(&db, "hội đàm", 10);
    assert_eq!(top.len(), 10);
    for h in &top {
        let id = h["id"].as_i64().unwrap();
        assert!(texts[&id].contains("hội đàm"), "hit {id} has no 'hội đàm': {h}");
    }
    // The same typed any way: case, NFD, old tone placement of none.
    let nfd: String = "Hội Đàm".nfd().collect();
    let ids = |hits: &[serde_json::Value]| hits.iter().map(|h| h["id"].as_i64().unwrap()).collect::<Vec<_>>();
    for q in ["HỘI ĐÀM", nfd.as_str()] {
        assert_eq!(ids(&search(&db, q, 10)), ids(&top), "{q}");
    }
    // "hoi dam" still finds them all.
    let plain = ids(&search(&db, "hoi dam", 100));
    for (id, t) in &texts {
        if t.contains("hội đàm") {
            assert!(plain.contains(id), "'hoi dam' misses article {id}");
        }
    }

    // One word typed with its accents matches only that word, never the other words
    // that fold the same; typed without, it matches all of them.
    for word in ["đàm", "dâm", "đâm", "đảm"] {
        let hits = search(&db, word, 100);
        assert!(!hits.is_empty(), "{word}");
        for h in &hits {
            let id = h["id"].as_i64().unwrap();
            assert!(has_word(&texts[&id], word), "'{word}' found article {id}, which lacks the word: {h}");
        }
        // ... and all of them: nothing with the word is left out.
        let want = texts.values().filter(|t| has_word(t, word)).count();
        assert_eq!(hits.len(), want, "{word}");
    }
    let folded = search(&db, "dam", 100);
    let forms = ["đàm", "dâm", "đâm", "đảm"];
    for form in forms {
        assert!(
            folded.iter().any(|h| has_word(&texts[&h["id"].as_i64().unwrap()], form)),
            "'dam' finds no article with '{form}'"
        );
    }
    // Typed without diacritics, d stands for đ too: "dam" finds "đàm".
    assert!(folded.iter().any(|h| has_word(&texts[&h["id"].as_i64().unwrap()], "đàm")));
}

#[test]
fn tone_placement_does_not_matter() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let body =
        |w: &str| format!("Tiêu đề\n\nBài viết về {w} và phát triển kinh tế của đất nước trong năm nay.\n");
    std::fs::write(input.join("new.txt"), body("hòa bình")).unwrap();
    std::fs::write(input.join("old.txt"), body("hoà bình ở thủ đô")).unwrap();
    std::fs::write(input.join("other.txt"), body("hỏa hoạn")).unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 3, "{s}");
    for q in ["hòa bình", "hoà bình", "\"hoà bình\"", "HÒA"] {
        assert_eq!(search(&db, q, 10).len(), 2, "{q}");
    }
    assert_eq!(search(&db, "hoa", 10).len(), 3);
    assert_eq!(search(&db, "hỏa", 10).len(), 1);
    // A mixed query: the accented word exactly, the other folded.
    assert_eq!(search(&db, "hòa thu do", 10).len(), 1);
}

#[test]
fn json_highlights_point_at_the_matches() {
    let (_dir, db) = corpus();
    let hits = search(&db, "hội đàm", 5);
    assert!(!hits.is_empty());
    for h in &hits {
        let snippet: Vec<char> = h["snippet"].as_str().unwrap().chars().collect();
        let ranges = h["highlights"].as_array().unwrap();
        assert!(!ranges.is_empty(), "{h}");
        for r in ranges {
            let (a, b) = (r[0].as_u64().unwrap() as usize, r[1].as_u64().unwrap() as usize);
            let text: String = snippet[a..b].iter().collect();
            let text = text.to_lowercase();
            assert!(text.contains("hội") || text.contains("đàm"), "{text:?} in {h}");
            assert_eq!(snippet[a - 1], '[');
            assert_eq!(snippet[b], ']');
        }
    }
}
