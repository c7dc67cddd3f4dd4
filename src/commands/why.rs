//! `news-ingest why A B`: why two texts were, or were not, merged.
//!
//! A and B are article ids from the database or paths of files (cleaned on the fly,
//! exactly as the pipeline would). Prints Jaccard, containment both ways, shared
//! shingles, the decision under the current thresholds and the longest shared passage.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Context as _, Result};
use clap::Args;
use serde::Serialize;

use crate::cli::Context;
use crate::dedup::{Explanation, NearDupIndex};
use crate::pipeline::Reader;
use crate::store::ReadStore;

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// An article id or a file path.
    pub a: String,
    /// An article id or a file path.
    pub b: String,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Output<'a> {
    a: &'a str,
    b: &'a str,
    #[serde(flatten)]
    explanation: Explanation,
    exact_duplicate: bool,
    thresholds: Thresholds,
}

#[derive(Serialize)]
struct Thresholds {
    jaccard: f64,
    containment: f64,
    numeric_containment: f64,
    min_shingles: usize,
}

pub fn run(ctx: &Context, args: WhyArgs) -> Result<ExitCode> {
    let mut store = None;
    let a = body_of(ctx, &args.a, &mut store)?;
    let b = body_of(ctx, &args.b, &mut store)?;
    let cfg = &ctx.config.dedup;
    let near = NearDupIndex::new(cfg);
    let explanation = near.explain(&a, &b);
    let exact_duplicate = crate::dedup::content_sha256(&a) == crate::dedup::content_sha256(&b);
    let out = Output {
        a: &args.a,
        b: &args.b,
        explanation,
        exact_duplicate,
        thresholds: Thresholds {
            jaccard: cfg.jaccard,
            containment: cfg.containment,
            numeric_containment: cfg.numeric_containment,
            min_shingles: cfg.min_shingles,
        },
    };
    let mut w = super::stdout();
    if args.json {
        writeln!(w, "{}", serde_json::to_string(&out)?)?;
        w.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let s = &out.explanation.similarity;
    let verdict = if exact_duplicate {
        "exact duplicates (same normalised body)"
    } else if out.explanation.near_duplicate {
        "near duplicates: they would be merged"
    } else {
        "different: they would be kept apart"
    };
    writeln!(w, "A: {}  ({} shingles)", super::escape_controls(&args.a), s.len_a)?;
    writeln!(w, "B: {}  ({} shingles)", super::escape_controls(&args.b), s.len_b)?;
    writeln!(w, "shared shingles        {}", s.shared)?;
    writeln!(w, "jaccard                {:.3}   (merge at >= {})", s.jaccard, cfg.jaccard)?;
    writeln!(w, "containment (shorter)  {:.3}   (merge at >= {})", s.containment, cfg.containment)?;
    writeln!(w, "  A in B               {:.3}", s.containment_a_in_b)?;
    writeln!(w, "  B in A               {:.3}", s.containment_b_in_a)?;
    writeln!(
        w,
        "numbers shared         {:.3}   ({} of {}/{} numeric shingles; must be >= {} when both have {}+)",
        s.numeric_containment,
        s.numeric_shared,
        s.numeric_len_a,
        s.numeric_len_b,
        cfg.numeric_containment,
        cfg.min_numeric_shingles
    )?;
    writeln!(w, "verdict                {verdict}")?;
    if s.len_a.min(s.len_b) < cfg.min_shingles {
        writeln!(
            w,
            "                       (a text under {} shingles only merges as an exact copy)",
            cfg.min_shingles
        )?;
    }
    let passage = &out.explanation.longest_shared_passage;
    if passage.is_empty() {
        writeln!(w, "longest shared passage (none)")?;
    } else {
        writeln!(w, "longest shared passage ({} words)\n  {passage}", passage.split_whitespace().count())?;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The cleaned body of an article id or a file.
fn body_of(ctx: &Context, spec: &str, store: &mut Option<Box<dyn ReadStore>>) -> Result<Vec<String>> {
    let path = Path::new(spec);
    if let (Ok(id), false) = (spec.parse::<i64>(), path.exists()) {
        if store.is_none() {
            *store = Some(ctx.open_reader()?);
        }
        let s = store.as_ref().ok_or_else(|| anyhow!("no database"))?;
        return s
            .article_paragraphs(id)?
            .ok_or_else(|| anyhow!("no article with id {id} in {}", s.location()));
    }
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {spec} (not an article id or a readable file)"))?;
    let doc = Reader::from_config(&ctx.config)?.document(&bytes).map_err(|r| anyhow!("{spec}: {r}"))?;
    Ok(doc.body)
}
