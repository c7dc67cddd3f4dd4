//! `news-ingest reindex`: rebuild the full-text search index from `articles`.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use crate::cli::Context;

#[derive(Debug, Args)]
pub struct ReindexArgs {}

pub fn run(ctx: &Context, _args: ReindexArgs) -> Result<ExitCode> {
    let started = Instant::now();
    // Opening as the writer migrates an old database (and builds the index once).
    let mut store = ctx.open_writer()?;
    let n = store.reindex(&mut |n| tracing::info!(articles = n, "indexing"))?;
    let mut out = super::stdout();
    writeln!(out, "reindexed {n} articles in {:.1} s", started.elapsed().as_secs_f64())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
