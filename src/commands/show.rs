//! `news-ingest show ID [--json]`: one article and every file it was seen in.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;

use super::{escape_controls as esc, finish_output, output_width, truncate_middle};
use crate::cli::Context;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Article id (as printed by `search`, `dupes` and `export`).
    pub id: i64,
    /// Print one JSON object: the `clean --json` keys, `id`, `content_sha256`,
    /// `ingested_at` and `sources` (and `merged_from` when ID was merged into this
    /// article).
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: ShowArgs) -> Result<ExitCode> {
    let store = ctx.open_reader()?;
    // An id merged into another article (one story found in two) shows that one.
    let (found, merged_from) = match store.article(args.id)? {
        Some(a) => (Some(a), None),
        None => match store.merged_into(args.id)? {
            Some(into) => {
                eprintln!(
                    "article {} was merged into article {into} (the same story); showing {into}",
                    args.id
                );
                (store.article(into)?, Some(args.id))
            }
            None => (None, None),
        },
    };
    let Some(article) = found else {
        bail!("no article with id {} in {}", args.id, ctx.target());
    };
    let sources = store.sources_of(article.id)?;
    let revisions = store.revisions(article.id).unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = (|| -> Result<()> {
        if args.json {
            let mut v = serde_json::to_value(&article)?;
            v["sources"] = serde_json::json!(sources
                .iter()
                .map(|s| serde_json::json!({
                    "id": s.id,
                    "path": s.path,
                    "file_sha256": s.file_sha256,
                    "status": s.status,
                    "similarity": s.similarity,
                    "jaccard": s.jaccard,
                    "containment": s.containment,
                    "processed_at": s.processed_at,
                }))
                .collect::<Vec<_>>());
            v["revisions"] = serde_json::to_value(&revisions)?;
            if let Some(from) = merged_from {
                v["merged_from"] = serde_json::json!(from);
            }
            writeln!(out, "{v}")?;
        } else {
            let width = output_width();
            let none = "-";
            writeln!(out, "id:          {}", article.id)?;
            writeln!(out, "title:       {}", esc(article.title.as_deref().unwrap_or(none)))?;
            writeln!(out, "published:   {}", esc(article.published.as_deref().unwrap_or(none)))?;
            writeln!(out, "author:      {}", esc(article.author.as_deref().unwrap_or(none)))?;
            if let Some(url) = &article.url {
                writeln!(out, "url:         {}", esc(url))?;
            }
            if let Some(site) = &article.site_name {
                writeln!(out, "site:        {}", esc(site))?;
            }
            writeln!(out, "ingested at: {}", article.ingested_at)?;
            writeln!(out, "sha256:      {}", article.content_sha256)?;
            writeln!(out, "text from:   {}", esc(article.text_source.as_deref().unwrap_or(none)))?;
            for c in &article.captions {
                writeln!(out, "caption:     {}", esc(c))?;
            }
            writeln!(out)?;
            for p in &article.body {
                writeln!(out, "{}\n", esc(p))?;
            }
            for r in &revisions {
                writeln!(
                    out,
                    "earlier text: {} words, replaced {} ({}) by {}",
                    r.body.iter().map(|p| p.split_whitespace().count()).sum::<usize>(),
                    r.replaced_at,
                    r.reason,
                    esc(r.replaced_by.as_deref().unwrap_or(none))
                )?;
            }
            if !revisions.is_empty() {
                writeln!(out)?;
            }
            writeln!(out, "seen in {} file(s):", sources.len())?;
            for s in &sources {
                let sim = match (s.similarity, s.jaccard, s.containment) {
                    (Some(sim), Some(j), Some(c)) => format!("{sim:.3} (jaccard {j:.3}, containment {c:.3})"),
                    (Some(sim), _, _) => format!("{sim:.3}"),
                    _ => String::new(),
                };
                let head = format!("  {:<14} {:<24} ", s.status.as_str(), s.processed_at);
                let tail = if sim.is_empty() { String::new() } else { format!("  {sim}") };
                let room = width.saturating_sub(head.chars().count() + tail.chars().count()).max(10);
                writeln!(out, "{head}{}{tail}", truncate_middle(&s.path, room))?;
            }
        }
        out.flush()?;
        Ok(())
    })();
    finish_output(result)
}
