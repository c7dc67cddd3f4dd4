//! Issue 14: races on the filesystem, pipes, limits, moves and escapes, each tried
//! on the real binary. Races are made likely by flipping files in a loop for a few
//! seconds (bounded); every wait polls with a generous limit.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_news-ingest")
}

/// A distinct article (not a near copy of any other): sentences of words drawn from
/// the seed fixtures with a generator seeded by `i`.
fn article(i: u64, marker: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for e in std::fs::read_dir(seeds()).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        words.extend(
            text.split_whitespace().filter(|w| w.chars().all(char::is_alphabetic)).map(str::to_lowercase),
        );
    }
    words.sort();
    words.dedup();
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = String::new();
    for p in 0..6 {
        let mut para = String::new();
        for s in 0..4 {
            let n = 12 + (next() % 8) as usize;
            let sentence: Vec<&str> =
                (0..n).map(|_| words[(next() % words.len() as u64) as usize].as_str()).collect();
            let mut sentence = sentence.join(" ");
            if p == 2 && s == 1 {
                sentence.push(' ');
                sentence.push_str(marker);
            }
            let mut c = sentence.chars();
            let first = c.next().unwrap().to_uppercase().collect::<String>();
            para.push_str(&format!("{first}{}. ", c.as_str()));
        }
        out.push_str(para.trim_end());
        out.push_str("\n\n");
    }
    out
}

fn write_articles(dir: &Path, range: std::ops::Range<u64>) {
    std::fs::create_dir_all(dir).unwrap();
    for i in range {
        std::fs::write(dir.join(format!("a{i:05}.txt")), article(i, "")).unwrap();
    }
}

/// Runs `f` in a loop on a thread until the returned guard is dropped.
struct Flipper {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Flipper {
    fn start(mut f: impl FnMut() + Send + 'static) -> Flipper {
        let stop = Arc::new(AtomicBool::new(false));
        let s = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                f();
            }
        });
        Flipper { stop, handle: Some(handle) }
    }
}

impl Drop for Flipper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Runs the binary with a time limit; panics (with its stderr) when it overruns.
fn run_limited(args: &[&std::ffi::OsStr], limit: Duration) -> std::process::Output {
    let mut child = Command::new(exe())
        .env_remove("NEWS_INGEST_DB")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("news-ingest {args:?} hung for {limit:?}\n{}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

// ---- 1. check-then-use on paths ----------------------------------------------------

/// A file swapped for a FIFO between discovery and read must not hang `run`.
#[test]
fn file_flipped_to_fifo_never_hangs_run() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    write_articles(&dir, 0..30);
    let flip = dir.join("flip.txt");
    let (d, f) = (dir.clone(), flip.clone());
    let _flipper = Flipper::start(move || {
        let tmp_file = d.join(".flip-file");
        let tmp_fifo = d.join(".flip-fifo");
        std::fs::write(&tmp_file, article(999, "")).unwrap();
        let _ = std::fs::rename(&tmp_file, &f);
        let c = std::ffi::CString::new(tmp_fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo on a path we own.
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
        let _ = std::fs::rename(&tmp_fifo, &f);
    });
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut runs = 0;
    while Instant::now() < deadline || runs < 5 {
        let db = work.path().join(format!("t{runs}.db"));
        let out =
            run_limited(&[os("--db"), db.as_os_str(), os("run"), dir.as_os_str()], Duration::from_secs(30));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        runs += 1;
    }
}

/// Names flipped between a file inside the root and a symlink to a file outside it:
/// the outside file is never read. Forty names flip at once, so every run meets many
/// names that discovery saw as a regular file and that are a symlink by the time they
/// are opened: opening by name again (following the link, the mechanism before the
/// fix) reads the outside file in practically every run. The invariant is checked on
/// the ledger itself: no `sources` row has the outside file's bytes, whatever status.
#[test]
fn symlink_flipped_to_outside_is_never_ingested() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    write_articles(&dir, 0..20);
    let outside = work.path().join("outside.txt");
    std::fs::write(&outside, article(4242, "zzsecretoutside")).unwrap();
    // Control: the outside file on its own is stored and found by its marker.
    let control = work.path().join("control.db");
    run_json(&control, &[&outside]);
    assert_eq!(count(&control, "SELECT count(*) FROM articles WHERE body LIKE '%zzsecretoutside%'"), 1);
    let outside_sha: String = rusqlite::Connection::open(&control)
        .unwrap()
        .query_row("SELECT file_sha256 FROM sources", [], |r| r.get(0))
        .unwrap();
    const FLIPS: usize = 40;
    let inside: Vec<PathBuf> = (0..FLIPS)
        .map(|k| {
            let p = work.path().join(format!("inside{k}.txt"));
            std::fs::write(&p, article(5000 + k as u64, "")).unwrap();
            p
        })
        .collect();
    let (d, o) = (dir.clone(), outside.clone());
    let mut round = 0usize;
    let _flipper = Flipper::start(move || {
        for (k, i) in inside.iter().enumerate() {
            let f = d.join(format!("flip{k}.txt"));
            let tmp = d.join(format!(".flip-tmp{k}"));
            let _ = std::fs::remove_file(&tmp);
            if (round + k) % 2 == 0 {
                let _ = std::fs::hard_link(i, &tmp);
            } else {
                let _ = std::os::unix::fs::symlink(&o, &tmp);
            }
            let _ = std::fs::rename(&tmp, &f);
        }
        round += 1;
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut runs = 0;
    while Instant::now() < deadline || runs < 5 {
        let db = work.path().join(format!("t{runs}.db"));
        let out =
            run_limited(&[os("--db"), db.as_os_str(), os("run"), dir.as_os_str()], Duration::from_secs(30));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let c = rusqlite::Connection::open(&db).unwrap();
        let read: i64 = c
            .query_row("SELECT count(*) FROM sources WHERE file_sha256 = ?1", [&outside_sha], |r| r.get(0))
            .unwrap();
        assert_eq!(read, 0, "run {runs}: the file outside the root was read");
        let found = count(&db, "SELECT count(*) FROM articles WHERE body LIKE '%zzsecretoutside%'");
        assert_eq!(found, 0, "run {runs}: the file outside the root was ingested");
        runs += 1;
    }
}

// ---- 2. one file, one path ----------------------------------------------------------

#[test]
fn a_file_is_one_path_however_the_root_is_typed() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    copy_seeds(&dir);
    let db = work.path().join("t.db");
    let abs = dir.to_str().unwrap().to_string();
    for (cwd, arg) in
        [(work.path(), "in"), (work.path(), "./in"), (work.path(), abs.as_str()), (dir.as_path(), ".")]
    {
        let out = bin().current_dir(cwd).arg("--db").arg(&db).arg("run").arg(arg).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(count(&db, "SELECT count(*) FROM sources"), 5, "each file recorded once");
    assert_eq!(count(&db, "SELECT count(*) FROM sources WHERE status = 'duplicate'"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM sources WHERE substr(path, 1, 1) <> '/'"), 0);
}

/// A database written before canonical paths (rows with the path as typed) is not
/// ingested a second time: its rows are recognised and rewritten.
#[test]
fn rows_recorded_with_relative_paths_are_recognised() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    copy_seeds(&dir);
    let db = work.path().join("t.db");
    let out = bin().current_dir(work.path()).arg("--db").arg(&db).arg("run").arg("in").output().unwrap();
    assert!(out.status.success());
    {
        // Turn it into what an older version wrote, and roll the migrations from the
        // one that notices relative rows on back, so that opening runs it again (the
        // one after it, the merge redirects, runs again as is: it is idempotent).
        let c = rusqlite::Connection::open(&db).unwrap();
        let prefix = format!("{}/", work.path().canonicalize().unwrap().display());
        c.execute(
            "UPDATE sources SET path = substr(path, ?1), path_bytes = CAST(substr(path, ?1) AS BLOB)",
            [prefix.len() as i64 + 1],
        )
        .unwrap();
        c.execute("DELETE FROM meta WHERE key = 'legacy_relative_paths'", []).unwrap();
        let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        c.pragma_update(None, "user_version", v - 2).unwrap();
    }
    assert_eq!(count(&db, "SELECT count(*) FROM sources WHERE path LIKE 'in/%'"), 5);
    let out = bin().arg("--db").arg(&db).arg("run").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&db, "SELECT count(*) FROM sources"), 5, "no second ingest");
    assert_eq!(
        count(&db, "SELECT count(*) FROM sources WHERE substr(path, 1, 1) = '/'"),
        5,
        "rows rewritten"
    );
}

// ---- 3. one database, one writer ----------------------------------------------------

#[test]
fn a_symlink_to_the_database_takes_the_same_lock() {
    let work = tempfile::tempdir().unwrap();
    copy_seeds(&work.path().join("in"));
    let real = work.path().join("real.db");
    let link = work.path().join("link.db");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    // Hold the real database's writer lock, as a running writer does.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(work.path().join("real.db.lock"))
        .unwrap();
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor we own.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
    let out = bin().arg("--db").arg(&link).arg("run").arg(work.path().join("in")).output().unwrap();
    assert!(!out.status.success(), "a second writer ran through a symlink");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in use"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(lock);
    let out = bin().arg("--db").arg(&link).arg("run").arg(work.path().join("in")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Two hard links to one database file are one database: a writer running through one
/// name (a `watch` daemon) keeps `run` out through the other, whatever lock files
/// their names give. Fails when the lock is derived from the path.
#[test]
fn a_hard_link_to_the_database_takes_the_same_lock() {
    let work = tempfile::tempdir().unwrap();
    copy_seeds(&work.path().join("in"));
    let watched = work.path().join("watched");
    std::fs::create_dir_all(&watched).unwrap();
    let real = work.path().join("real.db");
    // A database file first (a run), then a second name for it in another directory.
    run_json(&real, &[&work.path().join("in")]);
    let other = work.path().join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    let link = other.join("link.db");
    std::fs::hard_link(&real, &link).unwrap();
    let cfg = work.path().join("c.toml");
    std::fs::write(&cfg, "[watch]\nsettle_ms = 0\n").unwrap();
    let log = work.path().join("watch.log");
    let mut child = spawn_watch(&cfg, &real, &watched, &log);
    let start = Instant::now();
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("initial scan done") {
        assert!(start.elapsed() < Duration::from_secs(60), "the daemon never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = bin().arg("--db").arg(&link).arg("run").arg(work.path().join("in")).output().unwrap();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = wait_exit(&mut child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a second writer ran through a hard link: {err}");
    assert!(err.contains("in use"), "{err}");
    // With the daemon gone, the other name writes.
    let out = bin().arg("--db").arg(&link).arg("run").arg(work.path().join("in")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---- 4. pipes and closed output -----------------------------------------------------

/// A database with the seeds, and every printing command with its arguments.
fn printing_commands(work: &Path) -> (PathBuf, Vec<Vec<String>>) {
    let dir = work.join("in");
    copy_seeds(&dir);
    let db = work.join("t.db");
    run_json(&db, &[&dir]);
    let file = dir.join("001_8f2e266a74151002.txt").display().to_string();
    let file2 = dir.join("002_1a329180d67adb47.txt").display().to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let cmds = vec![
        s(&["export"]),
        s(&["stats"]),
        s(&["stats", "--json"]),
        s(&["search", "Bộ trưởng"]),
        s(&["search", "--json", "Bộ trưởng"]),
        s(&["show", "1"]),
        s(&["show", "--json", "1"]),
        s(&["dupes"]),
        s(&["clean", &file]),
        s(&["clean", "--json", &file]),
        s(&["why", &file, &file2]),
        s(&["why", "--json", &file, &file2]),
        s(&["reindex"]),
        s(&["run", &dir.display().to_string()]),
        s(&["run", "--json", &dir.display().to_string()]),
    ];
    (db, cmds)
}

#[test]
fn closed_pipes_end_every_command_quietly_with_status_0() {
    let work = tempfile::tempdir().unwrap();
    let (db, cmds) = printing_commands(work.path());
    for args in &cmds {
        // The reading end is closed before the command writes anything.
        let mut child = Command::new(exe())
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?} with a closed pipe: {:?}\n{err}", out.status);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
        // `>&-`: stdout closed outright.
        let line = format!(
            "exec \"$0\" --db \"$1\" {} >&-",
            args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ")
        );
        let out = Command::new("sh").arg("-c").arg(line).arg(exe()).arg(&db).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} with stdout closed: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn early_close_and_full_disk_never_panic() {
    let work = tempfile::tempdir().unwrap();
    let (db, cmds) = printing_commands(work.path());
    for args in &cmds {
        // `| head -c 1`.
        let mut child = Command::new(exe())
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut one = [0u8; 1];
        let mut stdout = child.stdout.take().unwrap();
        let _ = stdout.read(&mut one);
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?} | head -c 1: {:?}\n{err}", out.status);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        // A full disk is a real error: a message and status 2, never a panic (101).
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(exe())
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{args:?} > /dev/full panicked: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `export | head` on a database whose export is larger than a pipe's buffer.
#[test]
fn export_into_head_exits_0() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    write_articles(&dir, 0..120);
    let db = work.path().join("t.db");
    run_json(&db, &[&dir]);
    let mut child = Command::new(exe())
        .arg("--db")
        .arg(&db)
        .arg("export")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = [0u8; 4096];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut line).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?} {}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---- 6. limits -------------------------------------------------------------------------

#[test]
fn out_of_range_numbers_are_clear_config_errors() {
    let work = tempfile::tempdir().unwrap();
    let cfg = work.path().join("c.toml");
    for (section, key, value) in [
        ("database", "busy_timeout_ms", "3000000000"),
        ("pipeline", "channel_capacity", "9223372036854775807"),
        ("input", "max_file_size", "107374182400"),
        ("pipeline", "workers", "100000"),
        ("pipeline", "batch_size", "0"),
        ("watch", "max_backoff_ms", "9223372036854775807"),
        ("watch", "shutdown_timeout_ms", "9223372036854775807"),
        ("search", "rank_window", "0"),
        ("dedup", "max_candidates", "0"),
        ("database", "writer_cache_mib", "9223372036854775807"),
    ] {
        std::fs::write(&cfg, format!("[{section}]\n{key} = {value}\n")).unwrap();
        let out = bin()
            .arg("--config")
            .arg(&cfg)
            .arg("--db")
            .arg(work.path().join("t.db"))
            .args(["run", "."])
            .current_dir(work.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key} = {value}: {err}");
        assert!(
            err.contains(&format!("{section}.{key}")) && err.contains("c.toml") && err.contains("between"),
            "{key}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_query_of_a_thousand_words_works() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    copy_seeds(&dir);
    let db = work.path().join("t.db");
    run_json(&db, &[&dir]);
    // 150+ distinct words of one stored article: more phrases than a SQL function
    // takes arguments (127).
    let out = bin().arg("--db").arg(&db).args(["show", "--json", "5"]).output().unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text =
        shown["body"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect::<Vec<_>>().join(" ");
    let mut words: Vec<String> = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() > 1) {
        let w = w.to_lowercase();
        if !words.contains(&w) {
            words.push(w);
        }
    }
    assert!(words.len() >= 150, "{}", words.len());
    let out = bin().arg("--db").arg(&db).args(["search", "--json"]).args(&words).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{hits}");
    // A thousand words, most of them in no article: no error, no match.
    let many: Vec<String> = (0..1000).map(|i| format!("w{i}x")).collect();
    let out = bin().arg("--db").arg(&db).arg("search").args(&many).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---- 7. snapshots that pin the WAL ------------------------------------------------

/// An export stalled on a full pipe holds no read snapshot: a writer's WAL can be
/// checkpointed and truncated completely while the export waits.
#[test]
fn a_stalled_export_does_not_pin_the_wal() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    write_articles(&dir, 0..400);
    let db = work.path().join("t.db");
    run_json(&db, &[&dir]);
    // Export into a pipe nobody reads: it fills the pipe and blocks in a write.
    let mut export = Command::new(exe())
        .arg("--db")
        .arg(&db)
        .arg("export")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(export.try_wait().unwrap().is_none(), "export should be blocked on the full pipe");
    // New work is written while it waits.
    let more = work.path().join("more");
    write_articles(&more, 400..440);
    run_json(&db, &[&more]);
    let c = rusqlite::Connection::open(&db).unwrap();
    let (busy, log, done): (i64, i64, i64) = c
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    let _ = export.kill();
    let _ = export.wait();
    assert_eq!(busy, 0, "the stalled export holds a read snapshot (log {log}, checkpointed {done})");
}

// ---- 9. terminal escapes from file names --------------------------------------------

#[test]
fn control_characters_in_file_names_never_reach_the_terminal() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    copy_seeds(&dir);
    let evil = dir.join("\u{1b}]0;pwned\u{7}\u{1b}[2J.txt");
    std::fs::copy(dir.join("001_8f2e266a74151002.txt"), &evil).unwrap();
    // A rejected file is named in the log.
    std::fs::write(dir.join("\u{1b}[31mpwned-binary\u{7}.txt"), [0u8, 1, 2, 3, 0, 0, 0, 9]).unwrap();
    let db = work.path().join("t.db");
    let out = bin()
        .arg("--db")
        .arg(&db)
        .args(["--log-format", "text", "run"])
        .arg(&dir)
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.success());
    let id = count(&db, "SELECT article_id FROM sources WHERE status = 'duplicate'");
    let show = bin().arg("--db").arg(&db).arg("show").arg(id.to_string()).output().unwrap();
    let dupes = bin().arg("--db").arg(&db).arg("dupes").output().unwrap();
    for (what, bytes) in [("run log", &out.stderr), ("show", &show.stdout), ("dupes", &dupes.stdout)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(text.contains("pwned"), "{what} should name the file: {text}");
        assert!(
            !bytes.iter().any(|&b| b == 0x1b || b == 0x07),
            "{what} printed raw control characters: {text:?}"
        );
    }
}

// ---- 10. smaller ones --------------------------------------------------------------

#[test]
fn a_file_that_is_not_a_database_is_named_as_such() {
    let work = tempfile::tempdir().unwrap();
    let junk = work.path().join("junk.db");
    std::fs::write(&junk, vec![0x5au8; 8192]).unwrap();
    for args in [&["stats"][..], &["search", "x"], &["run", "."]] {
        let out = bin().current_dir(work.path()).arg("--db").arg(&junk).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("not a SQLite database") && !err.contains("FTS5"), "{args:?}: {err}");
    }
}

#[test]
fn paths_that_cannot_be_listed_make_the_run_say_so() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    copy_seeds(&dir);
    // A directory chain whose full path is longer than PATH_MAX (4096 bytes), built
    // one component at a time through directory descriptors (no path is ever long).
    let seed = std::fs::read(seeds().join("000_634d2d9314a48930.txt")).unwrap();
    let component = std::ffi::CString::new("d".repeat(200)).unwrap();
    let file = std::ffi::CString::new("deep.txt").unwrap();
    let top = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: open/mkdirat/openat/write/close on descriptors this block owns.
    unsafe {
        let mut fd = libc::open(top.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
        assert!(fd >= 0);
        for _ in 0..24 {
            assert_eq!(libc::mkdirat(fd, component.as_ptr(), 0o755), 0);
            let next = libc::openat(fd, component.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let f = libc::openat(fd, file.as_ptr(), libc::O_WRONLY | libc::O_CREAT, 0o644);
        assert!(f >= 0);
        assert_eq!(libc::write(f, seed.as_ptr().cast(), seed.len()), seed.len() as isize);
        libc::close(f);
        libc::close(fd);
    }
    let db = work.path().join("t.db");
    let out = bin().arg("--db").arg(&db).arg("run").arg(&dir).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Not a fatal error (CONTRACT.md: non-zero only for those): status 0, and the
    // summary, the warnings and the JSON summary say what was skipped.
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("could not be listed"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT LISTED"));
    // The other files are processed all the same.
    assert_eq!(count(&db, "SELECT count(*) FROM sources"), 5);
    let out = bin().arg("--db").arg(&db).arg("run").arg("--json").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["unlisted"], 1, "{summary}");
}

// ---- 8. crash during a cross-device move -------------------------------------------

fn spawn_watch(cfg: &Path, db: &Path, dir: &Path, log: &Path) -> std::process::Child {
    Command::new(exe())
        .env_remove("NEWS_INGEST_DB")
        .env("RUST_LOG", "info")
        .arg("--config")
        .arg(cfg)
        .arg("--db")
        .arg(db)
        .arg("watch")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(start.elapsed() < limit, "daemon did not exit within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `done_dir` on another filesystem (tmpfs `/dev/shm`), the daemon SIGKILLed inside
/// each window of a cross-device move, deterministically: the test hook
/// `NEWS_INGEST_TEST_PAUSE_MOVE_MS` holds the move half-way through the copy and again
/// after the copy is complete but before the source is removed, and the test kills
/// the daemon once it sees that state on disk (a copy shorter than its source; a
/// complete copy whose source is still in DIR). Every file must end up in done_dir
/// exactly once, complete, with no leftover partial copy. Copying straight to the
/// final name (the mechanism before the fix) fails both: a truncated file, then a
/// `.1` duplicate when the restarted daemon moves the source again.
#[test]
fn sigkills_during_cross_device_moves_never_duplicate_or_truncate() {
    let work = tempfile::tempdir().unwrap();
    let shm = tempfile::tempdir_in("/dev/shm").expect("this test needs /dev/shm (tmpfs)");
    let dev = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p).unwrap().dev()
    };
    assert_ne!(dev(work.path()), dev(shm.path()), "/dev/shm must be another filesystem than the temp dir");
    let dir = work.path().join("in");
    const N: u64 = 24;
    write_articles(&dir, 0..N);
    let full_len = |name: &str| -> Option<u64> {
        let i: u64 = name.strip_prefix('a')?.strip_suffix(".txt")?.parse().ok()?;
        Some(article(i, "").len() as u64)
    };
    let done = shm.path().join("done");
    let cfg = work.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[pipeline]\nbatch_interval_ms = 50\nbatch_size = 8\n[watch]\nrescan_interval_ms = 200\nsettle_ms = 0\nshutdown_timeout_ms = 20000\ndone_dir = \"{}\"\n",
            done.display()
        ),
    )
    .unwrap();
    let db = work.path().join("t.db");
    let log = work.path().join("watch.log");
    let left = |d: &Path| std::fs::read_dir(d).map(|r| r.count()).unwrap_or(0);
    // The files in done_dir, each with the name of its source (a temporary
    // ".NAME.news-ingest-partial" counts as NAME) and its size.
    let in_done = || -> Vec<(String, u64)> {
        let Ok(rd) = std::fs::read_dir(&done) else { return Vec::new() };
        rd.filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            let src = name
                .strip_prefix('.')
                .and_then(|n| n.strip_suffix(".news-ingest-partial"))
                .unwrap_or(&name)
                .to_string();
            Some((src, e.metadata().ok()?.len()))
        })
        .collect()
    };
    let mut kills = [0usize; 2];
    for round in 0..6usize {
        let want_mid_copy = round % 2 == 0;
        let mut child = Command::new(exe())
            .env_remove("NEWS_INGEST_DB")
            .env("RUST_LOG", "info")
            .env("NEWS_INGEST_TEST_PAUSE_MOVE_MS", "400")
            .arg("--config")
            .arg(&cfg)
            .arg("--db")
            .arg(&db)
            .arg("watch")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut hit = false;
        while start.elapsed() < Duration::from_secs(30) {
            let files = in_done();
            hit = files.iter().any(|(src, len)| {
                let full = full_len(src);
                if want_mid_copy {
                    full.is_some_and(|f| *len < f)
                } else {
                    full == Some(*len) && dir.join(src).exists()
                }
            });
            if hit || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        wait_exit(&mut child, Duration::from_secs(30));
        assert!(hit, "round {round}: the move never reached the window (mid-copy: {want_mid_copy})");
        kills[usize::from(!want_mid_copy)] += 1;
    }
    assert_eq!(kills, [3, 3]);
    let mut child = spawn_watch(&cfg, &db, &dir, &log);
    let start = Instant::now();
    // The last daemon must be running before it is stopped: a SIGTERM that lands while
    // the process is still being exec'd (before `main`) kills it with 143.
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("initial scan done") {
        assert!(start.elapsed() < Duration::from_secs(90), "the daemon never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    while left(&dir) > 0 {
        assert!(start.elapsed() < Duration::from_secs(90), "files left in DIR: {}", left(&dir));
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = wait_exit(&mut child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}: {}", std::fs::read_to_string(&log).unwrap_or_default());
    let mut names: Vec<String> = std::fs::read_dir(&done)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len() as u64, N, "done_dir holds {} files for {N}: {names:?}", names.len());
    for i in 0..N {
        let name = format!("a{i:05}.txt");
        let got = std::fs::read_to_string(done.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, article(i, ""), "{name} is not a complete copy");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM sources"), N as i64);
}

// ---- 10. SIGTERM while the daemon starts ---------------------------------------------

#[test]
fn sigterm_during_start_up_is_a_clean_exit() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    write_articles(&dir, 0..50);
    let cfg = work.path().join("c.toml");
    std::fs::write(&cfg, "[watch]\nsettle_ms = 0\n").unwrap();
    let db = work.path().join("t.db");
    // From 10 ms on: before that the process may still be in exec and the dynamic
    // loader, before any of our code runs.
    for delay_ms in [10u64, 20, 40, 80, 150, 300] {
        let log = work.path().join(format!("w{delay_ms}.log"));
        let mut child = spawn_watch(&cfg, &db, &dir, &log);
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let status = wait_exit(&mut child, Duration::from_secs(30));
        assert!(
            status.success(),
            "SIGTERM {delay_ms} ms after start: {status:?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
}

// ---- 10. a permission error is retried when the mode changes -------------------------

/// Runs as an unprivileged user (`setpriv`), since root reads any file: a file rejected
/// for "Permission denied" is read again after `chmod`, and not before.
#[test]
fn a_permission_rejection_is_retried_after_chmod() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().unwrap();
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let dir = work.path().join("in");
    write_articles(&dir, 0..3);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.join("locked.txt");
    std::fs::write(&locked, article(77, "")).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let db = work.path().join("t.db");
    let as_nobody = || {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", exe(), "--db"])
            .arg(&db)
            .args(["run", "--json"])
            .arg(&dir)
            .output()
            .expect("this test needs setpriv (util-linux)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = as_nobody();
    // As root the file is readable anyway; the test only means something unprivileged.
    assert_eq!(first["rejected"], 1, "{first}");
    assert_eq!(count(&db, "SELECT count(*) FROM sources WHERE error LIKE '%Permission denied%'"), 1);
    // Unchanged mode: still skipped without a new row.
    let again = as_nobody();
    assert_eq!(again["files"], 0, "{again}");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    let after = as_nobody();
    assert_eq!(after["stored"], 1, "the file was not retried after chmod: {after}");
}
