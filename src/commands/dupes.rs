//! `news-ingest dupes [--json] [--min-size N]`: duplicate clusters, largest first.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{finish_output, output_width, truncate, truncate_middle};
use crate::cli::Context;

#[derive(Debug, Args)]
pub struct DupesArgs {
    /// Print a JSON array of clusters: {id, title, published, size, sources: [{path,
    /// status, similarity, jaccard, containment, processed_at}]}, the original first.
    #[arg(long)]
    pub json: bool,
    /// Only clusters of at least this many files (the original counts: 2 = one copy).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_size: u64,
}

pub fn run(ctx: &Context, args: DupesArgs) -> Result<ExitCode> {
    let store = ctx.open_reader()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let width = output_width();
    let mut n = 0u64;
    let result = (|| -> Result<()> {
        if args.json {
            write!(out, "[")?;
        }
        store.for_each_cluster(args.min_size, &mut |head, sources| {
            if args.json {
                let v = serde_json::json!({
                    "id": head.id,
                    "title": head.title,
                    "url": head.url,
                    "published": head.published,
                    "size": head.size,
                    "sources": sources.iter().map(|s| serde_json::json!({
                        "path": s.path,
                        "status": s.status,
                        "similarity": s.similarity,
                        "jaccard": s.jaccard,
                        "containment": s.containment,
                        "processed_at": s.processed_at,
                    })).collect::<Vec<_>>(),
                });
                write!(out, "{}{v}", if n > 0 { "," } else { "" })?;
            } else {
                if n > 0 {
                    writeln!(out)?;
                }
                let head_line = format!("#{} ({} files) ", head.id, head.size);
                let room = width.saturating_sub(head_line.chars().count()).max(10);
                writeln!(
                    out,
                    "{head_line}{}",
                    truncate(head.title.as_deref().unwrap_or("(no title)"), room)
                )?;
                if let Some(url) = &head.url {
                    writeln!(out, "  {}", truncate(url, width.saturating_sub(2).max(10)))?;
                }
                for s in sources {
                    let sim = s.similarity.map(|x| format!("  {x:.3}")).unwrap_or_default();
                    let head = format!("  {:<14} ", s.status.as_str());
                    let room = width.saturating_sub(head.chars().count() + sim.chars().count()).max(10);
                    writeln!(out, "{head}{}{sim}", truncate_middle(&s.path, room))?;
                }
            }
            n += 1;
            Ok(())
        })?;
        if args.json {
            writeln!(out, "]")?;
        }
        out.flush()?;
        Ok(())
    })();
    if !args.json && n == 0 && result.is_ok() {
        super::note(&format!("no duplicate clusters of {} or more files", args.min_size));
    }
    finish_output(result)
}
