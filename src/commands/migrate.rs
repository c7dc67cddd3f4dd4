//! `news-ingest migrate --from news.db --to postgresql://…`: moves an existing SQLite
//! database into an empty PostgreSQL database (articles, ledger, revisions, members,
//! fingerprints: the same ids), so workers on several hosts carry on from it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use crate::cli::Context;
use crate::store::Target;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The SQLite database to copy from (default: --db).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// The PostgreSQL database to copy into (it must exist and hold no articles yet).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Print what was copied as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: MigrateArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let from = args.from.map(|p| Target::parse(&p)).unwrap_or_else(|| ctx.target());
    let to = Target::parse(std::path::Path::new(&args.to));
    let moved = crate::store::migrate(&from, &to, &ctx.config.database, &ctx.config.dedup)?;
    let mut out = super::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&moved)?)?;
    } else if !ctx.quiet {
        writeln!(
            out,
            "copied {} articles, {} ledger rows, {} members, {} revisions ({} index entries) from {from} to {to} in {:.1} s",
            moved.articles,
            moved.sources,
            moved.members,
            moved.revisions,
            moved.index_entries,
            started.elapsed().as_secs_f64()
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
