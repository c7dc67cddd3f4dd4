//! `news-ingest sources [--status S] [--json]`: every input file the ledger has, with
//! its fate, in the order recorded.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{finish_output, output_width, truncate_middle};
use crate::cli::Context;
use crate::store::Status;

#[derive(Debug, Args)]
pub struct SourcesArgs {
    /// Only files with this fate.
    #[arg(long, value_name = "STATUS", value_parser = ["stored", "duplicate", "near_duplicate", "rejected"])]
    pub status: Option<String>,
    /// One JSON object per line: id, path, status, article_id, similarity, error, processed_at.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: SourcesArgs) -> Result<ExitCode> {
    let store = ctx.open_reader()?;
    let status = args.status.as_deref().and_then(Status::parse);
    let width = output_width();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = store
        .for_each_source(status, &mut |s| {
            if args.json {
                let line = serde_json::json!({
                    "id": s.id, "path": s.path, "status": s.status, "article_id": s.article_id,
                    "similarity": s.similarity, "error": s.error, "processed_at": s.processed_at,
                });
                writeln!(out, "{line}")?;
            } else {
                let fate = match (s.article_id, &s.error) {
                    (Some(a), _) => format!("article {a}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => String::new(),
                };
                let head = format!("{:<14} ", s.status.as_str());
                let room = width.saturating_sub(head.len() + 2).max(20);
                let path_room = (room * 3 / 5).max(10);
                let path = truncate_middle(&s.path, path_room);
                let rest = room.saturating_sub(path.chars().count());
                writeln!(out, "{head}{path}  {}", super::truncate(&fate, rest.max(10)))?;
            }
            Ok(())
        })
        .and_then(|()| Ok(out.flush()?));
    finish_output(result)
}
