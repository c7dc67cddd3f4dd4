//! Decodes and cleans one adversarial input (`benches/common/adversarial.rs`), for
//! instruction counts under callgrind: `benches/linear.sh` runs it at N and 2N bytes
//! for every generator and checks the ratio.
//!
//! `cargo run --example clean_cost -- NAME BYTES` (or `--list`). Only [`measured`] is
//! counted (`--toggle-collect`), so building the rules does not dilute the ratio.

#[path = "../benches/common/adversarial.rs"]
mod adversarial;

use news_ingest::clean::Cleaner;
use news_ingest::config::Config;

/// Decoding and cleaning: what the script counts.
#[inline(never)]
fn measured(cleaner: &Cleaner, input: &[u8]) -> usize {
    match news_ingest::decode::decode(input) {
        Ok(text) => cleaner.clean(&text).body.len(),
        Err(_) => 0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let gens = adversarial::generators();
    if args.first().map(String::as_str) == Some("--list") {
        for (name, _) in &gens {
            println!("{name}");
        }
        return;
    }
    let (Some(name), Some(bytes)) = (args.first(), args.get(1).and_then(|b| b.parse::<usize>().ok())) else {
        eprintln!("usage: clean_cost NAME BYTES | --list");
        std::process::exit(2);
    };
    let Some((_, make)) = gens.iter().find(|(n, _)| n == name) else {
        eprintln!("no generator {name:?} (see --list)");
        std::process::exit(2);
    };
    let input = make(bytes);
    let cleaner = match Cleaner::from_config(&Config::embedded().clean) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("built-in rules: {e:#}");
            std::process::exit(1);
        }
    };
    let n = measured(&cleaner, &input);
    println!("{name}: {} bytes in, {n} paragraphs", input.len());
}
