//! Several workers, one PostgreSQL database: real `news-ingest` processes, started
//! as users start them, over one directory of pages with syndicated copies.
//! Every file must be recorded exactly once, no story stored twice, and the
//! clusters must be those of one SQLite run over the same pages.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};

use common::pg;

/// Real bodies (vn-mds fixtures) and syndicated copies of each: the same text under
/// another outlet's chrome, a truncated copy, a copy with a related list glued on,
/// and a copy in NFD with a dateline. About 140 files.
fn corpus(dir: &Path) -> usize {
    std::fs::create_dir_all(dir).unwrap();
    let mut n = 0;
    let mut sources: Vec<_> = std::fs::read_dir(common::fixtures().join("vnmds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    sources.sort();
    for (i, p) in sources.iter().enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        let paras: Vec<&str> = text.split('\n').filter(|l| !l.trim().is_empty()).collect();
        let mut write = |name: String, body: String| {
            std::fs::write(dir.join(name), body).unwrap();
            n += 1;
        };
        write(format!("{i:03}-a.txt"), text.clone());
        write(
            format!("{i:03}-b.txt"),
            format!("Trang chủ\nThời sự\n{}\nChia sẻFacebook\nTag\n", paras.join("\n")),
        );
        if paras.len() >= 4 {
            let keep = (paras.len() * 3).div_ceil(4);
            write(format!("{i:03}-c.txt"), paras[..keep].join("\n"));
        }
        write(
            format!("{i:03}-d.txt"),
            format!(
                "{}\nTin liên quan\nBão số 5 đổ bộ miền Trung\nGiá vàng hôm nay tăng mạnh\n",
                paras.join("\n")
            ),
        );
        use unicode_normalization::UnicodeNormalization;
        write(format!("{i:03}-e.txt"), text.nfd().collect::<String>());
    }
    // Bad input among them: rejections are recorded once too, and counted once in the
    // workers' summaries (when two workers race on one, the later one counts it
    // unchanged; this run does not force that race).
    for i in 0..12 {
        std::fs::write(dir.join(format!("{i:03}-f.txt")), [0u8, 159, 146, 150, 0, 1, 2, i as u8].repeat(64))
            .unwrap();
        n += 1;
    }
    n
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_news-ingest")
}

/// path → article id (None: rejected) from `sources --json`.
fn fates(db: &str) -> Vec<(String, Option<i64>, String)> {
    let out = Command::new(bin()).args(["--db", db, "sources", "--json"]).output().unwrap();
    assert!(out.status.success(), "sources failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["path"].as_str().unwrap().to_string(),
                v["article_id"].as_i64(),
                v["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The fates of one SQLite `run` over `dir` (the reference the workers must match).
fn one_sqlite_run(work: &Path, dir: &Path) -> Vec<(String, Option<i64>, String)> {
    let sqlite = work.join("one.db");
    let out =
        Command::new(bin()).arg("--db").arg(&sqlite).args(["-q", "run", "--json"]).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    fates(sqlite.to_str().unwrap())
}

/// Pairs of files (by name) that share an article.
fn pairs(f: &[(String, Option<i64>, String)]) -> HashSet<(String, String)> {
    let mut by: HashMap<i64, Vec<String>> = HashMap::new();
    for (path, id, _) in f {
        if let Some(id) = id {
            let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
            by.entry(*id).or_default().push(name);
        }
    }
    let mut out = HashSet::new();
    for names in by.values_mut() {
        names.sort();
        for i in 0..names.len() {
            for j in i + 1..names.len() {
                out.insert((names[i].clone(), names[j].clone()));
            }
        }
    }
    out
}

#[test]
fn three_run_workers_give_the_result_of_one_sqlite_run() {
    let Some(db) = pg::database() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    let files = corpus(&dir);
    assert!(files >= 100, "corpus too small: {files}");

    // Small batches, so the three workers interleave their transactions.
    let cfg = tmp.path().join("workers.toml");
    std::fs::write(&cfg, "[pipeline]\nbatch_size = 8\nworkers = 1\n").unwrap();
    let workers: Vec<_> = (0..3)
        .map(|_| {
            Command::new(bin())
                .args(["--db", &db.url, "--config"])
                .arg(&cfg)
                .args(["-q", "run", "--json"])
                .arg(&dir)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut recorded = 0;
    let mut shares = Vec::new();
    for w in workers {
        let out = w.wait_with_output().unwrap();
        assert!(out.status.success(), "a worker failed: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        recorded += v["files"].as_u64().unwrap();
        shares.push(v["files"].as_u64().unwrap());
    }
    eprintln!("files recorded by each worker: {shares:?}");
    assert_eq!(recorded, files as u64, "the workers' summaries add up to every file once");

    let pg_fates = fates(&db.url);
    let mut seen = HashSet::new();
    for (path, _, _) in &pg_fates {
        assert!(seen.insert(path.clone()), "{path} recorded twice");
    }
    assert_eq!(pg_fates.len(), files, "every file recorded");

    let sqlite_fates = one_sqlite_run(tmp.path(), &dir);

    let articles = |f: &[(String, Option<i64>, String)]| f.iter().filter(|x| x.2 == "stored").count();
    let (pg_pairs, one_pairs) = (pairs(&pg_fates), pairs(&sqlite_fates));
    let shared = pg_pairs.intersection(&one_pairs).count() as f64;
    let precision = if pg_pairs.is_empty() { 1.0 } else { shared / pg_pairs.len() as f64 };
    let recall = if one_pairs.is_empty() { 1.0 } else { shared / one_pairs.len() as f64 };
    eprintln!(
        "3 PostgreSQL workers: {} articles, {} pairs; one SQLite run: {} articles, {} pairs; precision {precision:.3}, recall {recall:.3}",
        articles(&pg_fates),
        pg_pairs.len(),
        articles(&sqlite_fates),
        one_pairs.len()
    );
    assert!(one_pairs.len() > files, "the corpus has syndicated copies to find");
    assert!(
        precision >= 0.98 && recall >= 0.98,
        "clusters differ: precision {precision:.3}, recall {recall:.3}"
    );
    assert_eq!(articles(&pg_fates), articles(&sqlite_fates), "no story stored twice");

    // A second round finds everything recorded.
    let out = Command::new(bin()).args(["--db", &db.url, "-q", "run", "--json"]).arg(&dir).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["files"].as_u64(), v["unchanged"].as_u64()), (Some(0), Some(files as u64)));
}

/// A running `news-ingest watch` worker, killed if the test ends without stopping it.
struct Worker {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl Worker {
    fn start(work: &Path, n: usize, cfg: &Path, db: &str, dir: &Path) -> Worker {
        let log = work.join(format!("worker-{n}.log"));
        let child = Command::new(bin())
            .env("RUST_LOG", "debug,notify=info,globset=info,tokio_postgres=info,postgres=info")
            .arg("--config")
            .arg(cfg)
            .args(["--db", db, "watch"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let w = Worker { child, log };
        w.wait("the initial scan", |w| w.log().contains("initial scan done"));
        w
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait(&self, what: &str, mut ok: impl FnMut(&Worker) -> bool) {
        let start = std::time::Instant::now();
        while !ok(self) {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "timed out waiting for {what}\n{}",
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, sig) }, 0);
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let start = std::time::Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "worker did not exit\n{}",
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of a worker's log that name one file (a failure's evidence).
fn lines_naming(log: &str, path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    log.lines().filter(|l| l.contains(name)).collect::<Vec<_>>().join("\n")
}

fn count(db: &str, sql: &str) -> i64 {
    let mut c = postgres::Client::connect(db, postgres::NoTls).unwrap();
    c.query_one(sql, &[]).map(|r| r.get(0)).unwrap_or(0)
}

#[test]
fn two_watch_workers_one_killed_and_restarted_record_every_file_once() {
    let Some(db) = pg::database() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let all = tmp.path().join("all");
    let total = corpus(&all).min(80);
    let mut names: Vec<_> = std::fs::read_dir(&all).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    names.truncate(total);
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = tmp.path().join("w.toml");
    // A short lease, so the killed worker's claims pass to the others quickly.
    std::fs::write(
        &cfg,
        "[database]\nclaim_lease_ms = 2000\n[pipeline]\nbatch_interval_ms = 100\nbatch_size = 4\nworkers = 1\n\
         [watch]\nrescan_interval_ms = 200\nsettle_ms = 100\nshutdown_timeout_ms = 20000\nmax_backoff_ms = 1000\n",
    )
    .unwrap();
    let put = |name: &std::ffi::OsStr| {
        let tmpname = dir.join(format!(".{}.tmp", name.to_string_lossy()));
        std::fs::copy(all.join(name), &tmpname).unwrap();
        std::fs::rename(&tmpname, dir.join(name)).unwrap();
    };
    let a = Worker::start(tmp.path(), 0, &cfg, &db.url, &dir);
    let mut b = Worker::start(tmp.path(), 1, &cfg, &db.url, &dir);
    let half = total / 2;
    for name in &names[..half] {
        put(name);
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
    // Kill one worker half-way, with files of its in flight, and start it again.
    let mut a = a;
    let killed = format!(":{}", a.child.id());
    a.signal(libc::SIGKILL);
    a.wait_exit();
    let mut a2 = Worker::start(tmp.path(), 2, &cfg, &db.url, &dir);
    for name in &names[half..] {
        put(name);
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
    let start = std::time::Instant::now();
    while count(&db.url, "SELECT count(*) FROM sources") < total as i64 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(90),
            "only {} of {total} files recorded\n--- b:\n{}\n--- a2:\n{}",
            count(&db.url, "SELECT count(*) FROM sources"),
            b.log(),
            a2.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    b.signal(libc::SIGTERM);
    a2.signal(libc::SIGTERM);
    assert!(b.wait_exit().success(), "SIGTERM exits 0\n{}", b.log());
    assert!(a2.wait_exit().success(), "SIGTERM exits 0\n{}", a2.log());
    assert_eq!(count(&db.url, "SELECT count(*) FROM sources"), total as i64, "every file recorded once");
    assert_eq!(
        count(&db.url, "SELECT count(DISTINCT path) FROM sources"),
        total as i64,
        "no path recorded twice"
    );
    // Claims are settled with the ledger row; the only ones left may be the killed
    // worker's, on files another worker recorded in the meantime.
    let left: Vec<(String, String, i64)> = postgres::Client::connect(&db.url, postgres::NoTls)
        .unwrap()
        .query(
            "SELECT encode(c.path_bytes, 'escape'), c.worker,
                    (SELECT count(*) FROM sources s WHERE s.path_bytes = c.path_bytes) FROM claims c",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    // Two writers of one store never deadlock: a batch that would wait out of
    // order commits first instead of being aborted and restarted.
    for (name, w) in [("b", &b), ("a2", &a2)] {
        let log = w.log();
        assert!(
            !log.contains("deadlock detected") && !log.contains("pipeline stopped; restarting"),
            "worker {name} restarted its pipeline:\n{log}"
        );
    }
    for (path, worker, recorded) in &left {
        assert!(
            worker.ends_with(&killed) && *recorded == 1,
            "claim left unsettled: {path} by {worker} (recorded {recorded} times)\n--- b:\n{}\n--- a2:\n{}",
            lines_naming(&b.log(), path),
            lines_naming(&a2.log(), path)
        );
    }
    // The stories: as many articles as one SQLite run over the same files finds.
    let one = one_sqlite_run(tmp.path(), &dir).iter().filter(|f| f.2 == "stored").count() as i64;
    assert_eq!(count(&db.url, "SELECT count(*) FROM articles"), one, "no story stored twice");
}

/// A `run` whose batch the database refuses leaves no claim behind: the next run (a
/// new process, another worker) takes those files at once, not after the lease.
#[test]
fn a_failed_run_gives_its_claims_back() {
    let Some(db) = pg::database() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    let total = corpus(&dir).min(20);
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for extra in &names[total..] {
        std::fs::remove_file(extra).unwrap();
    }
    // The schema first, then a trigger that refuses one file: its batch rolls back.
    let out = Command::new(bin())
        .args(["--db", &db.url, "-q", "run", "--include", "none"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    c.batch_execute(
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN
             IF NEW.path LIKE '%001-a.txt' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW;
         END $$ LANGUAGE plpgsql;
         CREATE TRIGGER refuse BEFORE INSERT ON sources FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .unwrap();
    let out = Command::new(bin()).args(["--db", &db.url, "-q", "run", "--json"]).arg(&dir).output().unwrap();
    assert!(!out.status.success(), "the run fails on the refused file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused by the test"));
    assert_eq!(count(&db.url, "SELECT count(*) FROM claims"), 0, "no claim left by the failed run");
    c.batch_execute("DROP TRIGGER refuse ON sources").unwrap();
    let out = Command::new(bin()).args(["--db", &db.url, "-q", "run", "--json"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        count(&db.url, "SELECT count(*) FROM sources"),
        total as i64,
        "every file recorded by the next run"
    );
}
