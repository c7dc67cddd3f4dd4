//! `news-ingest clean FILE [--json]`: clean one file, print the result, touch no database.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use super::escape_controls as esc;
use crate::cli::Context;
use crate::decode;
use crate::pipeline::Reader;

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The file to clean.
    pub file: PathBuf,
    /// Print the result as one JSON object (the contract's `clean --json` shape).
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: CleanArgs) -> Result<ExitCode> {
    let meta =
        std::fs::metadata(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    if meta.len() > ctx.config.input.max_file_size {
        bail!(
            "{}: file too large: {} bytes, limit {} (input.max_file_size)",
            args.file.display(),
            meta.len(),
            ctx.config.input.max_file_size
        );
    }
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let reader = Reader::from_config(&ctx.config)?;
    let doc = match reader.document(&bytes) {
        Ok(doc) => doc,
        // A text without article text prints as an empty document (as before); any
        // other rejection (binary, HTML without article text, …) is an error.
        Err(r) if r == "no article text" => {
            let text = decode::decode(&bytes).map_err(|r| anyhow::anyhow!("{}: {r}", args.file.display()))?;
            reader.cleaner().clean(&text)
        }
        Err(r) => bail!("{}: {r}", args.file.display()),
    };
    let mut out = super::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&doc)?)?;
    } else {
        let none = "-";
        writeln!(out, "title:     {}", esc(doc.title.as_deref().unwrap_or(none)))?;
        writeln!(out, "published: {}", esc(doc.published.as_deref().unwrap_or(none)))?;
        writeln!(out, "author:    {}", esc(doc.author.as_deref().unwrap_or(none)))?;
        for (label, v) in
            [("url:      ", &doc.url), ("site:     ", &doc.site_name), ("lang:     ", &doc.lang)]
        {
            if let Some(v) = v {
                writeln!(out, "{label} {}", esc(v))?;
            }
        }
        for c in &doc.captions {
            writeln!(out, "caption:   {}", esc(c))?;
        }
        writeln!(out)?;
        for p in &doc.body {
            writeln!(out, "{}\n", esc(p))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
