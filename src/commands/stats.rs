//! `news-ingest stats [--json]`: counts from the database.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::finish_output;
use crate::cli::Context;

/// Days shown in "articles per day".
const DAYS: u32 = 14;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: StatsArgs) -> Result<ExitCode> {
    let store = ctx.open_reader()?;
    let counts = store.counts()?;
    let reasons = store.rejection_reasons()?;
    let extra = store.store_stats(DAYS)?;
    let stored =
        counts.files - counts.exact_duplicates - counts.near_duplicates - counts.rejected - counts.updated;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = (|| -> Result<()> {
        if args.json {
            let mut v = serde_json::to_value(&counts)?;
            v["rejection_reasons"] = serde_json::json!(reasons
                .iter()
                .map(|(r, n)| serde_json::json!({"reason": r, "count": n}))
                .collect::<Vec<_>>());
            v["statuses"] = serde_json::json!({
                "stored": stored,
                "duplicate": counts.exact_duplicates,
                "near_duplicate": counts.near_duplicates,
                "rejected": counts.rejected,
                "updated": counts.updated,
            });
            v["articles_per_day_basis"] = serde_json::json!("ingested_at");
            v["articles_per_day"] = serde_json::json!(extra
                .articles_per_day
                .iter()
                .map(|(d, n)| serde_json::json!({"date": d, "articles": n}))
                .collect::<Vec<_>>());
            v["indexed_articles"] = serde_json::json!(extra.indexed_articles);
            v["db_bytes"] = serde_json::json!(extra.db_bytes);
            v["wal_bytes"] = serde_json::json!(extra.wal_bytes);
            v["size_bytes"] = serde_json::json!(extra.db_bytes + extra.wal_bytes);
            writeln!(out, "{v}")?;
        } else {
            writeln!(out, "database          {}", super::escape_controls(&ctx.target().to_string()))?;
            writeln!(
                out,
                "size              {} ({} bytes file + {} bytes WAL)",
                human_bytes(extra.db_bytes + extra.wal_bytes),
                extra.db_bytes,
                extra.wal_bytes
            )?;
            writeln!(out, "files             {:>9}", counts.files)?;
            writeln!(out, "  stored          {stored:>9}")?;
            writeln!(out, "  exact dups      {:>9}", counts.exact_duplicates)?;
            writeln!(out, "  near dups       {:>9}", counts.near_duplicates)?;
            writeln!(out, "  rejected        {:>9}", counts.rejected)?;
            writeln!(out, "  updated         {:>9}", counts.updated)?;
            writeln!(out, "articles          {:>9}", counts.articles)?;
            if extra.indexed_articles != counts.articles {
                writeln!(
                    out,
                    "  search index    {:>9}  (out of step: run `news-ingest reindex`)",
                    extra.indexed_articles
                )?;
            }
            writeln!(out, "last ingest       {}", counts.last_ingest.as_deref().unwrap_or("-"))?;
            if !reasons.is_empty() {
                writeln!(out, "rejection reasons")?;
                for (r, n) in &reasons {
                    writeln!(out, "  {n:>9}  {}", super::truncate(r, 80))?;
                }
            }
            writeln!(out, "articles per day (by ingest date, UTC; last {DAYS} days)")?;
            let max = extra.articles_per_day.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
            for (d, n) in &extra.articles_per_day {
                let bar = "#".repeat(((*n as f64 / max as f64) * 40.0).ceil() as usize);
                writeln!(out, "  {d}  {n:>9}  {bar}")?;
            }
        }
        out.flush()?;
        Ok(())
    })();
    finish_output(result)
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}
