//! `news-ingest run [PATH ...]`: the batch job.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::Args;

use crate::clean::Cleaner;
use crate::cli::Context;
use crate::dedup::NearDupIndex;
use crate::pipeline::writer::check_dedup_params;
use crate::pipeline::{Options, Pipeline};
use crate::source::discover::{self, Filter};
use crate::store::SqliteStore;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files or directories (recursive). Default: `input.paths` of the config.
    pub paths: Vec<PathBuf>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: RunArgs) -> Result<ExitCode> {
    let roots = if args.paths.is_empty() { ctx.config.input.paths.clone() } else { args.paths };
    discover::check_roots(&roots)?;
    let filter = Filter::from_config(&ctx.config.input)?;
    let cleaner = Cleaner::from_config(&ctx.config.clean)?;
    let mut store = ctx.open_writer()?;
    check_dedup_params(&mut store, &NearDupIndex::new(&ctx.config.dedup))?;
    // Discovery asks the ledger through its own read connection (WAL lets it read
    // while the writer writes): files recorded with the same size and mtime are
    // skipped without being read.
    let ledger = SqliteStore::open_reader(&ctx.db, ctx.busy_timeout())?;

    let runtime = crate::pipeline::runtime(&ctx.config)?;
    let progress = if std::io::stderr().is_terminal() {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(pb)
    } else {
        None
    };
    let summary = runtime.block_on(async {
        let pipeline = Pipeline::start(&ctx.config, store, cleaner, Options { on_commit: None, progress });
        let input = pipeline.input.clone();
        let skipped = Arc::new(AtomicU64::new(0));
        let skipped_in = Arc::clone(&skipped);
        let discovery = tokio::task::spawn_blocking(move || {
            discover::walk(&roots, &filter, |c| {
                match ledger.seen_unchanged(&c.key) {
                    Ok(true) => {
                        skipped_in.fetch_add(1, Ordering::Relaxed);
                        true
                    }
                    // On a lookup error, process the file: the writer's check is exact.
                    _ => input.blocking_send(c).is_ok(),
                }
            })
        });
        discovery.await.context("discovery failed")?;
        let mut summary = pipeline.finish().await?;
        summary.unchanged += skipped.load(Ordering::Relaxed);
        anyhow::Ok(summary)
    })?;

    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print!("{}", summary.report());
    }
    Ok(ExitCode::SUCCESS)
}
