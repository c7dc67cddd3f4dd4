//! `news-ingest run [PATH ...]`: the batch job.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::cli::Context;
use crate::dedup::NearDupIndex;
use crate::pipeline::writer::check_dedup_params;
use crate::pipeline::Reader;
use crate::pipeline::{Options, Pipeline};
use crate::source::discover::{self, Filter};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files or directories (recursive). Default: `input.paths` of the config.
    pub paths: Vec<PathBuf>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Read only files whose name matches GLOB (repeatable; replaces `input.include`).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and directories whose name matches GLOB (repeatable; added to
    /// `input.exclude`), e.g. --exclude '*.info.txt'.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

/// How many rejected files the human summary names (then a count of the rest).
const REJECTED_SHOWN: usize = 20;

pub fn run(ctx: &Context, args: RunArgs) -> Result<ExitCode> {
    let roots = if args.paths.is_empty() { ctx.config.input.paths.clone() } else { args.paths };
    discover::check_roots(&roots)?;
    let mut input = ctx.config.input.clone();
    if !args.include.is_empty() {
        input.include = args.include.clone();
    }
    input.exclude.extend(args.exclude.iter().cloned());
    let filter = Filter::new(&input.include, &input.exclude)
        .map_err(|e| anyhow::anyhow!("{e:#} (from --include/--exclude or the config)"))?;
    let cleaner = Reader::from_config(&ctx.config)?;
    let mut store = ctx.open_writer()?;
    check_dedup_params(store.as_mut(), &NearDupIndex::new(&ctx.config.dedup))?;
    // Discovery asks the ledger through its own read connection (WAL lets it read
    // while the writer writes): files recorded with the same size and mtime are
    // skipped without being read.
    let ledger = ctx.open_reader()?;
    let first_new = ledger.max_source_id()?;

    let runtime = crate::pipeline::runtime(&ctx.config)?;
    let progress = if std::io::stderr().is_terminal() && !ctx.quiet {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(pb)
    } else {
        None
    };
    let reader = ctx.open_reader()?;
    let summary = runtime.block_on(async {
        let pipeline = Pipeline::start(&ctx.config, store, cleaner, Options { on_commit: None, progress });
        let input = pipeline.input.clone();
        let skipped = Arc::new(AtomicU64::new(0));
        let skipped_in = Arc::clone(&skipped);
        let lease = std::time::Duration::from_millis(ctx.config.database.claim_lease_ms);
        let discovery = tokio::task::spawn_blocking(move || {
            discover::walk(&roots, &filter, |c| {
                match ledger.seen_unchanged(&c.key) {
                    Ok(true) => {
                        skipped_in.fetch_add(1, Ordering::Relaxed);
                        true
                    }
                    // On a lookup error, process the file: the writer's check is exact.
                    // Workers sharing a database and a directory claim each file first:
                    // one reads it, the others skip it.
                    _ => match ledger.claim(&c.key, lease) {
                        Ok(false) => {
                            tracing::debug!(path = %c.path.display(), "claimed by another worker");
                            true
                        }
                        _ => input.blocking_send(c).is_ok(),
                    },
                }
            })
        });
        let unlisted = discovery.await.context("discovery failed")?;
        let mut summary = pipeline.finish().await?;
        summary.unchanged += skipped.load(Ordering::Relaxed);
        summary.unlisted = unlisted;
        anyhow::Ok(summary)
    });
    // Claims this run did not settle (a file that vanished, or a batch rolled back
    // by a database error) go now, so another worker or the next run takes those
    // files at once instead of after the lease.
    match reader.release_claims() {
        Ok(0) => {}
        Ok(n) => tracing::debug!(claims = n, "released this run's claims"),
        Err(e) => {
            tracing::debug!(error = %format!("{e:#}"), "cannot release claims; they end with their lease")
        }
    }
    let summary = summary?;

    let mut out = super::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&summary)?)?;
    } else if !ctx.quiet {
        write!(out, "{}", summary.report())?;
        // On a terminal the per-file warnings scrolled by under the progress bar (or
        // were filtered out): name the rejected files here.
        if summary.rejected > 0 {
            let (shown, total) = reader.rejected_since(first_new, REJECTED_SHOWN)?;
            writeln!(out, "rejected files:")?;
            for (path, reason) in &shown {
                writeln!(out, "  {}: {}", super::escape_controls(path), super::escape_controls(reason))?;
            }
            if total > shown.len() as u64 {
                writeln!(
                    out,
                    "  ... and {} more (news-ingest sources --status rejected)",
                    total - shown.len() as u64
                )?;
            }
        }
    }
    out.flush()?;
    if summary.unlisted > 0 {
        // Files under those entries were neither processed nor recorded (a later run
        // tries them again). The contract keeps a non-zero status for fatal errors
        // (bad config, unwritable database), so the run says so and exits 0; scripts
        // read `unlisted` in the `--json` summary.
        super::note(&format!(
            "warning: {} entries under the input paths could not be listed or examined (see the warnings above); the files under them were not processed (`unlisted` in the --json summary)",
            summary.unlisted
        ));
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
