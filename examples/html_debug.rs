//! Prints the blocks the HTML extractor sees in one page, with their flags and the
//! chosen range: `cargo run --example html_debug -- PAGE.html[.gz] [TEXT]`. With TEXT,
//! also prints the ancestors (tag, class, id) of the first text node containing it:
//! which wrapper made a paragraph chrome.
use std::io::Read;

use scraper::node::Node;

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: html_debug PAGE [TEXT]"))?;
    let needle = std::env::args().nth(2);
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
    if let Some(n) = &needle {
        let hit =
            doc.tree.nodes().find(|node| matches!(node.value(), Node::Text(t) if t.contains(n.as_str())));
        match hit {
            None => println!("text {n:?} not found in any text node"),
            Some(node) => {
                println!("ancestors of {n:?}:");
                for a in node.ancestors() {
                    if let Node::Element(e) = a.value() {
                        let attrs: Vec<String> = e
                            .attrs()
                            .filter(|(k, _)| {
                                matches!(*k, "class" | "id" | "role" | "hidden" | "style" | "itemprop")
                            })
                            .map(|(k, v)| format!("{k}={v:?}"))
                            .collect();
                        println!("  <{}> {}", e.name(), attrs.join(" "));
                    }
                }
            }
        }
    }
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
