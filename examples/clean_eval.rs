//! Evaluation of the cleaning stage.
//!
//! `cargo run --release --example clean_eval` prints, for each seed in
//! `tests/fixtures/seeds/`, the body's token F1 against `tests/fixtures/gold/` and
//! whether title, published, author and caption count match; then the mean
//! precision / recall / F1 over the hand-labelled vn-mds bodies in
//! `tests/fixtures/vnmds/`. Pass `-v` to print the per-file vn-mds figures,
//! `--show FILE` to print one cleaned file as JSON.

use std::path::Path;

use anyhow::{Context, Result};
use news_ingest::clean::{clean_default, eval::prf};
use serde::Deserialize;

#[derive(Deserialize)]
struct Gold {
    title: Option<String>,
    published: Option<String>,
    author: Option<String>,
    captions: Vec<String>,
    body: Vec<String>,
}

#[derive(Deserialize)]
struct Expected {
    body: Vec<String>,
}

fn main() -> Result<()> {
    // `--show FILE`: print the cleaned document as JSON (for inspecting one input).
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--show") {
        let file = args.get(i + 1).context("--show needs a file")?;
        let doc = clean_default(&std::fs::read_to_string(file).with_context(|| file.clone())?);
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    let verbose = std::env::args().any(|a| a == "-v");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seeds: Vec<_> = std::fs::read_dir(root.join("seeds"))
        .context("tests/fixtures/seeds")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    seeds.sort();
    println!("seeds (body token F1; metadata vs gold)");
    for s in &seeds {
        let stem = s.file_stem().and_then(|x| x.to_str()).unwrap_or_default().to_string();
        let gold: Gold =
            serde_json::from_str(&std::fs::read_to_string(root.join("gold").join(format!("{stem}.json")))?)?;
        let doc = clean_default(&std::fs::read_to_string(s)?);
        let (p, r, f) = prf(&doc.body, &gold.body);
        let meta = [
            ("title", doc.title == gold.title),
            ("published", doc.published == gold.published),
            ("author", doc.author == gold.author),
            ("captions", doc.captions.len() == gold.captions.len()),
        ];
        let bad: Vec<&str> = meta.iter().filter(|(_, ok)| !ok).map(|(n, _)| *n).collect();
        println!(
            "  {stem}  F1 {f:.4}  (P {p:.4} R {r:.4})  metadata {}",
            if bad.is_empty() { "ok".to_string() } else { format!("MISMATCH: {}", bad.join(", ")) }
        );
    }

    let dir = root.join("vnmds");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .context("tests/fixtures/vnmds")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    inputs.sort();
    let (mut sp, mut sr, mut sf) = (0.0, 0.0, 0.0);
    for i in &inputs {
        let stem = i.file_stem().and_then(|x| x.to_str()).unwrap_or_default().to_string();
        let exp: Expected =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{stem}.expected.json")))?)?;
        let doc = clean_default(&std::fs::read_to_string(i)?);
        let (p, r, f) = prf(&doc.body, &exp.body);
        if verbose {
            println!("  {stem}  P {p:.4} R {r:.4} F1 {f:.4}");
        }
        sp += p;
        sr += r;
        sf += f;
    }
    let n = inputs.len().max(1) as f64;
    println!(
        "vn-mds labelled ({} bodies): mean P {:.4}  R {:.4}  F1 {:.4}",
        inputs.len(),
        sp / n,
        sr / n,
        sf / n
    );
    Ok(())
}
