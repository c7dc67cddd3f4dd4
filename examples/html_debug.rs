//! Prints the blocks the HTML extractor sees in one page, with their flags and the
//! chosen range: `cargo run --example html_debug -- PAGE.html[.gz]`.
use std::io::Read;

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: html_debug PAGE"))?;
    let raw = std::fs::read(&path)?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut v = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut v)?;
        v
    } else {
        raw
    };
    let (d, _) = news_ingest::decode::decode_page(&bytes).map_err(|r| anyhow::anyhow!("{r}"))?;
    let rules = news_ingest::html::HtmlRules::builtin()?;
    let doc = scraper::Html::parse_document(&d.text);
    let (blocks, best, _) = news_ingest::html::extract::walk(&doc, &rules, None);
    println!("best: {best:?}");
    for (i, b) in blocks.iter().enumerate() {
        let inb = best.is_some_and(|(_, a, e)| (a..e).contains(&i));
        let t: String = b.text.chars().take(90).collect();
        println!(
            "{i:4} {}{}{}{}{}{} w{:<4} l{:<4} h{} {t}",
            if inb { "*" } else { " " },
            if b.skip { "S" } else { "." },
            if b.caption { "C" } else { "." },
            if b.lead { "L" } else { "." },
            if b.byline { "B" } else { "." },
            if b.date { "D" } else { "." },
            b.words,
            b.link,
            b.heading
        );
    }
    Ok(())
}
