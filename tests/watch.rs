//! The daemon end to end: the real binary as a real process, real signals, real
//! files streamed into a real directory, and the SQLite database checked afterwards.
//!
//! Everything waits by polling with generous limits (a loaded 2-core CI machine),
//! never with a fixed sleep that a result depends on.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

const LIMIT: Duration = Duration::from_secs(30);

/// Short intervals so the tests run quickly (`[watch]` last: tests append to it).
const FAST: &str = "[pipeline]
batch_interval_ms = 100
batch_size = 16
[watch]
rescan_interval_ms = 200
settle_ms = 300
summary_interval_ms = 1000
shutdown_timeout_ms = 20000
max_backoff_ms = 1000
";

static LOGS: AtomicUsize = AtomicUsize::new(0);

/// A running `news-ingest watch`, killed if the test ends without stopping it.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(work: &Path, config: &Path, db: &Path, dir: &Path) -> Daemon {
        Daemon::start_with(work, config, db, dir, &[])
    }

    fn start_with(work: &Path, config: &Path, db: &Path, dir: &Path, extra: &[&str]) -> Daemon {
        let n = LOGS.fetch_add(1, Ordering::SeqCst);
        let log = work.join(format!("daemon-{n}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_news-ingest"))
            .env_remove("NEWS_INGEST_DB")
            .env("RUST_LOG", "debug,notify=info,globset=info")
            .arg("--config")
            .arg(config)
            .arg("--db")
            .arg(db)
            .arg("watch")
            .arg(dir)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill failed");
    }

    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < limit, "daemon did not exit within {limit:?}\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn kill9(mut self) {
        self.signal(libc::SIGKILL);
        self.wait_exit(LIMIT);
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for `ok`, showing the daemon's log if it never comes.
    fn wait(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let start = Instant::now();
        while !ok() {
            assert!(start.elapsed() < LIMIT, "timed out waiting for {what}\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the signal handlers are installed and the first scan is done.
    fn wait_ready(&self) {
        self.wait("the initial scan", || self.log().contains("initial scan done"));
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn setup(config: &str) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let cfg = work.path().join("test.toml");
    std::fs::write(&cfg, config).unwrap();
    let dir = work.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let db = work.path().join("t.db");
    (work, cfg, dir, db)
}

/// A query on a read-only connection; 0 while the database does not exist yet.
fn q(db: &Path, sql: &str) -> i64 {
    if !db.exists() {
        return 0;
    }
    let Ok(c) = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY) else { return 0 };
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

fn recorded(db: &Path) -> i64 {
    q(db, "SELECT COUNT(*) FROM sources")
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < LIMIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A distinct article: a seed with one extra paragraph.
fn variant(i: usize) -> String {
    let seeds: Vec<PathBuf> = {
        let mut v: Vec<PathBuf> = std::fs::read_dir(seeds()).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let s = std::fs::read_to_string(&seeds[i % seeds.len()]).unwrap();
    let at = s.find("\n\n").unwrap_or(0);
    format!(
        "{}\n\nBản tin bổ sung số {i}: phóng viên ghi nhận thêm nhiều thông tin mới tại hiện trường vào buổi sáng.{}",
        &s[..at],
        &s[at..]
    )
}

/// The producer contract: write as a dotfile `.tmp`, then rename into the directory.
fn drop_file(dir: &Path, name: &str, content: &str) {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, dir.join(name)).unwrap();
}

/// Every file recorded exactly once and every article consistent with its sources.
fn assert_consistent(db: &Path, files: i64) {
    assert_eq!(recorded(db), files, "sources rows");
    assert_eq!(q(db, "SELECT COUNT(DISTINCT path) FROM sources"), files, "a path recorded twice");
    assert_eq!(q(db, "SELECT COUNT(*) FROM (SELECT DISTINCT path, file_sha256 FROM sources)"), files);
    assert_eq!(
        q(db, "SELECT COUNT(*) FROM articles"),
        q(db, "SELECT COUNT(*) FROM sources WHERE status = 'stored'"),
        "articles without their stored source (or the reverse)"
    );
    assert_eq!(
        q(
            db,
            "SELECT COUNT(*) FROM sources s WHERE s.status != 'rejected'
               AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = s.article_id)"
        ),
        0,
        "a source points at a missing article"
    );
    assert_eq!(
        q(
            db,
            "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS
               (SELECT 1 FROM sources s WHERE s.article_id = a.id AND s.status = 'stored')"
        ),
        0,
        "an article without its stored source"
    );
    assert_eq!(q(db, "SELECT COUNT(*) FROM sources WHERE status = 'rejected'"), 0, "unexpected rejection");
    let s = stats(db);
    assert_eq!(s["files"].as_i64(), Some(files), "{s}");
    assert_stats_add_up(&s);
}

fn signal_drains_and_exits_zero(sig: i32) {
    let (work, cfg, dir, db) = setup(FAST);
    copy_seeds(&dir);
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    d.wait("the seeds", || recorded(&db) == 5);
    for i in 0..20 {
        drop_file(&dir, &format!("v{i:03}.txt"), &variant(i));
    }
    // Signal while the new files are in flight: what is in flight is committed.
    d.wait("the first new file", || recorded(&db) > 5);
    let before = Instant::now();
    d.signal(sig);
    let status = d.wait_exit(LIMIT);
    assert!(status.success(), "exit status {status:?}\n{}", d.log());
    assert!(before.elapsed() < Duration::from_secs(20), "drain took {:?}", before.elapsed());
    let log = d.log();
    assert!(log.contains("stopped cleanly"), "{log}");
    // Whatever was queued before the signal is committed.
    let queued = log.lines().filter(|l| l.contains(" queued ")).count() as i64;
    assert_eq!(recorded(&db), queued, "queued files not committed at shutdown\n{log}");

    // A restart picks up the rest, and nothing twice.
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    d.wait("all 25 files", || recorded(&db) == 25);
    d.signal(sig);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    assert_consistent(&db, 25);
}

#[test]
fn sigterm_drains_commits_and_exits_zero() {
    signal_drains_and_exits_zero(libc::SIGTERM);
}

#[test]
fn sigint_drains_commits_and_exits_zero() {
    signal_drains_and_exits_zero(libc::SIGINT);
}

#[test]
fn sigkill_at_several_points_loses_and_repeats_nothing() {
    let (work, cfg, dir, db) = setup(FAST);
    copy_seeds(&dir);
    const STREAMED: usize = 80;
    let producer = {
        let dir = dir.clone();
        std::thread::spawn(move || {
            for i in 0..STREAMED {
                drop_file(&dir, &format!("s{i:03}.txt"), &variant(i));
                std::thread::sleep(Duration::from_millis(40));
            }
        })
    };
    let total = (STREAMED + 5) as i64;

    // Killed early (start-up, first scan), after a second, and in mid-stream
    // while batches are being written.
    let d = Daemon::start(work.path(), &cfg, &db, &dir);
    std::thread::sleep(Duration::from_millis(300));
    d.kill9();
    let d = Daemon::start(work.path(), &cfg, &db, &dir);
    std::thread::sleep(Duration::from_millis(1000));
    d.kill9();
    let d = Daemon::start(work.path(), &cfg, &db, &dir);
    let seen = recorded(&db);
    wait_until("progress after the second restart", || recorded(&db) > seen);
    d.kill9();
    let d = Daemon::start(work.path(), &cfg, &db, &dir);
    wait_until("mid-stream", || recorded(&db) >= total / 2);
    d.kill9();

    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    producer.join().unwrap();
    d.wait_ready();
    d.wait("every file", || recorded(&db) >= total);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    assert_consistent(&db, total);
}

#[test]
fn second_writer_is_refused_while_stats_works() {
    let (work, cfg, dir, db) = setup(FAST);
    copy_seeds(&dir);
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    d.wait("the seeds", || recorded(&db) == 5);

    let other = work.path().join("other");
    copy_seeds(&other);
    let out = bin().arg("--db").arg(&db).arg("run").arg(&other).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another news-ingest writer"), "{err}");

    let out = bin().arg("--config").arg(&cfg).arg("--db").arg(&db).arg("watch").arg(&other).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another news-ingest writer"), "{err}");

    let s = stats(&db);
    assert_eq!(s["files"], 5, "{s}");
    assert!(d.alive(), "the daemon must keep running");
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    assert_consistent(&db, 5);
}

#[test]
fn partial_files_are_not_read_and_growing_files_only_once_settled() {
    // Every name below matches an include pattern; the ignore patterns must win.
    let config = format!(
        "{}\n[input]\ninclude = [\"*.txt\", \"*.part\", \"*.tmp\", \"*.crdownload\"]\n",
        FAST.replace("settle_ms = 300", "settle_ms = 1500")
    );
    let (work, cfg, dir, db) = setup(&config);
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();

    for name in [".hidden.txt", "a.txt.part", "b.tmp", "c.crdownload"] {
        std::fs::write(dir.join(name), variant(1)).unwrap();
    }
    // A producer that appends for about a second.
    let content = variant(2);
    let chunks: Vec<&str> = {
        let bytes = content.as_bytes();
        let mut cuts = vec![0];
        for k in 1..6 {
            let mut at = bytes.len() * k / 6;
            while !content.is_char_boundary(at) {
                at += 1;
            }
            cuts.push(at);
        }
        cuts.push(bytes.len());
        cuts.windows(2).map(|w| &content[w[0]..w[1]]).collect()
    };
    let growing = dir.join("growing.txt");
    let mut f = OpenOptions::new().create(true).append(true).open(&growing).unwrap();
    for chunk in chunks {
        f.write_all(chunk.as_bytes()).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(recorded(&db), 0, "a file was read while it was still being written");
    }
    drop(f);
    wait_until("the grown file", || recorded(&db) == 1);
    let sha = hex::encode(Sha256::digest(content.as_bytes()));
    let c = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let (path, recorded_sha): (String, String) =
        c.query_row("SELECT path, file_sha256 FROM sources", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert!(path.ends_with("growing.txt"), "{path}");
    assert_eq!(recorded_sha, sha, "the file was read before it was complete");

    // Several more rescans: the partial and hidden files stay unread.
    let scans = |log: &str| log.matches("rescan done").count();
    let now = scans(&d.log());
    wait_until("three more rescans", || scans(&d.log()) >= now + 3);
    assert_eq!(recorded(&db), 1);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    let log = d.log();
    for name in [".hidden.txt", "a.txt.part", "b.tmp", "c.crdownload"] {
        assert!(!log.contains(&format!("{name} ")), "{name} was looked at:\n{log}");
    }
}

#[test]
fn missing_dir_is_a_clear_error() {
    let (work, cfg, _dir, db) = setup(FAST);
    let missing = work.path().join("nope");
    let out =
        bin().arg("--config").arg(&cfg).arg("--db").arg(&db).arg("watch").arg(&missing).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot watch") && err.contains("nope"), "{err}");
}

#[test]
fn dir_removed_while_running_is_retried() {
    let (work, cfg, dir, db) = setup(FAST);
    copy_seeds(&dir);
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    d.wait("the seeds", || recorded(&db) == 5);
    std::fs::remove_dir_all(&dir).unwrap();
    wait_until("the retry warning", || d.log().contains("cannot read the watched directory"));
    assert!(d.alive(), "the daemon must survive a missing directory\n{}", d.log());
    std::fs::create_dir_all(&dir).unwrap();
    drop_file(&dir, "back.txt", &variant(9));
    wait_until("the file in the recreated directory", || recorded(&db) == 6);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    assert_consistent(&db, 6);
}

#[test]
fn committed_files_move_to_done_and_rejected_to_error_dir() {
    let work0 = tempfile::tempdir().unwrap();
    let done = work0.path().join("done");
    let errors = work0.path().join("errors");
    let config = format!(
        "{FAST}done_dir = {:?}\nerror_dir = {:?}\n",
        done.display().to_string(),
        errors.display().to_string()
    );
    let (work, cfg, dir, db) = setup(&config);
    copy_seeds(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    drop_file(&dir.join("sub"), "nested.txt", &variant(3));
    std::fs::write(dir.join("empty.txt"), "").unwrap();
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    // Files, not entries: `done/sub` appears just before the file moves into it.
    d.wait("all moved", || {
        done.is_dir() && walk_files(&done).len() == 6 && errors.join("empty.txt").exists()
    });
    assert!(done.join("sub/nested.txt").exists(), "relative path kept");
    assert_eq!(recorded(&db), 7);
    assert_eq!(q(&db, "SELECT COUNT(*) FROM sources WHERE status = 'rejected'"), 1);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    let left: Vec<_> = walk_files(&dir);
    assert!(left.is_empty(), "left in the watched directory: {left:?}");
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn writer_error_is_retried_and_the_batch_redone() {
    // Another process holds SQLite's write lock (not ours: that one is refused at
    // start): the writer's BEGIN IMMEDIATE fails after busy_timeout, the batch is
    // rolled back, and the daemon backs off, restarts and redoes it.
    let (work, cfg, dir, db) = setup(&format!("[database]\nbusy_timeout_ms = 100\n{FAST}"));
    copy_seeds(&dir);
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    d.wait("the seeds", || recorded(&db) == 5);

    let blocker = Connection::open(&db).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    drop_file(&dir, "while-locked.txt", &variant(11));
    d.wait("a restart after the writer error", || d.log().contains("pipeline stopped; restarting"));
    assert!(d.alive(), "{}", d.log());
    assert_eq!(recorded(&db), 5);
    blocker.execute_batch("COMMIT").unwrap();
    drop(blocker);

    d.wait("the file after the lock is gone", || recorded(&db) == 6);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    assert_consistent(&db, 6);
}

/// Starts a daemon whose writer is stuck behind a foreign write lock with files in
/// flight, then sends SIGTERM. Returns the daemon, the lock holder and the db.
fn stuck_in_drain(
    shutdown_timeout_ms: u64,
) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf, Daemon, Connection) {
    let config = format!("[database]\nbusy_timeout_ms = 60000\n{FAST}")
        .replace("shutdown_timeout_ms = 20000", &format!("shutdown_timeout_ms = {shutdown_timeout_ms}"));
    let (work, cfg, dir, db) = setup(&config);
    copy_seeds(&dir);
    let d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    d.wait("the seeds", || recorded(&db) == 5);
    let blocker = Connection::open(&db).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    for i in 0..3 {
        drop_file(&dir, &format!("late{i}.txt"), &variant(20 + i));
    }
    d.wait("the new files in flight", || d.log().matches(" queued ").count() == 8);
    d.signal(libc::SIGTERM);
    d.wait("the drain", || d.log().contains("stopping: intake closed"));
    (work, cfg, dir, db, d, blocker)
}

fn finish_after_restart(work: &Path, cfg: &Path, dir: &Path, db: &Path, blocker: Connection) {
    blocker.execute_batch("COMMIT").unwrap();
    drop(blocker);
    assert_eq!(recorded(db), 5, "nothing of the interrupted batch may be recorded");
    let mut d = Daemon::start(work, cfg, db, dir);
    d.wait_ready();
    d.wait("the interrupted batch, redone", || recorded(db) == 8);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    assert_consistent(db, 8);
}

#[test]
fn second_signal_exits_at_once_and_consistent() {
    let (work, cfg, dir, db, mut d, blocker) = stuck_in_drain(60_000);
    let t = Instant::now();
    d.signal(libc::SIGTERM);
    let status = d.wait_exit(LIMIT);
    assert_eq!(status.code(), Some(130), "{}", d.log());
    assert!(t.elapsed() < Duration::from_secs(10), "took {:?}", t.elapsed());
    finish_after_restart(work.path(), &cfg, &dir, &db, blocker);
}

#[test]
fn shutdown_timeout_bounds_the_drain() {
    let (work, cfg, dir, db, mut d, blocker) = stuck_in_drain(1000);
    let t = Instant::now();
    let status = d.wait_exit(LIMIT);
    assert_eq!(status.code(), Some(1), "{}", d.log());
    assert!(t.elapsed() < Duration::from_secs(15), "took {:?}", t.elapsed());
    assert!(d.log().contains("shutdown_timeout_ms ran out"), "{}", d.log());
    finish_after_restart(work.path(), &cfg, &dir, &db, blocker);
}

#[test]
fn recorded_files_still_in_dir_are_moved_by_the_rescan() {
    // The state a crash between a commit and its move leaves behind: files in the
    // ledger but still in DIR. The daemon finishes the move without recording again.
    let work0 = tempfile::tempdir().unwrap();
    let done = work0.path().join("done");
    let config = format!("{FAST}done_dir = {:?}\n", done.display().to_string());
    let (work, cfg, dir, db) = setup(&config);
    copy_seeds(&dir);
    let dir = std::fs::canonicalize(&dir).unwrap(); // the daemon records resolved paths
    run_json(&db, &[&dir]);
    assert_eq!(recorded(&db), 5);
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    d.wait("the moves", || std::fs::read_dir(&done).map_or(0, |r| r.count()) == 5);
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    assert!(walk_files(&dir).is_empty());
    assert_consistent(&db, 5);
}

/// SIGHUP reloads the cleaning rules and the reloadable keys (issue 15): the config
/// file is read again, what changed is logged, the next files are cleaned with the
/// new rules; a bad file keeps the old configuration; SIGTERM still stops cleanly.
#[test]
fn sighup_reloads_rules_and_keeps_the_old_config_on_a_bad_file() {
    let (work, cfg, dir, db) = setup(FAST);
    let furniture = "Tin nhanh XYZ quảng bá";
    // The line goes after the title (the seeds end with the end mark `/.`).
    let article = |i: usize| {
        let v = variant(i);
        let at = v.find("\n\n").unwrap_or(0);
        format!("{}\n\nMột đoạn mở đầu ngắn của bài số {i}.\n\n{furniture}{}", &v[..at], &v[at..])
    };
    let with_line =
        |db: &Path| q(db, &format!("SELECT COUNT(*) FROM articles WHERE body LIKE '%{furniture}%'"));
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    drop_file(&dir, "a.txt", &article(0));
    d.wait("the first file", || recorded(&db) == 1);
    assert_eq!(with_line(&db), 1, "no rule yet: the line is article text");

    // A rules file next to the config (a relative path resolves from there).
    std::fs::write(work.path().join("site-rules.toml"), format!("[furniture]\nlines = [\"{furniture}\"]\n"))
        .unwrap();
    std::fs::write(&cfg, format!("{FAST}[clean]\nrules = \"site-rules.toml\"\n")).unwrap();
    d.signal(libc::SIGHUP);
    d.wait("the reload", || d.log().contains("configuration reloaded"));
    let log = d.log();
    let line = log.lines().find(|l| l.contains("configuration reloaded")).unwrap();
    assert!(line.contains("clean.rules"), "{line}");
    assert!(d.alive(), "SIGHUP must not kill the daemon");
    drop_file(&dir, "b.txt", &article(1));
    d.wait("the second file", || recorded(&db) == 2);
    assert_eq!(with_line(&db), 1, "the new rule removed the line from the second article");

    // A bad file: logged, the old configuration (with the rule) stays.
    std::fs::write(&cfg, format!("{FAST}[clean]\nrules = \"site-rules.toml\"\nno_such_key = 1\n")).unwrap();
    d.signal(libc::SIGHUP);
    d.wait("the refused reload", || d.log().contains("cannot reload the configuration"));
    assert!(d.log().contains("clean.no_such_key"), "the bad key is named");
    drop_file(&dir, "c.txt", &article(2));
    d.wait("the third file", || recorded(&db) == 3);
    assert_eq!(with_line(&db), 1, "the rule is still in force");

    d.signal(libc::SIGTERM);
    let status = d.wait_exit(LIMIT);
    assert_eq!(status.code(), Some(0), "{}", d.log());
    assert_consistent(&db, 3);
}

/// One HTTP GET to the daemon (a plain HTTP/1.1 client on a TCP socket): status and body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// A metric's value in Prometheus text (the first sample whose name and labels start
/// with `series`).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with([' ', '{']))
        .or_else(|| text.lines().find(|l| l.starts_with(series)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The address a daemon started with `--metrics-addr 127.0.0.1:0` serves on, from its log.
fn metrics_addr(d: &Daemon) -> String {
    let log = d.log();
    log.split("metrics at http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{log}"))
        .to_string()
}

/// `watch --metrics-addr` (issue 15): real HTTP requests to the real daemon.
#[test]
fn metrics_endpoint_serves_prometheus_text_and_health() {
    let (work, cfg, dir, db) = setup(FAST);
    let mut d = Daemon::start_with(work.path(), &cfg, &db, &dir, &["--metrics-addr", "127.0.0.1:0"]);
    d.wait_ready();
    let addr = metrics_addr(&d);
    let (status, body) = http_get(&addr, "/health");
    assert_eq!(status, 200, "{body}");
    for i in 0..3 {
        drop_file(&dir, &format!("m{i}.txt"), &variant(i));
    }
    drop_file(&dir, "bin.txt", "\u{0}\u{1} binary");
    d.wait("four files", || recorded(&db) == 4);
    let bytes: u64 = ["m0.txt", "m1.txt", "m2.txt", "bin.txt"]
        .iter()
        .map(|n| std::fs::metadata(dir.join(n)).unwrap().len())
        .sum();
    // The metrics follow the commits (on_commit runs right after them, batch by
    // batch: the rejected file's batch may be counted after the stored files').
    let start = Instant::now();
    loop {
        let text = http_get(&addr, "/metrics").1;
        if sample(&text, "news_ingest_files_total{status=\"stored\"}") == Some(3.0)
            && sample(&text, "news_ingest_files_total{status=\"rejected\"}") == Some(1.0)
            && sample(&text, "news_ingest_bytes_read_total") == Some(bytes as f64)
        {
            break;
        }
        assert!(
            start.elapsed() < LIMIT,
            "timed out waiting for the metrics (bytes {bytes}):\n{text}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, text) = http_get(&addr, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(sample(&text, "news_ingest_files_total{status=\"rejected\"}"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "news_ingest_articles_stored_total"), Some(3.0), "{text}");
    assert_eq!(sample(&text, "news_ingest_bytes_read_total"), Some(bytes as f64), "{text}");
    assert!(sample(&text, "news_ingest_commit_seconds_count").unwrap_or(0.0) >= 1.0, "{text}");
    let last = sample(&text, "news_ingest_last_commit_timestamp_seconds").unwrap_or(0.0);
    assert!(last > 1.6e9, "{text}");
    assert!(sample(&text, "news_ingest_queue_depth").is_some(), "{text}");
    // Rescans every 200 ms here: the last one's duration and their count are exported.
    d.wait("rescans in the metrics", || {
        sample(&http_get(&addr, "/metrics").1, "news_ingest_rescans").unwrap_or(0.0) >= 2.0
    });
    let text = http_get(&addr, "/metrics").1;
    let took = sample(&text, "news_ingest_rescan_seconds").unwrap_or(-1.0);
    assert!((0.0..5.0).contains(&took) && text.contains("# TYPE news_ingest_rescan_seconds gauge"), "{text}");
    assert_eq!(http_get(&addr, "/nothing").0, 404);

    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit(LIMIT).code(), Some(0), "{}", d.log());
}

/// `/health` says 503 while the pipeline is down (here: another process holds SQLite's
/// write lock, so the writer fails and the daemon backs off and reopens), and 200 again
/// once it runs: what a load balancer or a supervisor's probe acts on.
#[test]
fn health_is_503_while_the_writer_cannot_write_and_200_after() {
    let (work, cfg, dir, db) = setup(&format!("[database]\nbusy_timeout_ms = 100\n{FAST}"));
    let mut d = Daemon::start_with(work.path(), &cfg, &db, &dir, &["--metrics-addr", "127.0.0.1:0"]);
    d.wait_ready();
    let addr = metrics_addr(&d);
    assert_eq!(http_get(&addr, "/health").0, 200);

    let blocker = Connection::open(&db).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    drop_file(&dir, "while-locked.txt", &variant(31));
    let start = Instant::now();
    let body = loop {
        let (status, body) = http_get(&addr, "/health");
        if status == 503 {
            break body;
        }
        assert!(
            start.elapsed() < LIMIT,
            "/health never said 503 while the database was locked:\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(body.contains("not writable"), "{body}");
    assert!(d.alive(), "{}", d.log());
    assert_eq!(recorded(&db), 0);

    blocker.execute_batch("COMMIT").unwrap();
    drop(blocker);
    d.wait("the file after the lock is gone", || recorded(&db) == 1);
    d.wait("/health back to 200", || http_get(&addr, "/health").0 == 200);
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit(LIMIT).code(), Some(0), "{}", d.log());
    assert_consistent(&db, 1);
}

/// A text query on a read-only connection (`None` until the row exists).
fn q_text(db: &Path, sql: &str) -> Option<String> {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).ok()
}

/// The paragraphs of seed 000, with a marker word in paragraph `at` (issue 16: the
/// same texts as tests/fullest.rs).
fn seed_paragraphs(keep: usize, at: usize, marker: &str) -> String {
    let text = std::fs::read_to_string(seeds().join("000_634d2d9314a48930.txt")).unwrap();
    let mut p: Vec<String> =
        text.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    p.truncate(keep);
    p[at] = format!("{} {marker}", p[at]);
    p.join("\n\n")
}

/// `updated` on the real daemon (issue 16): a file at a known path rewritten with a
/// near copy of itself (the site corrects and shortens its story) is an update of
/// its article, not a near duplicate of itself; the article keeps its id and takes
/// the new text, and the replaced text goes to `article_revisions`.
#[test]
fn a_known_path_rewritten_with_a_near_copy_updates_its_article() {
    let (work, cfg, dir, db) = setup(FAST);
    let mut d = Daemon::start(work.path(), &cfg, &db, &dir);
    d.wait_ready();
    let full = seed_paragraphs(usize::MAX, 8, "zqvtail");
    drop_file(&dir, "story.txt", &full);
    d.wait("the story stored", || q(&db, "SELECT COUNT(*) FROM sources WHERE status = 'stored'") == 1);
    let first_body = q_text(&db, "SELECT body FROM articles WHERE id = 1").unwrap_or_default();
    assert!(first_body.contains("zqvtail"), "{first_body}");

    // New bytes at the same path: the first six paragraphs, one word added.
    let shorter = seed_paragraphs(6, 1, "zqvhead");
    drop_file(&dir, "story.txt", &shorter);
    d.wait("the update", || q(&db, "SELECT COUNT(*) FROM sources WHERE status = 'updated'") == 1);
    assert_eq!(q(&db, "SELECT COUNT(*) FROM sources"), 2, "{}", d.log());
    assert_eq!(q(&db, "SELECT COUNT(*) FROM sources WHERE status = 'near_duplicate'"), 0);
    assert_eq!(q(&db, "SELECT COUNT(*) FROM articles"), 1);
    assert_eq!(q(&db, "SELECT COUNT(DISTINCT path) FROM sources"), 1);
    assert_eq!(q(&db, "SELECT COUNT(*) FROM sources WHERE article_id = 1"), 2);
    let body = q_text(&db, "SELECT body FROM articles WHERE id = 1").unwrap_or_default();
    assert!(body.contains("zqvhead") && !body.contains("zqvtail"), "the article keeps the old text: {body}");
    assert!(body.len() < first_body.len(), "{body}");
    assert_eq!(
        q_text(&db, "SELECT reason FROM article_revisions WHERE article_id = 1").as_deref(),
        Some("updated")
    );
    let old = q_text(&db, "SELECT body FROM article_revisions WHERE article_id = 1").unwrap_or_default();
    assert_eq!(old, first_body, "the replaced text is kept as a revision");
    assert_eq!(
        q(
            &db,
            "SELECT COUNT(*) FROM article_revisions r JOIN sources s ON s.id = r.replaced_by_source_id
              WHERE s.status = 'updated'"
        ),
        1
    );
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(LIMIT).success(), "{}", d.log());
    let s = stats(&db);
    assert_eq!(
        (s["files"].as_i64(), s["articles"].as_i64(), s["updated"].as_i64()),
        (Some(2), Some(1), Some(1)),
        "{s}"
    );
    assert_stats_add_up(&s);
}
