//! `news-ingest export [--format jsonl] [--since DATE] [--until DATE]`: every article
//! as one JSON object per line, streamed (one article in memory at a time).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{date_range, finish_output, parse_date};
use crate::cli::Context;
use crate::store::SqliteStore;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format: jsonl (one JSON object per line).
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl"])]
    pub format: String,
    /// Only articles of this day or later (YYYY-MM-DD; `published`, else the ingest date).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<String>,
    /// Only articles of this day or earlier (YYYY-MM-DD; `published`, else the ingest date).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<String>,
}

#[derive(serde::Serialize)]
struct Line<'a> {
    id: i64,
    title: &'a Option<String>,
    published: &'a Option<String>,
    author: &'a Option<String>,
    captions: &'a [String],
    body: &'a [String],
    content_sha256: &'a str,
    ingested_at: &'a str,
    /// The file the text comes from (the fullest copy or latest version seen).
    text_source: &'a Option<String>,
    sources: &'a [crate::store::SourceBrief],
}

pub fn run(ctx: &Context, args: ExportArgs) -> Result<ExitCode> {
    let dates = date_range(args.since, args.until)?;
    let store = SqliteStore::open_reader(&ctx.db, ctx.busy_timeout())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = store
        .for_each_article(&dates, |a, sources| {
            let line = Line {
                id: a.id,
                title: &a.title,
                published: &a.published,
                author: &a.author,
                captions: &a.captions,
                body: &a.body,
                content_sha256: &a.content_sha256,
                ingested_at: &a.ingested_at,
                text_source: &a.text_source,
                sources,
            };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
            Ok(())
        })
        .and_then(|()| Ok(out.flush()?));
    finish_output(result)
}
