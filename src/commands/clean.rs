//! `news-ingest clean FILE... [--json]`: clean files (or standard input, `-`), print
//! the results, touch no database. With several inputs, `--json` prints one JSON
//! object per line, each with its `path`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use super::escape_controls as esc;
use crate::cli::Context;
use crate::decode;
use crate::pipeline::Reader;
use crate::Document;

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The files to clean; `-` reads standard input.
    #[arg(required = true, num_args = 1.., value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print each result as one JSON object (the contract's `clean --json` shape plus
    /// `path`), one per line.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: CleanArgs) -> Result<ExitCode> {
    let reader = Reader::from_config(&ctx.config)?;
    let limit = ctx.config.input.max_file_size;
    let many = args.files.len() > 1;
    let mut out = super::stdout();
    let mut failed = 0usize;
    for file in &args.files {
        let name = if file == Path::new("-") { "-".to_string() } else { file.display().to_string() };
        let doc = read(file, limit).and_then(|bytes| match reader.document(&bytes) {
            Ok(doc) => Ok(doc),
            // A text without article text prints as an empty document (as before); any
            // other rejection (binary, HTML without article text, …) is an error.
            Err(r) if r == "no article text" => {
                let text = decode::decode(&bytes).map_err(|r| anyhow::anyhow!("{name}: {r}"))?;
                Ok(reader.cleaner().clean(&text))
            }
            Err(r) => Err(anyhow::anyhow!("{name}: {r}")),
        });
        let doc = match doc {
            Ok(doc) => doc,
            // One input: the error is the command's. Several: say so, go on, exit 1.
            Err(e) if !many => return Err(e),
            Err(e) => {
                out.flush()?;
                super::note(&format!("error: {}", esc(&format!("{e:#}"))));
                failed += 1;
                continue;
            }
        };
        let written = if args.json {
            print_json(&mut out, &name, &doc)
        } else {
            print_human(&mut out, &name, &doc, many)
        };
        super::finish_output(written.and_then(|()| Ok(out.flush()?)))?;
    }
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The bytes of a file or of standard input, refusing more than `limit`.
fn read(file: &Path, limit: u64) -> Result<Vec<u8>> {
    let too_large = |name: &str, n: u64| {
        anyhow::anyhow!("{name}: file too large: {n} bytes, limit {limit} (input.max_file_size)")
    };
    if file == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        if bytes.len() as u64 > limit {
            return Err(too_large("-", bytes.len() as u64));
        }
        return Ok(bytes);
    }
    let meta = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.is_dir() {
        bail!("{} is a directory: `clean` takes files (use `run` for directories)", file.display());
    }
    if meta.len() > limit {
        return Err(too_large(&file.display().to_string(), meta.len()));
    }
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}

fn print_json(out: &mut impl Write, path: &str, doc: &Document) -> Result<()> {
    let mut v = serde_json::to_value(doc)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("path".into(), path.into());
    }
    writeln!(out, "{v}")?;
    Ok(())
}

fn print_human(out: &mut impl Write, path: &str, doc: &Document, header: bool) -> Result<()> {
    if header {
        writeln!(out, "==> {} <==", esc(path))?;
    }
    let none = "-";
    writeln!(out, "title:     {}", esc(doc.title.as_deref().unwrap_or(none)))?;
    writeln!(out, "published: {}", esc(doc.published.as_deref().unwrap_or(none)))?;
    writeln!(out, "author:    {}", esc(doc.author.as_deref().unwrap_or(none)))?;
    for (label, v) in [("url:      ", &doc.url), ("site:     ", &doc.site_name), ("lang:     ", &doc.lang)] {
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
    Ok(())
}
