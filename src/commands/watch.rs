//! `news-ingest watch [DIR]`: the daemon.
//!
//! Runs the batch pipeline with [`crate::source::watch`] as its source until SIGTERM
//! or SIGINT. On the first signal intake stops, what is in flight is drained and
//! committed, and the process exits 0 (or 1 when `shutdown_timeout_ms` runs out); a
//! second signal exits at once with 130. Either way the database is consistent:
//! commits are transactions, and files not yet committed are found again on the
//! next start.
//!
//! When the writer stops on an error (disk full, database unwritable) the batch is
//! rolled back; the daemon logs it, backs off and restarts the pipeline, and the
//! rescan finds the rolled-back files again.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::Args;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

use crate::clean::Cleaner;
use crate::cli::Context;
use crate::pipeline::{Committed, Options, Pipeline};
use crate::source::discover::Filter;
use crate::source::watch::{Actions, Counters, End, Outcome, Shared, WatchSettings, WatchSource};
use crate::store::SqliteStore;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Directory to watch (recursive). Default: the first of `input.paths`.
    pub dir: Option<PathBuf>,
}

/// Exit status after the drain ran out of time.
const EXIT_TIMEOUT: u8 = 1;
/// Exit status after a second signal.
const EXIT_SECOND_SIGNAL: u8 = 130;

pub fn run(ctx: &Context, args: WatchArgs) -> Result<ExitCode> {
    let w = &ctx.config.watch;
    let dir = match args.dir {
        Some(d) => d,
        None => ctx.config.input.paths.first().cloned().context("no DIR given and input.paths is empty")?,
    };
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!("cannot watch {}: not a directory", dir.display()),
        Err(e) => {
            bail!("cannot watch {}: {e} (create the directory first, or pass another DIR)", dir.display())
        }
    }
    // The ledger knows files by path: an absolute, resolved DIR keeps their identity
    // when the daemon is restarted from another working directory or spelling.
    let dir = std::fs::canonicalize(&dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    let actions = Actions::from_config(w);
    check_action_dirs(&dir, &actions)?;
    let mut exclude = ctx.config.input.exclude.clone();
    exclude.extend(w.ignore.iter().cloned());
    let filter = Filter::new(&ctx.config.input.include, &exclude)?;
    Cleaner::from_config(&ctx.config.clean)?; // a bad rules file is an error now, not at the first restart
                                              // Taking the single-writer lock first: a second daemon or `run` fails here, clearly.
    let mut store = ctx.open_writer()?;
    crate::pipeline::writer::check_dedup_params(
        &mut store,
        &crate::dedup::NearDupIndex::new(&ctx.config.dedup),
    )?;

    let settings = WatchSettings {
        root: dir,
        filter: Arc::new(filter),
        settle: Duration::from_millis(w.settle_ms),
        rescan: Duration::from_millis(w.rescan_interval_ms),
        max_backoff: Duration::from_millis(w.max_backoff_ms),
        actions,
        counters: Arc::new(Counters::default()),
    };
    let runtime = crate::pipeline::runtime(&ctx.config)?;
    runtime.block_on(Daemon { ctx, settings, started: Instant::now() }.run(store))
}

/// done_dir and error_dir must exist (they are created) and lie outside DIR, or
/// moved files would be found and ingested again.
fn check_action_dirs(dir: &Path, actions: &Actions) -> Result<()> {
    let root = std::fs::canonicalize(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
    for (key, d) in [("watch.done_dir", &actions.done_dir), ("watch.error_dir", &actions.error_dir)] {
        let Some(d) = d else { continue };
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {key} {}", d.display()))?;
        let resolved =
            std::fs::canonicalize(d).with_context(|| format!("cannot resolve {key} {}", d.display()))?;
        if resolved.starts_with(&root) {
            bail!(
                "{key} {} lies inside the watched directory {}: choose a directory outside it, or moved files would be ingested again",
                d.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

struct Daemon<'a> {
    ctx: &'a Context,
    settings: WatchSettings,
    started: Instant,
}

/// Why one run of the pipeline ended.
enum Stop {
    Signal(&'static str),
    Failed,
}

struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

impl Daemon<'_> {
    async fn run(self, first: SqliteStore) -> Result<ExitCode> {
        let mut signals = Signals {
            term: signal(SignalKind::terminate()).context("cannot install the SIGTERM handler")?,
            int: signal(SignalKind::interrupt()).context("cannot install the SIGINT handler")?,
        };
        let cfg = &self.ctx.config;
        info!(
            dir = %self.settings.root.display(),
            db = %self.ctx.db.display(),
            settle_ms = cfg.watch.settle_ms,
            rescan_ms = cfg.watch.rescan_interval_ms,
            "watching"
        );
        let summary_every = Duration::from_millis(cfg.watch.summary_interval_ms);
        let mut summary_tick = tokio::time::interval(if summary_every.is_zero() {
            Duration::from_secs(86_400 * 365)
        } else {
            summary_every
        });
        summary_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        summary_tick.tick().await;
        let min_backoff = Duration::from_millis(cfg.watch.rescan_interval_ms.clamp(100, 1000));
        let max_backoff = Duration::from_millis(cfg.watch.max_backoff_ms).max(min_backoff);
        let mut backoff = min_backoff;
        let mut store = Some(first);

        loop {
            // (Re)open the database: after a failure another process may hold it.
            let opened = match store.take() {
                Some(s) => Ok(s),
                None => self.ctx.open_writer(),
            }
            .and_then(|s| Ok((s, SqliteStore::open_reader(&self.ctx.db, self.ctx.busy_timeout())?)))
            .and_then(|(s, r)| Ok((s, r, Cleaner::from_config(&cfg.clean)?)));
            let (writer, ledger, cleaner) = match opened {
                Ok(t) => t,
                Err(e) => {
                    warn!(error = %format!("{e:#}"), retry_in_ms = backoff.as_millis() as u64, "cannot open the database; retrying");
                    if self.pause(backoff, &mut signals).await {
                        return Ok(ExitCode::SUCCESS);
                    }
                    backoff = (backoff * 2).min(max_backoff);
                    continue;
                }
            };

            let (commit_tx, mut commit_rx) = mpsc::channel::<Committed>(cfg.pipeline.channel_capacity);
            let pipeline =
                Pipeline::start(cfg, writer, cleaner, Options { on_commit: Some(commit_tx), progress: None });
            let (source, shared) = WatchSource::new(self.settings.clone(), ledger);
            let input = pipeline.input.clone();
            let mut source_task = tokio::task::spawn_blocking(move || source.run(input));
            let mut health = tokio::time::interval(Duration::from_millis(200));
            let incarnation = Instant::now();

            let stop = loop {
                tokio::select! {
                    Some(c) = commit_rx.recv() => self.on_commit(&shared, c),
                    name = signals.recv() => break Stop::Signal(name),
                    _ = summary_tick.tick() => self.log_summary(&shared, "watch summary (since start)"),
                    _ = health.tick() => {
                        if pipeline.is_finished() || source_task.is_finished() {
                            break Stop::Failed;
                        }
                    }
                }
            };
            shared.stop();

            match stop {
                Stop::Signal(name) => {
                    info!(signal = name, "stopping: intake closed, draining and committing files in flight");
                    let timeout = Duration::from_millis(cfg.watch.shutdown_timeout_ms);
                    let drain = async {
                        let _ = (&mut source_task).await;
                        pipeline.finish().await
                    };
                    tokio::pin!(drain);
                    let deadline = tokio::time::sleep(timeout);
                    tokio::pin!(deadline);
                    loop {
                        tokio::select! {
                            res = &mut drain => {
                                while let Ok(c) = commit_rx.try_recv() {
                                    self.on_commit(&shared, c);
                                }
                                return match res {
                                    Ok(_) => {
                                        self.log_summary(&shared, "stopped cleanly");
                                        Ok(ExitCode::SUCCESS)
                                    }
                                    Err(e) => Err(e.context("the last batch could not be committed; its files are processed on the next start")),
                                };
                            }
                            Some(c) = commit_rx.recv() => self.on_commit(&shared, c),
                            name = signals.recv() => {
                                warn!(signal = name, "second signal: exiting now; files not yet committed are processed on the next start");
                                std::process::exit(i32::from(EXIT_SECOND_SIGNAL));
                            }
                            _ = &mut deadline => {
                                warn!(
                                    timeout_ms = cfg.watch.shutdown_timeout_ms,
                                    in_flight = shared.in_flight(),
                                    "shutdown_timeout_ms ran out: exiting; files not yet committed are processed on the next start"
                                );
                                std::process::exit(i32::from(EXIT_TIMEOUT));
                            }
                        }
                    }
                }
                Stop::Failed => {
                    let drain = async {
                        let end = (&mut source_task).await;
                        (end, pipeline.finish().await)
                    };
                    tokio::pin!(drain);
                    let (end, result) = loop {
                        tokio::select! {
                            r = &mut drain => break r,
                            Some(c) = commit_rx.recv() => self.on_commit(&shared, c),
                        }
                    };
                    while let Ok(c) = commit_rx.try_recv() {
                        self.on_commit(&shared, c);
                    }
                    let reason = match (&end, result) {
                        (_, Err(e)) => format!("{e:#}"),
                        (Ok(End::PipelineGone), Ok(_)) => "the pipeline stopped accepting files".to_string(),
                        (Ok(End::Stopped), Ok(_)) => "the source stopped".to_string(),
                        (Err(e), Ok(_)) => format!("the directory source failed: {e}"),
                    };
                    if incarnation.elapsed() > max_backoff * 2 {
                        backoff = min_backoff;
                    }
                    self.settings.counters.restarts.fetch_add(1, Ordering::Relaxed);
                    error!(
                        error = %reason,
                        retry_in_ms = backoff.as_millis() as u64,
                        "pipeline stopped; restarting (the uncommitted batch was rolled back and will be found again)"
                    );
                    if self.pause(backoff, &mut signals).await {
                        return Ok(ExitCode::SUCCESS);
                    }
                    backoff = (backoff * 2).min(max_backoff);
                }
            }
        }
    }

    /// Sleeps, unless a signal comes first (then returns true: nothing is in
    /// flight, so the daemon can exit at once).
    async fn pause(&self, d: Duration, signals: &mut Signals) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => false,
            name = signals.recv() => {
                info!(signal = name, "stopping (nothing in flight)");
                true
            }
        }
    }

    /// After a commit: count, log, and move or delete the file if configured.
    fn on_commit(&self, shared: &Shared, c: Committed) {
        let key = shared.committed(&c.path);
        let counters = &self.settings.counters;
        counters.count(c.status);
        debug!(path = %c.path.display(), status = c.status.as_str(), "committed");
        let actions = &self.settings.actions;
        if actions.is_noop() {
            return;
        }
        // Not sent by this source (or forgotten): a rescan finishes it from the ledger.
        let Some(key) = key else { return };
        // Never move a file that changed after it was read: that is a new version.
        match std::fs::metadata(&c.path) {
            Ok(m) => {
                let now = crate::source::file_key(&c.path, &m);
                if now.size != key.size || now.mtime_ns != key.mtime_ns {
                    debug!(path = %c.path.display(), "changed since it was read; left for the next rescan");
                    return;
                }
            }
            Err(_) => return,
        }
        match actions.apply(&self.settings.root, &c.path, c.status) {
            Ok(Outcome::Left) => {}
            Ok(outcome) => {
                debug!(path = %c.path.display(), ?outcome, "post-commit action");
                counters.count_outcome(&outcome);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                counters.action_errors.fetch_add(1, Ordering::Relaxed);
                warn!(path = %c.path.display(), error = %e, "cannot move or delete a processed file; left in place");
            }
        }
    }

    fn log_summary(&self, shared: &Shared, message: &str) {
        let t = self.settings.counters.totals();
        let secs = self.started.elapsed().as_secs_f64();
        info!(
            files = t.files,
            stored = t.stored,
            duplicates = t.duplicates,
            near_duplicates = t.near_duplicates,
            rejected = t.rejected,
            moved = t.moved,
            deleted = t.deleted,
            action_errors = t.action_errors,
            restarts = t.restarts,
            in_flight = shared.in_flight(),
            settling = shared.settling(),
            uptime_s = secs as u64,
            files_per_s = if secs > 0.0 { (t.files as f64 / secs * 10.0).round() / 10.0 } else { 0.0 },
            "{message}"
        );
    }
}
