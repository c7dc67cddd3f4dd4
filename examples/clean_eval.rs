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

    // `--dir DIR`: another directory of labelled bodies; `--only A,B`: those doc ids only
    // (a hold-out); `--meta CORPUS`: also put each body's title and date from
    // CORPUS/vn-mds/*/<id>.info.txt in front of it, as a page would, and count whether
    // the cleaner gives them back.
    let arg_after = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let dir = arg_after("--dir").map_or_else(|| root.join("vnmds"), std::path::PathBuf::from);
    let only: Option<Vec<String>> = arg_after("--only").map(|s| s.split(',').map(str::to_string).collect());
    let infos = match arg_after("--meta") {
        Some(c) => Some(info_files(&Path::new(&c).join("vn-mds"))?),
        None => None,
    };
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| dir.display().to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .filter(|p| {
            let stem = p.file_stem().and_then(|x| x.to_str()).unwrap_or_default();
            only.as_ref().map_or(true, |o| o.iter().any(|s| s == stem))
        })
        .collect();
    inputs.sort();
    let (mut sp, mut sr, mut sf) = (0.0, 0.0, 0.0);
    let (mut min_f, mut below) = (1.0f64, 0usize);
    let (mut titles, mut dates, mut with_meta) = (0usize, 0usize, 0usize);
    for i in &inputs {
        let stem = i.file_stem().and_then(|x| x.to_str()).unwrap_or_default().to_string();
        let exp: Expected =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{stem}.expected.json")))?)?;
        let text = std::fs::read_to_string(i)?;
        let doc = clean_default(&text);
        let (p, r, f) = prf(&doc.body, &exp.body);
        if verbose {
            println!("  {stem}  P {p:.4} R {r:.4} F1 {f:.4}");
        }
        sp += p;
        sr += r;
        sf += f;
        min_f = min_f.min(f);
        if f < 0.95 {
            below += 1;
        }
        if let Some(info) = infos.as_ref().and_then(|m| m.get(&stem)) {
            let (title, day, ymd) = read_info(info)?;
            let page = clean_default(&format!("{title}\n\n{day}\n\n{text}"));
            with_meta += 1;
            let t_ok = page.title.as_deref() == Some(title.as_str());
            let d_ok = page.published.as_deref() == Some(ymd.as_str());
            titles += usize::from(t_ok);
            dates += usize::from(d_ok);
            if verbose && !(t_ok && d_ok) {
                println!(
                    "    title {:?} (want {title:?}), published {:?} (want {ymd})",
                    page.title, page.published
                );
            }
        }
    }
    let n = inputs.len().max(1) as f64;
    println!(
        "vn-mds labelled ({} bodies): mean P {:.4}  R {:.4}  F1 {:.4}  min F1 {:.4}  below 0.95: {}",
        inputs.len(),
        sp / n,
        sr / n,
        sf / n,
        min_f,
        below
    );
    if infos.is_some() {
        println!(
            "with title and date in front ({with_meta} bodies): title right {titles}, date right {dates}"
        );
    }
    Ok(())
}

/// `<id>` -> path of its `.info.txt`, over the corpus's cluster directories.
fn info_files(root: &Path) -> Result<std::collections::HashMap<String, std::path::PathBuf>> {
    let mut out = std::collections::HashMap::new();
    for c in std::fs::read_dir(root).with_context(|| root.display().to_string())? {
        let c = c?.path();
        if !c.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&c)? {
            let f = f?.path();
            let name = f.file_name().and_then(|x| x.to_str()).unwrap_or_default().to_string();
            if let Some(stem) = name.strip_suffix(".info.txt") {
                out.insert(stem.to_string(), f);
            }
        }
    }
    Ok(out)
}

/// TITLE (word segmentation undone: "_" to spaces, no space before punctuation), the
/// TIME's day as a page prints it ("23/10/2013") and as the cleaner stores it.
fn read_info(path: &Path) -> Result<(String, String, String)> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let field = |k: &str| text.lines().find_map(|l| l.strip_prefix(k)).map(str::trim).unwrap_or_default();
    let mut title = field("TITLE:").replace('_', " ");
    for p in [",", ".", ":", ";", "!", "?", ")", "%"] {
        title = title.replace(&format!(" {p}"), p);
    }
    let title = title.replace("( ", "(").split_whitespace().collect::<Vec<_>>().join(" ");
    let day = field("TIME:").split_whitespace().next().unwrap_or_default().to_string();
    let parts: Vec<&str> = day.split('/').collect();
    let ymd = match parts.as_slice() {
        [d, m, y] => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => String::new(),
    };
    Ok((title, day, ymd))
}
