//! Background WAL checkpoints for the writer.
//!
//! In WAL mode every commit appends pages to `<db>-wal`; a checkpoint copies them
//! back into the database file and fsyncs it. SQLite's default runs that inside
//! the commit that crosses the threshold, on the writer's thread, so the single
//! writer (the pipeline's bottleneck on a large store) stops for the copy and the
//! fsync. On a 1 M-article store that was about a tenth of the writer's CPU time
//! plus the fsync waits (README, Performance).
//!
//! Here the writer's WAL hook only counts frames and wakes a thread that runs a
//! `PASSIVE` checkpoint on its own connection, which never blocks the writer.
//! Durability is unchanged: the same checkpoints, with the same fsyncs, happen on
//! another thread. If that thread falls far behind (four times the threshold), the
//! writer checkpoints itself as SQLite would, so the WAL stays bounded.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OpenFlags};
use tracing::warn;

/// How often the thread checkpoints even without a nudge (a quiet daemon's WAL
/// still gets copied back).
const IDLE_INTERVAL: Duration = Duration::from_secs(5);

/// The checkpoint thread; stops (after its current checkpoint) when dropped.
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
    nudge: SyncSender<()>,
    done: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a second connection to `path` and starts the thread. Installs the WAL
    /// hook on `writer`, replacing SQLite's automatic checkpoint.
    pub(super) fn start(writer: &mut Connection, path: &Path, pages: u32) -> Result<Checkpointer> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open {} for background checkpoints", path.display()))?;
        conn.busy_timeout(Duration::from_secs(1))?;
        // A connection learns the database is in WAL mode when it first reads it;
        // until then a checkpoint is a no-op (it reports -1 frames).
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            anyhow::bail!("{} is not in WAL mode ({mode}): no background checkpoints", path.display());
        }
        let (nudge, rx) = sync_channel::<()>(1);
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let thread = {
            let stop = Arc::clone(&stop);
            let done = Arc::clone(&done);
            let path: PathBuf = path.to_path_buf();
            std::thread::Builder::new()
                .name("checkpoint".into())
                .spawn(move || loop {
                    let woken = rx.recv_timeout(IDLE_INTERVAL);
                    if stop.load(Ordering::Acquire) || woken == Err(RecvTimeoutError::Disconnected) {
                        return;
                    }
                    match conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
                        Ok((_, copied)) if copied > 0 => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        // Not fatal: the writer falls back to checkpointing itself.
                        Err(e) => warn!(db = %path.display(), error = %e, "background checkpoint failed"),
                    }
                })
                .context("cannot start the checkpoint thread")?
        };
        let hook_nudge = nudge.clone();
        let threshold = i32::try_from(pages.max(1)).unwrap_or(i32::MAX);
        writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames: i32| {
            if frames >= threshold.saturating_mul(4) {
                // Never an error from here: SQLite would report it as the result of
                // a COMMIT that did happen. Busy means the thread is on it anyway.
                let _ = wal.checkpoint();
            } else if frames >= threshold {
                // Full means a nudge is already pending: nothing to add.
                let _ = hook_nudge.try_send(());
            }
            Ok(())
        }))?;
        Ok(Checkpointer { stop, nudge, done, thread: Some(thread) })
    }

    /// Checkpoints the thread has run that copied pages back.
    pub(super) fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = self.nudge.try_send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
