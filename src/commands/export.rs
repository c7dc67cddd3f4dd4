//! `news-ingest export [--format jsonl|csv] [--since DATE] [--until DATE]`: every
//! article as one JSON object per line, or one CSV record (RFC 4180, with a header
//! row), streamed (one article in memory at a time).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{date_range, finish_output, parse_date};
use crate::cli::Context;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format: jsonl (one JSON object per line) or csv (a header row, then one
    /// record per article; `body` paragraphs joined by a blank line, `captions` and
    /// `sources` as JSON text).
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv"])]
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
    url: &'a Option<String>,
    site_name: &'a Option<String>,
    lang: &'a Option<String>,
    /// The file the text comes from (the fullest copy or latest version seen).
    text_source: &'a Option<String>,
    sources: &'a [crate::store::SourceBrief],
}

pub fn run(ctx: &Context, args: ExportArgs) -> Result<ExitCode> {
    let dates = date_range(args.since, args.until)?;
    let store = ctx.open_reader()?;
    let stdout = std::io::stdout();
    if args.format == "csv" {
        return finish_output(export_csv(store.as_ref(), &dates, stdout.lock()));
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = store
        .for_each_article(&dates, &mut |a, sources| {
            let line = Line {
                id: a.id,
                title: &a.title,
                published: &a.published,
                author: &a.author,
                captions: &a.captions,
                body: &a.body,
                content_sha256: &a.content_sha256,
                ingested_at: &a.ingested_at,
                url: &a.url,
                site_name: &a.site_name,
                lang: &a.lang,
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

const CSV_HEADER: [&str; 9] =
    ["id", "title", "published", "author", "body", "captions", "content_sha256", "ingested_at", "sources"];

fn export_csv(
    store: &dyn crate::store::ReadStore,
    dates: &crate::store::DateRange,
    out: impl Write,
) -> Result<()> {
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 16, out));
    w.write_record(CSV_HEADER)?;
    store.for_each_article(dates, &mut |a, sources| {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
            a.id.to_string(),
            opt(&a.title),
            opt(&a.published),
            opt(&a.author),
            a.body.join("\n\n"),
            serde_json::to_string(&a.captions)?,
            a.content_sha256.clone(),
            a.ingested_at.clone(),
            serde_json::to_string(sources)?,
        ])?;
        Ok(())
    })?;
    w.flush()?;
    Ok(())
}
