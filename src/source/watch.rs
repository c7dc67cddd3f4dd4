//! The daemon's source: a directory watched for new files.
//!
//! Filesystem events (notify) are only a hint that lets a new file be picked up
//! quickly; a periodic full rescan with [`discover::walk`] is the source of truth, so
//! dropped events, an event-queue overflow (which triggers a rescan at once) and
//! event-less filesystems such as NFS only cost latency. The ledger in SQLite is the
//! memory of what was processed (`seen_unchanged`, the same cheap check as `run`;
//! rescans are spaced so they take at most about a sixth of one core);
//! this source keeps only two bounded maps:
//!
//! - *settling*: files seen but not yet stable (size, mtime and ctime unchanged for
//!   `settle_ms`), capped at [`MAX_SETTLING`] entries;
//! - *in flight*: files sent into the pipeline whose `Committed` has not arrived yet
//!   (at most what the pipeline's channels and one batch hold), so a rescan never
//!   sends a file twice. Entries of files the writer did not commit (vanished, or the
//!   same bytes as before) are dropped when the ledger shows them or a rescan no
//!   longer finds them.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use serde::Serialize;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::discover::{self, Filter};
use super::fd::{self, Dir};
use super::Candidate;
use crate::config::WatchConfig;
use crate::store::{FileKey, ReadStore, Status};

/// Paths remembered from events between two checks; more means "rescan everything".
pub const MAX_HINTS: usize = 4096;
/// Files waiting to settle; more are left for a later rescan.
pub const MAX_SETTLING: usize = 20_000;

/// What happens to a file once its fate is committed.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    pub done_dir: Option<PathBuf>,
    pub delete_processed: bool,
    pub error_dir: Option<PathBuf>,
}

/// What [`Actions::apply`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Left,
    /// The name no longer refers to the file that was read (changed, replaced): left.
    Changed,
    Moved(PathBuf),
    Deleted,
}

impl Actions {
    pub fn from_config(w: &WatchConfig) -> Actions {
        let dir = |p: &PathBuf| (!p.as_os_str().is_empty()).then(|| p.clone());
        Actions {
            done_dir: dir(&w.done_dir),
            delete_processed: w.delete_processed,
            error_dir: dir(&w.error_dir),
        }
    }

    /// True when committed files stay where they are.
    pub fn is_noop(&self) -> bool {
        self.done_dir.is_none() && !self.delete_processed && self.error_dir.is_none()
    }

    /// Moves or deletes `path` (found under `root`) whose committed fate is `status`.
    /// Only ever called after the commit. Rejected files go to `error_dir` or stay;
    /// they are never deleted.
    ///
    /// The file is reached from a descriptor of `root`, one directory at a time
    /// without following symlinks ([`Dir::parent_beneath`]), and acted on only when
    /// the name still refers to `expect` (the file that was read): a directory
    /// swapped for a symlink, or a file replaced after it was read, is left alone.
    pub fn apply(
        &self,
        root: &Path,
        path: &Path,
        status: Status,
        expect: Expect,
    ) -> std::io::Result<Outcome> {
        let target =
            if status == Status::Rejected { self.error_dir.as_ref() } else { self.done_dir.as_ref() };
        if target.is_none() && !(self.delete_processed && status != Status::Rejected) {
            return Ok(Outcome::Left);
        }
        let rel = match path.strip_prefix(root) {
            Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
            _ => return Err(std::io::Error::other("file is not below the watched directory")),
        };
        let (src_dir, name) = Dir::parent_beneath(root, &rel)?;
        let st = src_dir.stat(&name)?;
        if (st.st_mode & libc::S_IFMT) != libc::S_IFREG || !expect.matches(&st) {
            // A new version, or another file now has this name: not what was committed.
            return Ok(Outcome::Changed);
        }
        if let Some(dir) = target {
            let dest = free_name(&dir.join(&rel));
            let parent = dest.parent().unwrap_or(dir);
            std::fs::create_dir_all(parent)?;
            let dest_dir = Dir::open(parent)?;
            let dest_name = fd::name(dest.file_name().unwrap_or(dest.as_os_str()))?;
            match src_dir.rename(&name, &dest_dir, &dest_name) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
                    return copy_across(&src_dir, &name, &st, &dest, &expect);
                }
                Err(e) => return Err(e),
            }
            return Ok(Outcome::Moved(dest));
        }
        src_dir.unlink(&name)?;
        Ok(Outcome::Deleted)
    }
}

/// Which file a post-commit action may touch: the one that was read, unchanged.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    /// Device and inode of the descriptor that was read (`None` for a recorded file
    /// found again by a rescan, which was not read this time).
    pub file_id: Option<(u64, u64)>,
    pub size: u64,
    pub mtime_ns: i64,
}

impl Expect {
    // `stat`'s field types differ between platforms; the casts are not no-ops everywhere.
    #[allow(clippy::unnecessary_cast)]
    fn matches(&self, st: &libc::stat) -> bool {
        let m = (st.st_mtime as i64).saturating_mul(1_000_000_000).saturating_add(st.st_mtime_nsec as i64);
        st.st_size as u64 == self.size
            && m == self.mtime_ns
            && self.file_id.map_or(true, |id| id == (st.st_dev as u64, st.st_ino as u64))
    }
}

/// Temporary name of a copy in progress in the destination directory.
fn partial_name(final_name: &std::ffi::OsStr) -> std::ffi::OsString {
    let mut n = std::ffi::OsString::from(".");
    n.push(final_name);
    n.push(".news-ingest-partial");
    n
}

/// A move to another filesystem: copy to a temporary name in the destination,
/// fsync, rename to the final name, fsync the directory, then remove the source.
/// A crash leaves either the source and a partial temporary (overwritten by the
/// retry), or the source and a complete copy, which the retry recognises (same size
/// and bytes) and finishes by removing the source: never a duplicate.
#[allow(clippy::unnecessary_cast)] // `stat` field types differ between platforms
fn copy_across(
    src_dir: &Dir,
    name: &std::ffi::CString,
    st: &libc::stat,
    dest: &Path,
    expect: &Expect,
) -> std::io::Result<Outcome> {
    use std::io::{Read, Write};
    let mut src = src_dir.open_file(name)?;
    let meta = src.metadata()?;
    if !expect.matches(st) || fd::identity(&meta) != (st.st_dev as u64, st.st_ino as u64) {
        return Ok(Outcome::Changed);
    }
    // A complete copy from an interrupted earlier attempt, under the name it would
    // have been given (`free_name` skips it because it exists): finish that move.
    if let Some(done) = existing_copy(dest, &mut src, meta.len())? {
        src_dir.unlink(name)?;
        return Ok(Outcome::Moved(done));
    }
    let parent = dest.parent().unwrap_or(Path::new("."));
    let dest_dir = Dir::open(parent)?;
    let final_name = dest.file_name().unwrap_or(dest.as_os_str());
    let tmp = fd::name(&partial_name(final_name))?;
    let mut out = dest_dir.create_file(&tmp)?;
    let mut buf = vec![0u8; 1 << 16];
    let half = meta.len() / 2;
    let mut written = 0u64;
    loop {
        // Reads stop at the half once, so a crash test can find the copy half done.
        let want = if written < half { (half - written).min(buf.len() as u64) as usize } else { buf.len() };
        let n = match src.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.write_all(&buf[..n])?;
        if written < half && written + n as u64 >= half {
            test_pause();
        }
        written += n as u64;
    }
    out.sync_all()?;
    drop(out);
    dest_dir.rename(&tmp, &dest_dir, &fd::name(final_name)?)?;
    dest_dir.sync()?;
    test_pause();
    src_dir.unlink(name)?;
    Ok(Outcome::Moved(dest.to_path_buf()))
}

/// Test hook for crash tests: `NEWS_INGEST_TEST_PAUSE_MOVE_MS` makes a cross-device
/// move pause that long half-way through the copy and again between the rename and
/// the removal of the source, so a test can SIGKILL the daemon inside each window
/// deterministically instead of by luck. Unset (always, outside tests): no pause.
fn test_pause() {
    static PAUSE: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("NEWS_INGEST_TEST_PAUSE_MOVE_MS").ok()?.parse::<u64>().ok().map(Duration::from_millis)
    });
    if let Some(d) = pause {
        std::thread::sleep(*d);
    }
}

/// The first of `dest`'s predecessors under [`free_name`]'s numbering (`a.txt`,
/// `a.1.txt`, ...) holding exactly the bytes of `src`. `dest` is the free name.
fn existing_copy(dest: &Path, src: &mut std::fs::File, len: u64) -> std::io::Result<Option<PathBuf>> {
    use std::io::Seek;
    let stem = dest.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = dest.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    // Recover the base stem: `a.3` -> `a` when dest is a numbered free name.
    let base = match stem.rsplit_once('.') {
        Some((b, n)) if n.bytes().all(|c| c.is_ascii_digit()) && !n.is_empty() => b.to_string(),
        _ => stem.clone(),
    };
    let mut names = vec![dest.with_file_name(format!("{base}{ext}"))];
    for n in 1u32.. {
        let p = dest.with_file_name(format!("{base}.{n}{ext}"));
        if p == dest || n > 10_000 {
            break;
        }
        names.push(p);
    }
    for p in names {
        if p == dest {
            break;
        }
        let Ok(m) = std::fs::symlink_metadata(&p) else { continue };
        if !m.is_file() || m.len() != len {
            continue;
        }
        let mut other = std::fs::File::open(&p)?;
        src.rewind()?;
        if same_bytes(src, &mut other)? {
            src.rewind()?;
            return Ok(Some(p));
        }
    }
    src.rewind()?;
    Ok(None)
}

fn same_bytes(a: &mut std::fs::File, b: &mut std::fs::File) -> std::io::Result<bool> {
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_full(a, &mut x)?;
        let m = read_full(b, &mut y)?;
        if n != m || x[..n] != y[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// `dest`, or `stem.N.ext` with the first free N when `dest` exists (an older
/// version of the same file that was processed before).
fn free_name(dest: &Path) -> PathBuf {
    if std::fs::symlink_metadata(dest).is_err() {
        return dest.to_path_buf();
    }
    let stem = dest.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = dest.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    for n in 1u32.. {
        let candidate = dest.with_file_name(format!("{stem}.{n}{ext}"));
        if std::fs::symlink_metadata(&candidate).is_err() {
            return candidate;
        }
    }
    dest.to_path_buf()
}

/// Counts since the daemon started (shared by the source and the command).
#[derive(Debug, Default)]
pub struct Counters {
    pub stored: AtomicU64,
    pub duplicates: AtomicU64,
    pub near_duplicates: AtomicU64,
    pub updated: AtomicU64,
    pub rejected: AtomicU64,
    pub moved: AtomicU64,
    pub deleted: AtomicU64,
    pub action_errors: AtomicU64,
    pub restarts: AtomicU64,
}

/// A snapshot of [`Counters`] for the log.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    pub files: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub near_duplicates: u64,
    pub updated: u64,
    pub rejected: u64,
    pub moved: u64,
    pub deleted: u64,
    pub action_errors: u64,
    pub restarts: u64,
}

impl Counters {
    pub fn count(&self, status: Status) {
        let c = match status {
            Status::Stored => &self.stored,
            Status::Duplicate => &self.duplicates,
            Status::NearDuplicate => &self.near_duplicates,
            Status::Updated => &self.updated,
            Status::Rejected => &self.rejected,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_outcome(&self, outcome: &Outcome) {
        match outcome {
            Outcome::Moved(_) => self.moved.fetch_add(1, Ordering::Relaxed),
            Outcome::Deleted => self.deleted.fetch_add(1, Ordering::Relaxed),
            Outcome::Left | Outcome::Changed => 0,
        };
    }

    pub fn totals(&self) -> Totals {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut t = Totals {
            files: 0,
            stored: g(&self.stored),
            duplicates: g(&self.duplicates),
            near_duplicates: g(&self.near_duplicates),
            updated: g(&self.updated),
            rejected: g(&self.rejected),
            moved: g(&self.moved),
            deleted: g(&self.deleted),
            action_errors: g(&self.action_errors),
            restarts: g(&self.restarts),
        };
        t.files = t.stored + t.duplicates + t.near_duplicates + t.updated + t.rejected;
        t
    }
}

/// Settings of the watching source.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    pub root: PathBuf,
    pub filter: Arc<Filter>,
    pub settle: Duration,
    pub rescan: Duration,
    pub max_backoff: Duration,
    pub actions: Actions,
    pub counters: Arc<Counters>,
    /// How long this worker's claim on a file lasts (a store shared by several
    /// workers; see `ReadStore::claim`).
    pub claim_lease: Duration,
}

#[derive(Debug, Default)]
struct Hints {
    paths: HashSet<PathBuf>,
    full: bool,
}

#[derive(Debug)]
struct InFlight {
    key: FileKey,
    generation: u64,
}

/// State shared between the source thread, the notify callback and the command.
#[derive(Debug)]
pub struct Shared {
    stop: AtomicBool,
    in_flight: Mutex<HashMap<PathBuf, InFlight>>,
    hints: Mutex<Hints>,
    wake: SyncSender<()>,
    settling: AtomicUsize,
    /// Duration of the last full walk of the directory, in microseconds (0 before the
    /// first), and how many walks were done: for the daemon's metrics.
    last_scan_micros: AtomicU64,
    scans: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Stops intake: the source sends nothing more and returns.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.wake.try_send(());
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Forgets a committed file and returns the key it was sent with (`None` when it
    /// was not in flight).
    pub fn committed(&self, path: &Path) -> Option<FileKey> {
        lock(&self.in_flight).remove(path).map(|f| f.key)
    }

    pub fn in_flight(&self) -> usize {
        lock(&self.in_flight).len()
    }

    /// The last full directory walk: its duration and the number of walks so far
    /// (`None` before the first).
    pub fn last_scan(&self) -> Option<(Duration, u64)> {
        let n = self.scans.load(Ordering::Relaxed);
        (n > 0).then(|| (Duration::from_micros(self.last_scan_micros.load(Ordering::Relaxed)), n))
    }

    pub fn settling(&self) -> usize {
        self.settling.load(Ordering::Relaxed)
    }

    fn hint_path(&self, path: &Path) {
        {
            let mut h = lock(&self.hints);
            if !h.full {
                if h.paths.len() >= MAX_HINTS {
                    h.full = true;
                    h.paths = HashSet::new();
                } else {
                    h.paths.insert(path.to_path_buf());
                }
            }
        }
        let _ = self.wake.try_send(());
    }

    fn hint_full(&self) {
        {
            let mut h = lock(&self.hints);
            h.full = true;
            h.paths = HashSet::new();
        }
        let _ = self.wake.try_send(());
    }

    fn take_hints(&self) -> Hints {
        std::mem::take(&mut *lock(&self.hints))
    }
}

/// Why the source returned.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// [`Shared::stop`] was called.
    Stopped,
    /// The pipeline no longer accepts files (its writer stopped on an error).
    PipelineGone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
}

#[derive(Debug)]
struct Settling {
    stamp: Stamp,
    since: Instant,
    due: Instant,
    generation: u64,
}

#[derive(Debug, Default)]
struct ScanCounts {
    queued: u64,
    recorded: u64,
    in_flight: u64,
    settling: u64,
}

/// The watching source; [`WatchSource::run`] runs on a blocking thread.
pub struct WatchSource {
    cfg: WatchSettings,
    shared: Arc<Shared>,
    wake_rx: Receiver<()>,
    ledger: Box<dyn ReadStore>,
    settling: HashMap<PathBuf, Settling>,
    generation: u64,
    watcher: Option<(RecommendedWatcher, (u64, u64))>,
    watch_failed_for: Option<(u64, u64)>,
    scans: u64,
    counts: ScanCounts,
    /// Time the last full scan took, without the time it waited on the pipeline.
    last_scan_cost: Duration,
    /// Time spent waiting for the pipeline to accept files during this scan.
    send_wait: Duration,
    /// `cfg.root` (resolved by the command), shared by the candidates.
    root_arc: Arc<Path>,
}

impl WatchSource {
    /// `ledger` is a read connection to the database the pipeline writes.
    pub fn new(cfg: WatchSettings, ledger: Box<dyn ReadStore>) -> (WatchSource, Arc<Shared>) {
        let (wake, wake_rx) = sync_channel(1);
        let cfg_root = cfg.root.clone();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            in_flight: Mutex::new(HashMap::new()),
            hints: Mutex::new(Hints::default()),
            wake,
            settling: AtomicUsize::new(0),
            last_scan_micros: AtomicU64::new(0),
            scans: AtomicU64::new(0),
        });
        let source = WatchSource {
            cfg,
            shared: Arc::clone(&shared),
            wake_rx,
            ledger,
            settling: HashMap::new(),
            generation: 0,
            watcher: None,
            watch_failed_for: None,
            scans: 0,
            counts: ScanCounts::default(),
            last_scan_cost: Duration::ZERO,
            send_wait: Duration::ZERO,
            root_arc: Arc::from(cfg_root.as_path()),
        };
        (source, shared)
    }

    /// Feeds `input` until stopped or until the pipeline goes away.
    pub fn run(mut self, input: mpsc::Sender<Candidate>) -> End {
        let mut next_full = Instant::now();
        let mut backoff = self.cfg.rescan;
        let mut root_ok = true;
        // Forced rescans (event overflow, a directory moved in) are spaced too.
        let mut next_forced = Instant::now();
        let mut forced_waiting = false;
        loop {
            if self.shared.stopped() {
                return End::Stopped;
            }
            let hints = self.shared.take_hints();
            let now = Instant::now();
            forced_waiting |= hints.full && root_ok;
            let result = if now >= next_full || (forced_waiting && now >= next_forced) {
                forced_waiting = false;
                match self.full_scan(&input) {
                    Ok(None) => {
                        // A big directory left in place makes every rescan cost;
                        // keep rescans to about a sixth of one core (events still
                        // bring new files at once).
                        let gap = self.cfg.rescan.max(self.last_scan_cost * 5);
                        if !root_ok {
                            info!(dir = %self.cfg.root.display(), "directory is back; watching again");
                        }
                        root_ok = true;
                        backoff = self.cfg.rescan;
                        next_full = Instant::now() + gap;
                        next_forced = Instant::now() + self.last_scan_cost * 5;
                        Ok(())
                    }
                    Ok(Some(reason)) => {
                        root_ok = false;
                        self.watcher = None;
                        warn!(
                            dir = %self.cfg.root.display(),
                            error = %reason,
                            retry_in_ms = backoff.as_millis() as u64,
                            "cannot read the watched directory; retrying"
                        );
                        next_full = Instant::now() + backoff;
                        backoff = (backoff * 2).min(self.cfg.max_backoff.max(self.cfg.rescan));
                        Ok(())
                    }
                    Err(end) => Err(end),
                }
            } else {
                self.check_hints_and_settling(hints.paths, &input)
            };
            if let Err(end) = result {
                return end;
            }
            self.shared.settling.store(self.settling.len(), Ordering::Relaxed);
            let next_settle = self.settling.values().map(|s| s.due).min();
            let mut deadline = next_settle.map_or(next_full, |d| d.min(next_full));
            if forced_waiting {
                deadline = deadline.min(next_forced);
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.wake_rx.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return End::Stopped,
            }
        }
    }

    /// One walk of the directory. `Ok(Some(reason))` when the directory cannot be read.
    fn full_scan(&mut self, input: &mpsc::Sender<Candidate>) -> Result<Option<String>, End> {
        let root = self.cfg.root.clone();
        let meta = match std::fs::metadata(&root) {
            Ok(m) if m.is_dir() => m,
            Ok(_) => return Ok(Some("not a directory".to_string())),
            Err(e) => return Ok(Some(e.to_string())),
        };
        if let Err(e) = std::fs::read_dir(&root) {
            return Ok(Some(e.to_string()));
        }
        self.ensure_watcher((meta.dev(), meta.ino()));
        self.generation += 1;
        self.counts = ScanCounts::default();
        self.send_wait = Duration::ZERO;
        let started = Instant::now();
        let filter = Arc::clone(&self.cfg.filter);
        let mut halt = None;
        discover::walk(std::slice::from_ref(&root), &filter, |c| {
            if self.shared.stopped() {
                halt = Some(End::Stopped);
                return false;
            }
            match self.consider(c, None, input) {
                Ok(()) => true,
                Err(end) => {
                    halt = Some(end);
                    false
                }
            }
        });
        if let Some(end) = halt {
            return Err(end);
        }
        // Whatever this walk did not see is gone: forget it.
        let generation = self.generation;
        self.settling.retain(|_, s| s.generation == generation);
        lock(&self.shared.in_flight).retain(|_, f| f.generation == generation);
        self.scans += 1;
        self.last_scan_cost = started.elapsed().saturating_sub(self.send_wait);
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.shared.last_scan_micros.store(micros, Ordering::Relaxed);
        self.shared.scans.store(self.scans, Ordering::Relaxed);
        let c = &self.counts;
        if self.scans == 1 {
            info!(
                dir = %root.display(),
                queued = c.queued,
                already_recorded = c.recorded,
                settling = c.settling,
                ms = started.elapsed().as_millis() as u64,
                "initial scan done"
            );
        } else {
            debug!(
                queued = c.queued,
                already_recorded = c.recorded,
                in_flight = c.in_flight,
                settling = c.settling,
                ms = started.elapsed().as_millis() as u64,
                cost_ms = self.last_scan_cost.as_millis() as u64,
                "rescan done"
            );
        }
        Ok(None)
    }

    /// Checks the paths events named, then the settling files whose time has come.
    fn check_hints_and_settling(
        &mut self,
        hints: HashSet<PathBuf>,
        input: &mpsc::Sender<Candidate>,
    ) -> Result<(), End> {
        for path in hints {
            self.check_path(&path, input)?;
        }
        let now = Instant::now();
        let due: Vec<PathBuf> =
            self.settling.iter().filter(|(_, s)| s.due <= now).map(|(p, _)| p.clone()).collect();
        for path in due {
            if !self.check_path(&path, input)? {
                self.settling.remove(&path);
            }
        }
        Ok(())
    }

    /// Looks at one path an event named. Returns false when it is not (or no
    /// longer) an input file. Symlinks and directories are left to a full rescan,
    /// which applies the discovery rules to them.
    fn check_path(&mut self, path: &Path, input: &mpsc::Sender<Candidate>) -> Result<bool, End> {
        let Ok(rel) = path.strip_prefix(&self.cfg.root) else { return Ok(false) };
        let mut parts: Vec<&std::ffi::OsStr> = rel.iter().collect();
        let Some(name) = parts.pop() else { return Ok(false) };
        if parts.iter().any(|d| self.cfg.filter.skips_dir(d)) {
            return Ok(false);
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(_) => {
                self.settling.remove(path);
                return Ok(false);
            }
        };
        if meta.file_type().is_symlink() || meta.is_dir() {
            if !self.cfg.filter.skips_dir(name) {
                self.shared.hint_full();
            }
            return Ok(false);
        }
        if !meta.is_file() || !self.cfg.filter.accepts(name) {
            return Ok(false);
        }
        let c = Candidate::new(path.to_path_buf(), &meta, Arc::clone(&self.root_arc));
        self.consider(c, Some(&meta), input)?;
        Ok(true)
    }

    /// Decides what to do with one input file: nothing (recorded, in flight or still
    /// settling) or send it into the pipeline.
    /// `meta` is the file's metadata when the caller has it (for the ctime); it is
    /// read only for files that are neither recorded nor in flight.
    fn consider(
        &mut self,
        c: Candidate,
        meta: Option<&std::fs::Metadata>,
        input: &mpsc::Sender<Candidate>,
    ) -> Result<(), End> {
        let generation = self.generation;
        // In flight first, the ledger second: a commit lands in the ledger before
        // its `Committed` removes the entry, so no file is ever sent twice.
        let in_flight = match lock(&self.shared.in_flight).get_mut(&c.path) {
            Some(f) => {
                f.generation = generation;
                true
            }
            None => false,
        };
        let recorded = match self.ledger.seen_unchanged(&c.key) {
            Ok(r) => r,
            Err(e) => {
                // The writer's own check is exact; a failed lookup only costs a read.
                debug!(path = %c.path.display(), error = %e, "ledger lookup failed");
                false
            }
        };
        if recorded {
            if in_flight {
                lock(&self.shared.in_flight).remove(&c.path);
            }
            self.settling.remove(&c.path);
            self.counts.recorded += 1;
            if !self.cfg.actions.is_noop() {
                self.finish_recorded(&c);
            }
            return Ok(());
        }
        if in_flight {
            self.counts.in_flight += 1;
            return Ok(());
        }
        let ctime = match meta {
            Some(m) => ctime_ns(m),
            None => match std::fs::metadata(&c.path) {
                Ok(m) => ctime_ns(&m),
                Err(_) => return Ok(()), // gone since discovery saw it
            },
        };
        let stamp = Stamp { size: c.key.size, mtime_ns: c.key.mtime_ns, ctime_ns: ctime };
        if !self.settled(&c.path, stamp) {
            self.counts.settling += 1;
            return Ok(());
        }
        if self.shared.stopped() {
            return Err(End::Stopped);
        }
        self.settling.remove(&c.path);
        // Workers sharing a database and a directory: each file is read by one.
        match self.ledger.claim(&c.key, self.cfg.claim_lease) {
            Ok(true) => {}
            Ok(false) => {
                debug!(path = %c.path.display(), "claimed by another worker");
                return Ok(());
            }
            Err(e) => {
                debug!(path = %c.path.display(), error = %e, "claim failed; trying again at the next rescan");
                return Ok(());
            }
        }
        debug!(path = %c.path.display(), size = c.key.size, "queued");
        lock(&self.shared.in_flight).insert(c.path.clone(), InFlight { key: c.key.clone(), generation });
        self.counts.queued += 1;
        let waited = Instant::now();
        let sent = input.blocking_send(c);
        self.send_wait += waited.elapsed();
        if sent.is_err() {
            return Err(End::PipelineGone);
        }
        Ok(())
    }

    /// True once the file has not changed for the settle time: its newest timestamp
    /// (mtime, or ctime, which a producer cannot set back) is that old, or this
    /// source has seen the same size and timestamps for that long (clock skew).
    fn settled(&mut self, path: &Path, stamp: Stamp) -> bool {
        let settle = self.cfg.settle;
        if settle.is_zero() {
            return true;
        }
        let now_ns = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64);
        let newest = stamp.mtime_ns.max(stamp.ctime_ns);
        let age = Duration::from_nanos(now_ns.saturating_sub(newest).max(0) as u64);
        let remaining = settle.saturating_sub(age);
        let now = Instant::now();
        let generation = self.generation;
        match self.settling.get_mut(path) {
            Some(s) if s.stamp == stamp => {
                if remaining.is_zero() || now.duration_since(s.since) >= settle {
                    return true;
                }
                s.generation = generation;
                s.due = (s.since + settle).min(now + remaining).max(now + Duration::from_millis(10));
                false
            }
            Some(s) => {
                *s = Settling {
                    stamp,
                    since: now,
                    due: now + remaining.max(Duration::from_millis(10)),
                    generation,
                };
                remaining.is_zero()
            }
            None => {
                if remaining.is_zero() {
                    return true;
                }
                if self.settling.len() < MAX_SETTLING {
                    let due = now + remaining.max(Duration::from_millis(10));
                    self.settling.insert(path.to_path_buf(), Settling { stamp, since: now, due, generation });
                }
                false
            }
        }
    }

    /// A recorded file still in the directory: its post-commit move or delete was
    /// interrupted (crash) or never asked for (the writer found the same bytes).
    fn finish_recorded(&mut self, c: &Candidate) {
        let status = match self.ledger.status_unchanged(&c.key) {
            Ok(Some(s)) => s,
            _ => return,
        };
        let expect = Expect { file_id: None, size: c.key.size, mtime_ns: c.key.mtime_ns };
        match self.cfg.actions.apply(&self.cfg.root, &c.path, status, expect) {
            Ok(Outcome::Left | Outcome::Changed) => {}
            Ok(outcome) => {
                debug!(path = %c.path.display(), ?outcome, "finished post-commit action of a recorded file");
                self.cfg.counters.count_outcome(&outcome);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                self.cfg.counters.action_errors.fetch_add(1, Ordering::Relaxed);
                warn!(path = %c.path.display(), error = %e, "cannot move or delete a processed file; left in place");
            }
        }
    }

    /// (Re)installs the notify watcher when the directory is new or was replaced.
    fn ensure_watcher(&mut self, id: (u64, u64)) {
        if self.watcher.as_ref().map(|w| w.1) == Some(id) {
            return;
        }
        self.watcher = None;
        let shared = Arc::clone(&self.shared);
        let filter = Arc::clone(&self.cfg.filter);
        let root = self.cfg.root.clone();
        let handler = move |res: notify::Result<notify::Event>| {
            use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
            let event = match res {
                Ok(event) if !event.need_rescan() => event,
                _ => return shared.hint_full(),
            };
            // Opening and reading (ours included) changes nothing; a close after
            // writing may be the moment a file became complete.
            let appeared = match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => false,
                EventKind::Access(_) => return,
                EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_)) => true,
                _ => false,
            };
            for p in &event.paths {
                match p.file_name() {
                    Some(n) if filter.accepts(n) => shared.hint_path(p),
                    // A directory moved or created in: its files have no events of their own.
                    Some(n) if appeared && *p != root && !filter.skips_dir(n) && p.is_dir() => {
                        shared.hint_full()
                    }
                    _ => {}
                }
            }
        };
        let result = notify::recommended_watcher(handler).and_then(|mut w| {
            w.watch(&self.cfg.root, RecursiveMode::Recursive)?;
            Ok(w)
        });
        match result {
            Ok(w) => {
                debug!(dir = %self.cfg.root.display(), "filesystem events enabled");
                self.watcher = Some((w, id));
                self.watch_failed_for = None;
            }
            Err(e) => {
                if self.watch_failed_for != Some(id) {
                    warn!(
                        dir = %self.cfg.root.display(),
                        error = %e,
                        rescan_ms = self.cfg.rescan.as_millis() as u64,
                        "no filesystem events (inotify limit?); relying on rescans"
                    );
                }
                self.watch_failed_for = Some(id);
            }
        }
    }
}

fn ctime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.ctime().saturating_mul(1_000_000_000).saturating_add(meta.ctime_nsec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_name_keeps_extension() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        assert_eq!(free_name(&a), a);
        std::fs::write(&a, "x").unwrap();
        assert_eq!(free_name(&a), dir.path().join("a.1.txt"));
    }

    #[test]
    fn apply_moves_under_done_keeping_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        let f = root.join("sub/a.txt");
        std::fs::write(&f, "x").unwrap();
        let actions =
            Actions { done_dir: Some(dir.path().join("done")), delete_processed: false, error_dir: None };
        let expect = |f: &Path| {
            let m = std::fs::metadata(f).unwrap();
            let key = crate::source::file_key(f, &m);
            Expect { file_id: Some((m.dev(), m.ino())), size: key.size, mtime_ns: key.mtime_ns }
        };
        let out = actions.apply(&root, &f, Status::Stored, expect(&f)).unwrap();
        assert_eq!(out, Outcome::Moved(dir.path().join("done/sub/a.txt")));
        assert!(!f.exists());
        // Rejected with no error_dir: left in place.
        std::fs::write(&f, "y").unwrap();
        assert_eq!(actions.apply(&root, &f, Status::Rejected, expect(&f)).unwrap(), Outcome::Left);
        assert!(f.exists());
    }

    fn expect_of(f: &Path) -> Expect {
        let m = std::fs::symlink_metadata(f).unwrap();
        let key = crate::source::file_key(f, &m);
        Expect { file_id: Some((m.dev(), m.ino())), size: key.size, mtime_ns: key.mtime_ns }
    }

    /// A parent directory swapped for a symlink after the read: the delete (or move)
    /// never reaches the file outside the root it now points to.
    #[test]
    fn symlinked_parent_never_lets_an_action_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        let f = root.join("sub/a.txt");
        std::fs::write(&f, "inside").unwrap();
        let victim = outside.join("a.txt");
        std::fs::hard_link(&f, &victim).unwrap_or_else(|_| std::fs::write(&victim, "inside").unwrap());
        // Even with the expectation of the very inode the outside name refers to.
        let expect = expect_of(&victim);
        std::fs::remove_file(&f).unwrap();
        std::fs::remove_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("sub")).unwrap();
        let delete = Actions { done_dir: None, delete_processed: true, error_dir: None };
        assert!(delete.apply(&root, &f, Status::Stored, expect).is_err());
        let done =
            Actions { done_dir: Some(dir.path().join("done")), delete_processed: false, error_dir: None };
        assert!(done.apply(&root, &f, Status::Stored, expect).is_err());
        assert!(victim.exists(), "a file outside the root was deleted or moved");
    }

    /// A file replaced after it was read (another inode under the name) is left.
    #[test]
    fn replaced_file_is_left_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir_all(&root).unwrap();
        let f = root.join("a.txt");
        std::fs::write(&f, "first").unwrap();
        let expect = expect_of(&f);
        std::fs::remove_file(&f).unwrap();
        std::fs::write(root.join(".new"), "other").unwrap();
        std::fs::rename(root.join(".new"), &f).unwrap();
        let delete = Actions { done_dir: None, delete_processed: true, error_dir: None };
        assert_eq!(delete.apply(&root, &f, Status::Stored, expect).unwrap(), Outcome::Changed);
        assert!(f.exists());
    }

    /// The cross-device path, resumed after a crash at each point: never a duplicate.
    #[test]
    fn copy_across_resumes_without_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        let done = dir.path().join("done");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&done).unwrap();
        let f = root.join("a.txt");
        std::fs::write(&f, "the article").unwrap();
        let expect = expect_of(&f);
        // Crashed after the rename, before removing the source: the complete copy
        // is recognised and the move finished.
        std::fs::write(done.join("a.txt"), "the article").unwrap();
        let (src_dir, name) = Dir::parent_beneath(&root, Path::new("a.txt")).unwrap();
        let st = src_dir.stat(&name).unwrap();
        let out = copy_across(&src_dir, &name, &st, &free_name(&done.join("a.txt")), &expect).unwrap();
        assert_eq!(out, Outcome::Moved(done.join("a.txt")));
        assert!(!f.exists());
        assert!(!done.join("a.1.txt").exists());
        // Crashed mid-copy: a stale partial is overwritten, the copy completes.
        std::fs::write(&f, "second version").unwrap();
        let expect = expect_of(&f);
        std::fs::write(done.join(".b.txt.news-ingest-partial"), "sec").unwrap();
        let (src_dir, name) = Dir::parent_beneath(&root, Path::new("a.txt")).unwrap();
        let st = src_dir.stat(&name).unwrap();
        let dest = done.join("b.txt");
        assert_eq!(copy_across(&src_dir, &name, &st, &dest, &expect).unwrap(), Outcome::Moved(dest.clone()));
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "second version");
        assert!(!done.join(".b.txt.news-ingest-partial").exists());
    }
}
