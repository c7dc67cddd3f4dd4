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

use super::metrics::{Metrics, Server as MetricsServer};
use crate::cli::Context;
use crate::config::Config;
use crate::pipeline::Reader;
use crate::pipeline::{Committed, Options, Pipeline};
use crate::source::discover::Filter;
use crate::source::watch::{Actions, Counters, End, Expect, Outcome, Shared, WatchSettings, WatchSource};
use crate::store::WriteStore;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Directory to watch (recursive). Default: the first of `input.paths`.
    pub dir: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics and a health check at /health
    /// (e.g. 127.0.0.1:9464; default: `watch.metrics_addr`, empty = off).
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<String>,
}

/// Exit status after the drain ran out of time.
const EXIT_TIMEOUT: u8 = 1;
/// Exit status after a second signal.
const EXIT_SECOND_SIGNAL: u8 = 130;

pub fn run(ctx: &Context, args: WatchArgs) -> Result<ExitCode> {
    // Signal handlers first, before anything slow (opening and migrating the
    // database, loading the near-duplicate index): a SIGTERM that arrives while the
    // daemon starts is then queued and handled as a clean stop, not the default
    // disposition that kills the process with 143.
    let runtime = crate::pipeline::runtime(&ctx.config)?;
    let signals = {
        let _entered = runtime.enter();
        Signals {
            term: signal(SignalKind::terminate()).context("cannot install the SIGTERM handler")?,
            int: signal(SignalKind::interrupt()).context("cannot install the SIGINT handler")?,
        }
    };
    // SIGHUP reloads (`Daemon::prepare_reload`); installed now so it never kills the daemon.
    let hup = {
        let _entered = runtime.enter();
        signal(SignalKind::hangup()).context("cannot install the SIGHUP handler")?
    };
    // Blocked since `main` started: a signal that came meanwhile is delivered now.
    crate::cli::block_stop_signals(false);
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
    let settings = settings_for(&ctx.config, dir, Arc::new(Counters::default()))?;
    sweep_partial_copies(&settings.actions);
    Reader::from_config(&ctx.config)?; // a bad rules file is an error now, not at the first restart
                                       // Taking the single-writer lock first: a second daemon or `run` fails here, clearly.
    let mut store = ctx.open_writer()?;
    crate::pipeline::writer::check_dedup_params(
        store.as_mut(),
        &crate::dedup::NearDupIndex::new(&ctx.config.dedup),
    )?;
    let metrics_addr = args.metrics_addr.unwrap_or_else(|| ctx.config.watch.metrics_addr.clone());
    let metrics = Arc::new(Metrics::new());
    let _server = if metrics_addr.is_empty() {
        None
    } else {
        let server = MetricsServer::start(&metrics_addr, Arc::clone(&metrics))?;
        info!(addr = %server.addr, "metrics at http://{}/metrics, health at /health", server.addr);
        Some(server)
    };
    let now = Instant::now();
    let daemon = Daemon {
        ctx,
        metrics,
        config: ctx.config.clone(),
        settings,
        started: now,
        last_summary: std::sync::Mutex::new((now, 0)),
    };
    runtime.block_on(daemon.run(store, signals, hup))
}

/// The source's settings for a configuration (DIR and the counters are kept across
/// reloads).
fn settings_for(config: &Config, root: PathBuf, counters: Arc<Counters>) -> Result<WatchSettings> {
    let w = &config.watch;
    let actions = Actions::from_config(w);
    check_action_dirs(&root, &actions)?;
    let mut exclude = config.input.exclude.clone();
    exclude.extend(w.ignore.iter().cloned());
    let filter = Filter::new(&config.input.include, &exclude)?;
    Ok(WatchSettings {
        root,
        filter: Arc::new(filter),
        settle: Duration::from_millis(w.settle_ms),
        rescan: Duration::from_millis(w.rescan_interval_ms),
        max_backoff: Duration::from_millis(w.max_backoff_ms),
        actions,
        counters,
        claim_lease: Duration::from_millis(config.database.claim_lease_ms),
    })
}

/// Keys SIGHUP applies (by restarting the pipeline and the source with them): the
/// cleaning rules, what is read, and how files are batched and handled. The others
/// (database, dedup parameters, workers, logging, intervals of the daemon loop) need
/// a restart; a reload that changes them logs so and keeps their old values.
const RELOADABLE: &[&str] = &[
    "clean.",
    "html.",
    "input.include",
    "input.exclude",
    "input.max_file_size",
    "watch.ignore",
    "watch.settle_ms",
    "watch.rescan_interval_ms",
    "watch.done_dir",
    "watch.error_dir",
    "watch.delete_processed",
    "watch.shutdown_timeout_ms",
    "pipeline.batch_size",
    "pipeline.batch_interval_ms",
    "pipeline.channel_capacity",
    "pipeline.max_bytes_in_flight",
];

fn reloadable(key: &str) -> bool {
    RELOADABLE.iter().any(|r| if r.ends_with('.') { key.starts_with(r) } else { key == *r })
}

/// Every leaf of a TOML value as `dotted.key = value`.
fn flatten(prefix: &str, v: &toml::Value, out: &mut std::collections::BTreeMap<String, toml::Value>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// Sets a dotted key in a TOML table.
fn set_key(table: &mut toml::Value, key: &str, value: toml::Value) {
    let mut cur = table;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        let toml::Value::Table(t) = cur else { return };
        if parts.peek().is_none() {
            t.insert(part.to_string(), value);
            return;
        }
        cur = t.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
    }
}

/// A validated reload: the configuration to run with and what changed.
struct Reload {
    config: Config,
    settings: WatchSettings,
    applied: Vec<String>,
    ignored: Vec<String>,
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

/// Removes the temporary files of cross-device moves that a crash interrupted
/// (`.NAME.news-ingest-partial` in done_dir or error_dir; only this program makes them,
/// and only one daemon runs per database). At start-up only: the retry of that move
/// copies the file again, under a fresh temporary.
fn sweep_partial_copies(actions: &Actions) {
    for d in [&actions.done_dir, &actions.error_dir].into_iter().flatten() {
        let Ok(entries) = std::fs::read_dir(d) else { continue };
        for e in entries.flatten() {
            let name = e.file_name();
            let n = name.to_string_lossy();
            if n.starts_with('.') && n.ends_with(".news-ingest-partial") {
                match std::fs::remove_file(e.path()) {
                    Ok(()) => {
                        info!(file = %e.path().display(), "removed the partial copy of an interrupted move")
                    }
                    Err(err) => {
                        warn!(file = %e.path().display(), error = %err, "cannot remove a partial copy")
                    }
                }
            }
        }
    }
}

struct Daemon<'a> {
    ctx: &'a Context,
    /// Counters for the metrics endpoint (kept whether it is served or not).
    metrics: Arc<Metrics>,
    /// The configuration in force (the reloadable keys change on SIGHUP).
    config: Config,
    settings: WatchSettings,
    started: Instant,
    /// Files committed at the previous summary line, and when: the rate in the log is
    /// over the last interval (an average since start falls while nothing arrives).
    last_summary: std::sync::Mutex<(Instant, u64)>,
}

/// Why one run of the pipeline ended.
enum Stop {
    Signal(&'static str),
    Failed,
    Reload(Box<Reload>),
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
    async fn run(
        mut self,
        first: Box<dyn WriteStore>,
        mut signals: Signals,
        mut hup: Signal,
    ) -> Result<ExitCode> {
        let cfg = self.config.clone();
        info!(
            dir = %self.settings.root.display(),
            db = %self.ctx.target(),
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
            let cfg = self.config.clone();
            // (Re)open the database: after a failure another process may hold it.
            // Opening blocks (and a PostgreSQL client runs its own runtime, which must
            // not start on an async worker thread): off the async threads, and so is
            // dropping what was opened when a later step fails.
            let opened = tokio::task::block_in_place(|| {
                match store.take() {
                    Some(s) => Ok(s),
                    None => self.ctx.open_writer(),
                }
                .and_then(|s| Ok((s, self.ctx.open_reader()?)))
                .and_then(|(s, r)| Ok((s, r, Reader::from_config(&cfg)?)))
            });
            let (writer, ledger, cleaner) = match opened {
                Ok(t) => t,
                Err(e) => {
                    self.metrics.healthy.store(false, Ordering::Relaxed);
                    warn!(error = %format!("{e:#}"), retry_in_ms = backoff.as_millis() as u64, "cannot open the database; retrying");
                    if self.pause(backoff, &mut signals).await {
                        return Ok(ExitCode::SUCCESS);
                    }
                    backoff = (backoff * 2).min(max_backoff);
                    continue;
                }
            };

            let (commit_tx, mut commit_rx) = mpsc::channel::<Committed>(cfg.pipeline.channel_capacity);
            let pipeline = Pipeline::start(
                &cfg,
                writer,
                cleaner,
                Options { on_commit: Some(commit_tx), progress: None },
            );
            let (source, shared) = WatchSource::new(self.settings.clone(), ledger);
            let input = pipeline.input.clone();
            let mut source_task = tokio::task::spawn_blocking(move || source.run(input));
            let mut health = tokio::time::interval(Duration::from_millis(200));
            let incarnation = Instant::now();
            self.metrics.healthy.store(true, Ordering::Relaxed);

            let stop = loop {
                tokio::select! {
                    Some(c) = commit_rx.recv() => self.on_commit(&shared, c),
                    name = signals.recv() => break Stop::Signal(name),
                    _ = hup.recv() => match self.prepare_reload() {
                        Ok(r) => break Stop::Reload(Box::new(r)),
                        Err(e) => error!(
                            error = %format!("{e:#}"),
                            "SIGHUP: cannot reload the configuration; keeping the one in force"
                        ),
                    },
                    _ = summary_tick.tick() => self.log_summary(&shared, "watch summary (since start)"),
                    _ = health.tick() => {
                        self.metrics.queue_depth.set(i64::try_from(shared.in_flight()).unwrap_or(i64::MAX));
                        if let Some((took, n)) = shared.last_scan() {
                            self.metrics.rescan_seconds.set(took.as_secs_f64());
                            self.metrics.rescans.set(i64::try_from(n).unwrap_or(i64::MAX));
                        }
                        if pipeline.is_finished() || source_task.is_finished() {
                            break Stop::Failed;
                        }
                    }
                }
            };
            shared.stop();
            if matches!(stop, Stop::Failed) {
                self.metrics.healthy.store(false, Ordering::Relaxed);
                self.metrics.restarts.inc();
            }

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
                                self.release_claims();
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
                Stop::Reload(reload) => {
                    // Drain what is in flight with the old rules, then start again
                    // with the new ones (the rescan finds whatever was not sent).
                    let drain = async {
                        let _ = (&mut source_task).await;
                        pipeline.finish().await
                    };
                    tokio::pin!(drain);
                    let result = loop {
                        tokio::select! {
                            r = &mut drain => break r,
                            Some(c) = commit_rx.recv() => self.on_commit(&shared, c),
                        }
                    };
                    while let Ok(c) = commit_rx.try_recv() {
                        self.on_commit(&shared, c);
                    }
                    self.release_claims();
                    if let Err(e) = result {
                        warn!(error = %format!("{e:#}"), "the batch before the reload could not be committed; its files are found again");
                    }
                    let Reload { config, settings, applied, ignored } = *reload;
                    if !ignored.is_empty() {
                        warn!(keys = %ignored.join(", "), "SIGHUP: these keys changed but need a restart; their old values stay in force");
                    }
                    info!(
                        changed = %if applied.is_empty() { "nothing (cleaning rules re-read)".to_string() } else { applied.join(", ") },
                        "SIGHUP: configuration reloaded"
                    );
                    self.config = config;
                    self.settings = settings;
                    backoff = min_backoff;
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
                    // The rolled-back batch's files are no longer in flight: the next
                    // scan claims them again (here or on another worker).
                    self.release_claims();
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

    /// Reads the `--config` file again and checks it (TOML, keys, values, the rules
    /// file, the action directories); on success returns the configuration to run
    /// with: the old one with the changed reloadable keys of the new one.
    fn prepare_reload(&self) -> Result<Reload> {
        let new = Config::load(self.ctx.config_path.as_deref())?;
        let old_v = toml::Value::try_from(&self.config)?;
        let new_v = toml::Value::try_from(&new)?;
        let (mut old_keys, mut new_keys) = (Default::default(), Default::default());
        flatten("", &old_v, &mut old_keys);
        flatten("", &new_v, &mut new_keys);
        let mut merged = old_v.clone();
        let (mut applied, mut ignored) = (Vec::new(), Vec::new());
        for (key, value) in &new_keys {
            if old_keys.get(key) == Some(value) {
                continue;
            }
            if reloadable(key) {
                applied.push(key.clone());
                set_key(&mut merged, key, value.clone());
            } else {
                ignored.push(key.clone());
            }
        }
        let config: Config = merged.try_into().context("the reloaded configuration is invalid")?;
        Reader::from_config(&config)?;
        let settings =
            settings_for(&config, self.settings.root.clone(), Arc::clone(&self.settings.counters))?;
        Ok(Reload { config, settings, applied, ignored })
    }

    /// Gives up this process's claims on files of a shared store once its pipeline
    /// has drained: nothing is in flight, and another worker should not wait out
    /// the lease for a file this one will not read (a batch rolled back, a stop).
    /// Best effort: a claim left behind only delays its file until the lease ends.
    fn release_claims(&self) {
        let released = tokio::task::block_in_place(|| self.ctx.open_reader()?.release_claims());
        match released {
            Ok(0) => {}
            Ok(n) => debug!(claims = n, "released this worker's claims"),
            Err(e) => debug!(error = %format!("{e:#}"), "cannot release claims; they end with their lease"),
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
        // The size as read travels with the commit: the in-flight entry may already be
        // gone (a rescan that saw the file in the ledger first removes it).
        self.metrics.committed(c.status, Some(c.size), c.commit_seconds);
        let counters = &self.settings.counters;
        counters.count(c.status);
        debug!(path = %c.path.display(), status = c.status.as_str(), "committed");
        let actions = &self.settings.actions;
        if actions.is_noop() {
            return;
        }
        // Not sent by this source (or forgotten): a rescan finishes it from the ledger.
        if key.is_none() {
            return;
        }
        // Only the file that was read, unchanged (same device, inode, size, mtime):
        // a new version or a replaced file is left for the next rescan.
        let expect = Expect { file_id: c.file_id, size: c.size, mtime_ns: c.mtime_ns };
        match actions.apply(&self.settings.root, &c.path, c.status, expect) {
            Ok(Outcome::Left) => {}
            Ok(Outcome::Changed) => {
                debug!(path = %c.path.display(), "changed since it was read; left for the next rescan");
            }
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
        let recent = {
            let mut last = self.last_summary.lock().unwrap_or_else(|e| e.into_inner());
            let (at, files) = *last;
            *last = (Instant::now(), t.files);
            let dt = at.elapsed().as_secs_f64();
            if dt > 0.0 {
                (t.files.saturating_sub(files) as f64 / dt * 10.0).round() / 10.0
            } else {
                0.0
            }
        };
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
            files_per_s = recent,
            files_per_s_since_start =
                if secs > 0.0 { (t.files as f64 / secs * 10.0).round() / 10.0 } else { 0.0 },
            "{message}"
        );
    }
}
