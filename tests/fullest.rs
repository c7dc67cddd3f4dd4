//! The fullest text wins, and a new version of a known file updates its article
//! (issue 16), through the real binary on real files.

mod common;

use std::path::Path;

use common::*;

const ORIGINAL: &str = "000_634d2d9314a48930.txt";

fn paragraphs() -> Vec<String> {
    let text = std::fs::read_to_string(seeds().join(ORIGINAL)).unwrap();
    text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// The first six of the ten paragraphs, with a marker word only this copy has.
fn truncated() -> String {
    let mut p = paragraphs();
    p.truncate(6);
    p[1] = format!("{} zqvhead", p[1]);
    p.join("\n\n")
}

/// The whole text, with a marker word in its last paragraph but one (after the
/// last one's "/." end mark it would be cut).
fn full() -> String {
    let mut p = paragraphs();
    let last = p.len() - 2;
    p[last] = format!("{} zqvtail", p[last]);
    p.join("\n\n")
}

fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    let out = bin().arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `export`: one JSON object per article.
fn export_lines(db: &Path) -> Vec<serde_json::Value> {
    let export = bin().arg("--db").arg(db).arg("export").output().unwrap();
    export
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

/// `run --json DIR` with a config file: the run's summary.
fn run_with_config(db: &Path, cfg: &Path, dir: &Path) -> serde_json::Value {
    let out =
        bin().arg("--db").arg(db).arg("--config").arg(cfg).args(["run", "--json"]).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn hits(db: &Path, q: &str) -> usize {
    json(db, &["search", q, "--json"]).as_array().map_or(0, Vec::len)
}

#[test]
fn a_fuller_copy_replaces_the_stored_text_and_keeps_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // Name order: the truncated copy arrives first.
    std::fs::write(input.join("a_short.txt"), truncated()).unwrap();
    std::fs::write(input.join("b_full.txt"), full()).unwrap();
    let db = dir.path().join("t.db");
    let run = run_json(&db, &[&input]);
    assert_eq!((run["stored"].as_u64(), run["near_duplicates"].as_u64()), (Some(1), Some(1)), "{run}");

    let a = json(&db, &["show", "1", "--json"]);
    let body = a["body"].as_array().unwrap();
    // (The first paragraph is a photo caption: 9 body paragraphs, 5 in the copy.)
    assert_eq!(body.len(), 9, "the full text is kept: {a}");
    assert!(a["text_source"].as_str().unwrap().ends_with("b_full.txt"), "{a}");
    let revisions = a["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 1, "{a}");
    assert_eq!(revisions[0]["reason"], "fullest");
    assert_eq!(revisions[0]["body"].as_array().unwrap().len(), 5);
    // The first-seen file stays the article's `stored` source.
    let sources = a["sources"].as_array().unwrap();
    assert!(sources
        .iter()
        .any(|s| s["status"] == "stored" && s["path"].as_str().unwrap().ends_with("a_short.txt")));
    // Both full-text indexes follow the text: the old text's marker is gone.
    assert_eq!(hits(&db, "zqvtail"), 1);
    assert_eq!(hits(&db, "zqvhead"), 0);
    let export = bin().arg("--db").arg(&db).arg("export").output().unwrap();
    let line: serde_json::Value =
        serde_json::from_slice(export.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert!(line["text_source"].as_str().unwrap().ends_with("b_full.txt"), "{line}");
    let s = stats(&db);
    assert_stats_add_up(&s);
    assert_eq!(s["articles"], 1);

    // A restart loads the index with the article's texts; a truncated copy of the
    // old text, seen later, still lands on the article.
    let later = dir.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    let mut p = paragraphs();
    p.truncate(5);
    std::fs::write(later.join("c_shorter.txt"), p.join("\n\n")).unwrap();
    let again = run_json(&db, &[&input, &later]);
    assert_eq!(again["near_duplicates"], 1, "{again}");
    assert_eq!(again["stored"], 0, "{again}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 1);
}

#[test]
fn canonical_first_keeps_the_first_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("a_short.txt"), truncated()).unwrap();
    std::fs::write(input.join("b_full.txt"), full()).unwrap();
    let cfg = dir.path().join("first.toml");
    std::fs::write(&cfg, "[dedup]\ncanonical = \"first\"\n").unwrap();
    let db = dir.path().join("t.db");
    let out = bin().arg("--db").arg(&db).arg("--config").arg(&cfg).arg("run").arg(&input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = json(&db, &["show", "1", "--json"]);
    assert_eq!(a["body"].as_array().unwrap().len(), 5, "{a}");
    assert!(a["revisions"].as_array().unwrap().is_empty());
    assert!(a["text_source"].as_str().unwrap().ends_with("a_short.txt"), "{a}");
    assert_eq!(hits(&db, "zqvhead"), 1);
}

#[test]
fn a_new_version_of_a_known_path_updates_its_article() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let story = input.join("story.txt");
    std::fs::write(&story, full()).unwrap();
    let db = dir.path().join("t.db");
    assert_eq!(run_json(&db, &[&input])["stored"], 1);
    // The site corrects and shortens its story: the same path, new bytes, a near
    // copy of the earlier version. Not a near duplicate of itself: an update, and
    // the article's text becomes the new version even though it is shorter.
    std::fs::write(&story, truncated()).unwrap();
    let second = run_json(&db, &[&input]);
    assert_eq!(second["updated"], 1, "{second}");
    assert_eq!(second["near_duplicates"], 0, "{second}");
    let s = stats(&db);
    assert_stats_add_up(&s);
    assert_eq!(
        (s["files"].as_u64(), s["articles"].as_u64(), s["updated"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{s}"
    );
    let a = json(&db, &["show", "1", "--json"]);
    assert_eq!(a["body"].as_array().unwrap().len(), 5, "{a}");
    assert_eq!(a["revisions"][0]["reason"], "updated");
    assert_eq!(hits(&db, "zqvhead"), 1);
    assert_eq!(hits(&db, "zqvtail"), 0);
    // Unchanged bytes: nothing more.
    let third = run_json(&db, &[&input]);
    assert_eq!(third["files"], 0, "{third}");
    // A different story at the same path is not an update: a new article.
    let other = std::fs::read_to_string(seeds().join("001_8f2e266a74151002.txt")).unwrap();
    std::fs::write(&story, other).unwrap();
    let fourth = run_json(&db, &[&input]);
    assert_eq!(fourth["stored"], 1, "{fourth}");
}

#[test]
fn an_older_database_is_migrated_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &[&seeds()]);
    let before = stats(&db);
    // Take the database back to the schema before this migration: no revisions,
    // no members, no text source; the old CHECK on `sources.status`.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        // Three migrations come after this one (issue 15's indexes and triggers, issue
        // 14's source_access, the merge redirects): undone first, so the schema is
        // the one before it.
        c.execute_batch(
            "DROP TRIGGER articles_merge_id_reused; DROP TABLE article_merges;
             DROP TABLE source_access; DELETE FROM meta WHERE key = 'legacy_relative_paths';
             DROP TRIGGER articles_index_insert; DROP TRIGGER articles_index_update;
             DROP TRIGGER articles_delete_dependents; DROP TRIGGER articles_published_day;
             DROP TRIGGER articles_published_day_update; DROP VIEW clusters;
             DROP INDEX articles_published_day; ALTER TABLE articles DROP COLUMN published_day;
             ALTER TABLE articles DROP COLUMN published_precision;
             DROP TABLE articles_acc_fts; DROP TABLE articles_title_acc_fts;
             DROP TABLE article_members; DROP TABLE article_revisions;
             ALTER TABLE articles DROP COLUMN text_source_id;",
        )
        .unwrap();
        c.pragma_update(None, "user_version", v - 4).unwrap();
    }
    // Readers do not migrate: `show` and `export` still work on it.
    let a = json(&db, &["show", "1", "--json"]);
    assert!(a["text_source"].as_str().is_some(), "{a}");
    let o = bin().arg("--db").arg(&db).args(["show", "999"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("no article with id 999"), "{o:?}");
    // The writer migrates: every row kept, and `updated` accepted.
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("story.txt"), full()).unwrap();
    let first = run_json(&db, &[&input]);
    assert_eq!(first["near_duplicates"], 1, "{first}");
    std::fs::write(input.join("story.txt"), truncated()).unwrap();
    // The file's first version was a near copy of seed 000 (whose text the article
    // keeps): its new version is a near duplicate again, not an update.
    let second = run_json(&db, &[&input]);
    assert_eq!(second["near_duplicates"], 1, "{second}");
    let after = stats(&db);
    assert_stats_add_up(&after);
    assert_eq!(after["files"].as_u64().unwrap(), before["files"].as_u64().unwrap() + 2);
    assert_eq!(after["articles"], before["articles"]);
}

/// A database built with the old 32 × 4 banding keeps working with the new default
/// (42 × 3): at writer open its band keys are recomputed from the stored signatures,
/// from the stored body for an article stored before the `signatures` table, and
/// from the stored body for members; near copies are then found against the old
/// articles, and the index loads.
#[test]
fn a_database_built_with_the_old_banding_is_rebanded_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // Nine of the ten paragraphs: close enough for 32 × 4 to propose it.
    let mut nine = paragraphs();
    nine.truncate(9);
    std::fs::write(input.join("a_short.txt"), nine.join("\n\n")).unwrap();
    std::fs::write(input.join("b_full.txt"), full()).unwrap();
    let other = std::fs::read_to_string(seeds().join("001_8f2e266a74151002.txt")).unwrap();
    std::fs::write(input.join("c_other.txt"), &other).unwrap();
    let old = dir.path().join("old.toml");
    // As built before the lead bands too: whole-text signatures only, so re-banding
    // re-fingerprints those texts from their stored bodies.
    std::fs::write(&old, "[dedup]\nbands = 32\nrows = 4\nlead_bands = 0\n").unwrap();
    let db = dir.path().join("t.db");
    let first = run_with_config(&db, &old, &input);
    assert_eq!((first["stored"].as_u64(), first["near_duplicates"].as_u64()), (Some(2), Some(1)), "{first}");
    let old_len = 3 + 4 * 32;
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM fingerprints WHERE length(data) = {old_len}")), 2);
    assert!(
        count(&db, &format!("SELECT COUNT(*) FROM article_members WHERE length(fingerprint) = {old_len}"))
            >= 1
    );
    // Article 2 as if stored before the `signatures` table existed.
    let other_id = count(&db, "SELECT article_id FROM sources WHERE path LIKE '%c_other.txt'");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM signatures WHERE article_id = ?1", [other_id])
        .unwrap();

    // Later copies, run with the defaults: a shorter copy of article 1, and a
    // lightly edited copy of article 2.
    let later = dir.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    let mut p = paragraphs();
    p.truncate(7);
    std::fs::write(later.join("d_shorter.txt"), p.join("\n\n")).unwrap();
    let mut edited: Vec<&str> = other.split("\n\n").collect();
    // (In the longest paragraph: a short one may be a dateline the cleaner drops.)
    let mid = (0..edited.len()).max_by_key(|&i| edited[i].len()).unwrap();
    let marked = format!("{} zqvedit", edited[mid]);
    edited[mid] = &marked;
    std::fs::write(later.join("e_other_edited.txt"), edited.join("\n\n")).unwrap();
    let out = bin()
        .arg("--db")
        .arg(&db)
        .env("RUST_LOG", "info")
        .args(["run", "--json"])
        .arg(&later)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("re-banded"), "the re-banding is logged: {stderr}");
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((again["stored"].as_u64(), again["near_duplicates"].as_u64()), (Some(0), Some(2)), "{again}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 2);

    // 42 whole-text bands and 8 lead bands (config/default.toml).
    let new_len = 3 + 4 * (42 + 8);
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM fingerprints WHERE length(data) <> {new_len}")), 0);
    assert_eq!(
        count(&db, &format!("SELECT COUNT(*) FROM article_members WHERE length(fingerprint) <> {new_len}")),
        0
    );
    // The article without a signature got one from its body.
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM signatures WHERE article_id = {other_id}")), 1);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM meta WHERE key = 'dedup_params' AND value LIKE '%bands=42x3 lead=40:8x3'"
        ),
        1
    );
    // A third open with the defaults does not re-band again.
    let out = bin().arg("--db").arg(&db).env("RUST_LOG", "info").args(["run"]).arg(&later).output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("re-band"));
}

/// Two copies cut apart (the first seven paragraphs; the last six with a paragraph of
/// their own) fail against each other (J 0.44, C 0.66), so they become two
/// articles; the whole text, arriving last, is a near copy of both, and their texts
/// share more than `member_confirm`: one story, so the two articles become one
/// (`dedup.merge_articles`), with every file, the text that contains both, and
/// stats that still add up. With the rule off they stay two.
#[test]
fn one_story_that_arrived_as_two_articles_becomes_one() {
    let p = paragraphs();
    let own = "Theo kế hoạch, hai bên sẽ tiếp tục trao đổi đoàn cấp cao trong năm tới, tăng cường chia sẻ kinh nghiệm về đào tạo cán bộ và phối hợp chặt chẽ tại các diễn đàn đa phương về an ninh khu vực.";
    let mut second = vec![p[0].clone(), own.to_string()];
    second.extend(p[4..].iter().cloned());
    for merge in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir_all(&input).unwrap();
        std::fs::write(input.join("a_first.txt"), p[..7].join("\n\n")).unwrap();
        std::fs::write(input.join("b_second.txt"), second.join("\n\n")).unwrap();
        std::fs::write(input.join("c_whole.txt"), p.join("\n\n")).unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, format!("[dedup]\nmerge_articles = {merge}\n")).unwrap();
        let db = dir.path().join("t.db");
        let run = run_with_config(&db, &cfg, &input);
        let s = stats(&db);
        assert_stats_add_up(&s);
        if !merge {
            assert_eq!((run["merged"].as_u64(), s["articles"].as_u64()), (Some(0), Some(2)), "{run} {s}");
            continue;
        }
        assert_eq!((run["stored"].as_u64(), run["merged"].as_u64()), (Some(2), Some(1)), "{run}");
        assert_eq!((s["articles"].as_u64(), s["near_duplicates"].as_u64()), (Some(1), Some(2)), "{s}");
        let id = count(&db, "SELECT id FROM articles");
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM sources WHERE article_id = {id}")), 3);
        let a = json(&db, &["show", &id.to_string(), "--json"]);
        assert!(
            a["text_source"].as_str().unwrap().ends_with("c_whole.txt"),
            "the text that contains both: {a}"
        );
        // Both earlier texts stay indexed under the article: a copy of either joins it.
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM article_members WHERE article_id = {id}")), 2);
        let later = dir.path().join("later");
        std::fs::create_dir_all(&later).unwrap();
        std::fs::write(later.join("d_copy.txt"), format!("Trang chủ\n\n{}\n\nTag", second.join("\n\n")))
            .unwrap();
        let again = run_json(&db, &[&later]);
        assert_eq!(
            (again["stored"].as_u64(), again["near_duplicates"].as_u64()),
            (Some(0), Some(1)),
            "{again}"
        );
        assert_eq!(stats(&db)["articles"].as_u64(), Some(1));
    }
}

/// A text made of two different stories glued together is a near copy of both (each
/// lies wholly inside it), but the two stories share nothing: it joins one of them and
/// merges nothing.
#[test]
fn a_text_of_two_stories_glued_together_merges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let one = paragraphs();
    let other = std::fs::read_to_string(seeds().join("001_8f2e266a74151002.txt")).unwrap();
    let other: Vec<&str> = other.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect();
    std::fs::write(input.join("a_one.txt"), one[..9].join("\n\n")).unwrap();
    std::fs::write(input.join("b_other.txt"), other.join("\n\n")).unwrap();
    let mut glued: Vec<String> = one[..9].to_vec();
    glued.extend(other.iter().map(|s| s.to_string()));
    std::fs::write(input.join("c_glued.txt"), glued.join("\n\n")).unwrap();
    let db = dir.path().join("t.db");
    let run = run_json(&db, &[&input]);
    assert_eq!(run["merged"].as_u64(), Some(0), "{run}");
    assert_eq!(stats(&db)["articles"].as_u64(), Some(2));
    // Though longer than either and containing both, the glued text becomes neither
    // article's text: each keeps its own file's text.
    let lines = export_lines(&db);
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let from = line["text_source"].as_str().unwrap();
        assert!(!from.ends_with("c_glued.txt"), "an article took the glued text: {line}");
    }
}

/// The glued text arriving *between* the two stories: it contains the first story's
/// text and is longer, so it becomes that article's text while the second story is
/// unknown. The second story, arriving next, lies wholly inside that text, but it
/// shares (almost) nothing with the first story's own text, kept as a member of the
/// article: it is a story of its own, not a copy. Both orders of the two stories.
/// With the check off (`dedup.glued_min_share = 0`) the second story is merged into
/// the first story's article: two distinct stories in one article.
#[test]
fn a_story_arriving_after_a_glued_text_that_holds_it_is_not_merged_into_the_first() {
    let one = paragraphs();
    let other = std::fs::read_to_string(seeds().join("001_8f2e266a74151002.txt")).unwrap();
    let other: Vec<String> =
        other.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
    let mut glued: Vec<String> = one[..9].to_vec();
    glued.extend(other.iter().cloned());
    for (first, last) in
        [(one[..9].join("\n\n"), other.join("\n\n")), (other.join("\n\n"), one[..9].join("\n\n"))]
    {
        for check_on in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let input = dir.path().join("in");
            std::fs::create_dir_all(&input).unwrap();
            std::fs::write(input.join("a_first.txt"), &first).unwrap();
            std::fs::write(input.join("b_glued.txt"), glued.join("\n\n")).unwrap();
            std::fs::write(input.join("c_last.txt"), &last).unwrap();
            let cfg = dir.path().join("c.toml");
            let share = if check_on { "0.25" } else { "0" };
            std::fs::write(&cfg, format!("[dedup]\nglued_min_share = {share}\n")).unwrap();
            let db = dir.path().join("t.db");
            let run = run_with_config(&db, &cfg, &input);
            // The files are read in name order: first, glued, last.
            let lines = export_lines(&db);
            let with_last = lines
                .iter()
                .find(|l| {
                    l["sources"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|s| s["path"].as_str().unwrap().ends_with("c_last.txt"))
                })
                .unwrap();
            let paths: Vec<&str> = with_last["sources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["path"].as_str().unwrap())
                .collect();
            let alone = paths.iter().all(|p| !p.ends_with("a_first.txt"));
            assert_eq!(
                alone, check_on,
                "check on: {check_on}; run {run}; the last story's article: {paths:?}"
            );
            if check_on {
                assert_eq!(lines.len(), 2, "{run}");
                assert_eq!(run["merged"].as_u64(), Some(0), "{run}");
                // And the first story's article, whose text the glued page had taken,
                // has its own text back (the glued page stays one of its files).
                let with_first = lines.iter().find(|l| !std::ptr::eq(*l, with_last)).unwrap();
                let from = with_first["text_source"].as_str().unwrap();
                assert!(from.ends_with("a_first.txt"), "the first story's text is from {from}: {with_first}");
                let files: Vec<&str> = with_first["sources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["path"].as_str().unwrap())
                    .collect();
                assert!(files.iter().any(|p| p.ends_with("b_glued.txt")), "{files:?}");
            }
        }
    }
}

/// The glued page first: story A with story B glued on, then A's own copy (which
/// joins the glued page's article as a member), then B. B is split off as a story of
/// its own (above), and the article's text, which held both stories, becomes A's copy:
/// the glued page has no earlier text to give back, its member holding the story at
/// its top does. In the other order (B's copy before A's) the member is B's, not the
/// page's top story, and the glued text stays (the title is A's): nothing is taken.
#[test]
fn a_glued_page_that_came_first_gives_way_to_its_own_storys_copy() {
    let one = paragraphs();
    let other = std::fs::read_to_string(seeds().join("001_8f2e266a74151002.txt")).unwrap();
    let other: Vec<String> =
        other.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
    let mut glued: Vec<String> = one[..9].to_vec();
    glued.extend(other.iter().cloned());
    for own_first in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir_all(&input).unwrap();
        let (b, c) = if own_first { (&one[..9], &other[..]) } else { (&other[..], &one[..9]) };
        std::fs::write(input.join("a_glued.txt"), glued.join("\n\n")).unwrap();
        std::fs::write(input.join("b.txt"), b.join("\n\n")).unwrap();
        std::fs::write(input.join("c.txt"), c.join("\n\n")).unwrap();
        let db = dir.path().join("t.db");
        let run = run_json(&db, &[&input]);
        let lines = export_lines(&db);
        assert_eq!(lines.len(), 2, "{run}");
        assert_eq!(run["merged"].as_u64(), Some(0), "{run}");
        let paths = |l: &serde_json::Value| -> Vec<String> {
            l["sources"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap().to_string()).collect()
        };
        let glued_article =
            lines.iter().find(|l| paths(l).iter().any(|p| p.ends_with("a_glued.txt"))).unwrap();
        let body: Vec<&str> =
            glued_article["body"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        let holds_other = body.iter().any(|p| other.iter().any(|o| o == p));
        if own_first {
            let from = glued_article["text_source"].as_str().unwrap_or("");
            assert!(from.ends_with("b.txt"), "text from {from}: {glued_article}");
            assert!(!holds_other, "the glued story left the article's text: {body:?}");
            let own = bin().args(["clean", "--json"]).arg(input.join("b.txt")).output().unwrap();
            let own: serde_json::Value = serde_json::from_slice(&own.stdout).unwrap();
            assert_eq!(glued_article["body"], own["body"], "the article's text is its own story's copy");
            let files = paths(glued_article);
            assert!(files.iter().any(|p| p.ends_with("b.txt")), "{files:?}");
            let alone = lines.iter().find(|l| !std::ptr::eq(*l, glued_article)).unwrap();
            assert_eq!(paths(alone).len(), 1, "the second story alone: {alone}");
        } else {
            assert!(holds_other, "nothing taken in this order: {body:?}");
        }
    }
}
