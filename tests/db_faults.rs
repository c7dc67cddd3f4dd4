//! Database faults: read-only file, disk full, locked by another writer. Each gives
//! a clear error naming the database, a non-zero exit, and nothing half-written:
//! every article has its ledger row and the next run (fault gone) finishes the job.

mod common;
#[path = "common/encodings.rs"]
mod encodings;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use rusqlite::Connection;

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `n` distinct, article-sized texts (random Vietnamese words; no near duplicates).
fn write_articles(dir: &Path, n: usize) {
    const WORDS: &[&str] = &[
        "Việt",
        "Nam",
        "hội",
        "đàm",
        "kinh",
        "tế",
        "phát",
        "triển",
        "chính",
        "phủ",
        "người",
        "dân",
        "thành",
        "phố",
        "Hà",
        "Nội",
        "bộ",
        "trưởng",
        "công",
        "an",
        "quốc",
        "hội",
        "đường",
        "sắt",
        "bệnh",
        "viện",
        "giáo",
        "dục",
        "trường",
        "học",
        "nông",
        "nghiệp",
        "xuất",
        "khẩu",
        "gạo",
        "cà",
        "phê",
        "bão",
        "lũ",
        "miền",
        "Trung",
        "tỉnh",
        "huyện",
        "xã",
        "ngân",
        "hàng",
        "lãi",
        "suất",
        "thị",
        "trường",
        "chứng",
        "khoán",
    ];
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let r = encodings::random_bytes(1200, i as u64 * 7919 + 1);
        let mut text = String::new();
        for (j, b) in r.iter().enumerate() {
            text.push_str(WORDS[*b as usize % WORDS.len()]);
            text.push_str(match j % 97 {
                96 => ".\n\n",
                k if k % 12 == 11 => ". ",
                _ => " ",
            });
        }
        std::fs::write(dir.join(format!("a{i:04}.txt")), text).unwrap();
    }
}

fn run_raw(db: &Path, input: &Path, extra_config: Option<&Path>) -> Output {
    let mut c = bin();
    if let Some(cfg) = extra_config {
        c.arg("--config").arg(cfg);
    }
    c.arg("--db").arg(db).arg("run").arg("--json").arg(input).output().unwrap()
}

/// What a consistent database looks like after any fault.
fn assert_consistent(db: &Path) {
    let c = Connection::open(db).unwrap();
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let orphans: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS
               (SELECT 1 FROM sources s WHERE s.article_id = a.id AND s.status = 'stored')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "an article without its ledger row");
    assert_stats_add_up(&stats(db));
}

fn small_timeout_config(dir: &Path) -> PathBuf {
    let cfg = dir.join("busy.toml");
    std::fs::write(&cfg, "[database]\nbusy_timeout_ms = 300\n").unwrap();
    cfg
}

/// A database (WAL mode) holding one article, and an input directory of the five
/// seeds to ingest into it next.
fn database_with_one_article(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let input = dir.join("in");
    copy_seeds(&input);
    let db = dir.join("t.db");
    let first = dir.join("first");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::copy(seeds().join("000_634d2d9314a48930.txt"), first.join("x.txt")).unwrap();
    run_json(&db, &[&first]);
    (input, db)
}

#[test]
fn database_locked_by_another_connection_fails_cleanly_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (input, db) = database_with_one_article(dir.path());

    // Another program holds a write lock.
    let holder = Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let cfg = small_timeout_config(dir.path());
    let started = std::time::Instant::now();
    let out = run_raw(&db, &input, Some(&cfg));
    assert!(started.elapsed().as_secs() < 30, "waited far past busy_timeout");
    assert!(!out.status.success(), "a locked database must fail the run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&db.display().to_string()), "error names the database: {err}");
    assert!(err.contains("locked"), "error says why: {err}");
    eprintln!("locked error as the user sees it: {err}");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);

    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources"), 1, "nothing of the failed run was written");
    assert_consistent(&db);
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 4, "{s}");
    assert_eq!(s["duplicates"], 1, "{s}");
    assert_consistent(&db);
}

#[test]
fn a_second_writer_is_refused_with_the_holder_named() {
    use std::os::unix::io::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    copy_seeds(&input);
    let db = dir.path().join("t.db");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("t.db.lock"))
        .unwrap();
    // SAFETY: flock on a descriptor we own.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
    let out = run_raw(&db, &input, None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another news-ingest writer"), "{err}");
    drop(lock);
    assert_eq!(run_json(&db, &[&input])["stored"], 5);
}

/// Runs the binary with a file-size limit (RLIMIT_FSIZE, in 512-byte blocks for
/// `sh`): writes past it fail like a full disk. SIGXFSZ is ignored so the write
/// returns an error instead of killing the process (ignored signals survive exec).
fn run_with_fsize_limit(db: &Path, input: &Path, cfg: &Path, blocks: u64) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("news-ingest");
    Command::new("sh")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" \"$@\""))
        .arg(bin)
        .arg("--config")
        .arg(cfg)
        .arg("--db")
        .arg(db)
        .args(["run", "--json"])
        .arg(input)
        .env_remove("NEWS_INGEST_DB")
        .output()
        .unwrap()
}

#[test]
fn file_size_limit_midway_fails_the_run_and_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    write_articles(&input, 300);
    let db = dir.path().join("t.db");
    // Room for the schema and a few batches, not for 300 articles of ~8 KB.
    let cfg = dir.path().join("small-batches.toml");
    std::fs::write(&cfg, "[pipeline]\nbatch_size = 20\n").unwrap();
    let out = run_with_fsize_limit(&db, &input, &cfg, 1024);
    assert!(!out.status.success(), "a full disk must fail the run: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&db.display().to_string()), "error names the database: {err}");
    eprintln!("disk-full error as the user sees it: {err}");
    assert_consistent(&db);
    let before = count(&db, "SELECT COUNT(*) FROM sources");
    assert!(before < 300);

    // Space again: the next run finishes the job, nothing twice.
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"].as_i64().unwrap() + before, 300, "{s}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 300);
    assert_consistent(&db);
}

/// A mount that is undone when dropped.
struct Mount(PathBuf);

impl Mount {
    fn new(args: &[&str], target: &Path) -> Option<Mount> {
        let ok = Command::new("mount").args(args).arg(target).status().map(|s| s.success()).unwrap_or(false);
        ok.then(|| Mount(target.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn disk_full_on_a_small_tmpfs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    write_articles(&input, 300);
    let mnt = dir.path().join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let Some(_mount) = Mount::new(&["-t", "tmpfs", "-o", "size=400k", "tmpfs"], &mnt) else {
        eprintln!(
            "SKIPPED disk_full_on_a_small_tmpfs: cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)"
        );
        return;
    };
    let db = mnt.join("t.db");
    let out = run_raw(&db, &input, None);
    assert!(!out.status.success(), "a full disk must fail the run");
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("disk-full error as the user sees it: {err}");
    assert!(err.contains(&db.display().to_string()), "error names the database: {err}");
    assert!(err.contains("full"), "error says the disk is full: {err}");
    assert_consistent(&db);
    let before = count(&db, "SELECT COUNT(*) FROM sources");

    let grown = Command::new("mount").args(["-o", "remount,size=32m"]).arg(&mnt).status().unwrap();
    assert!(grown.success());
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"].as_i64().unwrap() + before, 300, "{s}");
    assert_consistent(&db);
}

#[test]
fn read_only_database_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (input, db) = database_with_one_article(dir.path());
    // Checkpoint so the database is one file (a read-only WAL would be another fault).
    Connection::open(&db).unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();

    // Not root: permissions. Root ignores them: a read-only bind mount of the file.
    let _mount;
    if running_as_root() {
        match Mount::new(&["--bind", db.to_str().unwrap()], &db) {
            Some(m) => _mount = m,
            None => {
                eprintln!("SKIPPED read_only_database_file_is_a_clear_error: root, and cannot bind-mount");
                return;
            }
        }
        let ro = Command::new("mount").args(["-o", "remount,ro,bind"]).arg(&db).status().unwrap();
        assert!(ro.success());
    } else {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    let out = run_raw(&db, &input, None);
    assert!(!out.status.success(), "a read-only database must fail the run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&db.display().to_string()), "error names the database: {err}");
    assert!(err.contains("read-only"), "error says why: {err}");
    eprintln!("read-only error as the user sees it: {err}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources"), 1);
    // Reading still works.
    assert_eq!(stats(&db)["files"], 1);
}
