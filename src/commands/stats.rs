//! `news-ingest stats [--json]`: counts from the database.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::cli::Context;
use crate::store::SqliteStore;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: StatsArgs) -> Result<ExitCode> {
    let store = SqliteStore::open_reader(&ctx.db, ctx.busy_timeout())?;
    let counts = store.counts()?;
    let reasons = store.rejection_reasons()?;
    if args.json {
        let mut v = serde_json::to_value(&counts)?;
        v["rejection_reasons"] = serde_json::json!(reasons
            .iter()
            .map(|(r, n)| serde_json::json!({"reason": r, "count": n}))
            .collect::<Vec<_>>());
        println!("{v}");
    } else {
        println!("database          {}", ctx.db.display());
        println!("files             {}", counts.files);
        println!("  articles        {}", counts.articles);
        println!("  exact dups      {}", counts.exact_duplicates);
        println!("  near dups       {}", counts.near_duplicates);
        println!("  rejected        {}", counts.rejected);
        println!("last ingest       {}", counts.last_ingest.as_deref().unwrap_or("-"));
        if !reasons.is_empty() {
            println!("rejection reasons");
            for (r, n) in reasons {
                println!("  {n:>6}  {r}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
