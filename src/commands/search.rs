//! `news-ingest search QUERY [--json] [--limit N] [--since DATE] [--until DATE]`:
//! diacritic-insensitive full-text search, best match first.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{date_range, finish_output, output_width, parse_date, truncate};
use crate::cli::Context;
use crate::store::{ParsedQuery, SearchHit, Segment};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words (all must occur), "quoted phrases" and prefix* words; accents and case
    /// do not matter ("hoi dam" finds "Hội đàm").
    #[arg(required = true, num_args = 1.., value_name = "QUERY")]
    pub query: Vec<String>,
    /// Print a JSON array of {id, title, published, score, snippet}.
    #[arg(long)]
    pub json: bool,
    /// At most this many results.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Only articles of this day or later (YYYY-MM-DD; `published`, else the ingest date).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<String>,
    /// Only articles of this day or earlier (YYYY-MM-DD; `published`, else the ingest date).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<String>,
}

pub fn run(ctx: &Context, args: SearchArgs) -> Result<ExitCode> {
    let dates = date_range(args.since, args.until)?;
    let store = ctx.open_reader()?;
    let query = ParsedQuery::parse(&args.query.join(" "));
    let outcome = store.search(&query, &dates, args.limit as usize, &ctx.config.search)?;
    if let Some(n) = outcome.window_full {
        super::note(&format!(
            "note: {n} or more articles match; the newest {n} were ranked \
             (narrow the search with a \"quoted phrase\", --since or --until, or raise search.rank_window)"
        ));
    }
    let hits = outcome.hits;
    if args.json {
        let out: Vec<serde_json::Value> = hits.iter().map(hit_json).collect();
        return finish_output(print_line(&serde_json::to_string(&out)?));
    }
    if hits.is_empty() {
        if query.is_empty() {
            super::note("no matches: the query has no words to search for");
        } else {
            super::note("no matches");
        }
        return Ok(ExitCode::SUCCESS);
    }
    finish_output(print_human(&hits, ctx.color_stdout))
}

/// The JSON form of a hit; matches in `snippet` are wrapped in `[` and `]`, and
/// `highlights` gives each match as `[start, end)` in characters (Unicode scalar
/// values) of `snippet`, brackets excluded: a `[` of the text itself cannot be told
/// from a marker otherwise.
pub fn hit_json(h: &SearchHit) -> serde_json::Value {
    let (snippet, highlights) = render_plain(&h.snippet, "[", "]");
    serde_json::json!({
        "id": h.id,
        "title": h.title,
        "published": h.published,
        "score": h.score,
        "snippet": snippet,
        "highlights": highlights,
    })
}

/// The snippet with its matches between `open` and `close`, and the character
/// ranges of the matches in it.
fn render_plain(segs: &[Segment], open: &str, close: &str) -> (String, Vec<[usize; 2]>) {
    let mut s = String::new();
    let mut chars = 0;
    let mut ranges = Vec::new();
    for g in segs {
        let n = g.text.chars().count();
        if g.hit {
            s.push_str(open);
            chars += open.chars().count();
            ranges.push([chars, chars + n]);
            s.push_str(&g.text);
            chars += n;
            s.push_str(close);
            chars += close.chars().count();
        } else {
            s.push_str(&g.text);
            chars += n;
        }
    }
    (s, ranges)
}

/// A snippet cut to `width` visible characters; matches bold on a terminal, else
/// in brackets.
fn render_fitted(segs: &[Segment], width: usize, bold: bool) -> String {
    let (open, close) = if bold { ("\x1b[1m", "\x1b[0m") } else { ("[", "]") };
    let marker_width = if bold { 0 } else { 2 };
    let mut out = String::new();
    let mut left = width;
    for g in segs {
        let need = g.text.chars().count() + if g.hit { marker_width } else { 0 };
        if need <= left {
            if g.hit {
                out.push_str(open);
                out.push_str(&g.text);
                out.push_str(close);
            } else {
                out.push_str(&g.text);
            }
            left -= need;
        } else {
            let room = left.saturating_sub(1 + if g.hit { marker_width } else { 0 });
            let part: String = g.text.chars().take(room).collect();
            if g.hit && !part.is_empty() {
                out.push_str(open);
                out.push_str(&part);
                out.push_str(close);
            } else if !g.hit {
                out.push_str(&part);
            }
            out.push('…');
            break;
        }
    }
    out
}

fn print_human(hits: &[SearchHit], bold: bool) -> Result<()> {
    let width = output_width();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let id_width = hits.iter().map(|h| h.id.to_string().len()).max().unwrap_or(1);
    for (i, h) in hits.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let head =
            format!("{:>id_width$}  {:<10}  {:>6.2}  ", h.id, h.published.as_deref().unwrap_or("-"), h.score);
        let room = width.saturating_sub(head.chars().count()).max(10);
        writeln!(out, "{head}{}", truncate(h.title.as_deref().unwrap_or("(no title)"), room))?;
        let indent = " ".repeat(id_width + 2);
        let room = width.saturating_sub(indent.len()).max(10);
        let snippet: Vec<Segment> = h
            .snippet
            .iter()
            .map(|g| Segment { text: super::escape_controls(&g.text).into_owned(), hit: g.hit })
            .collect();
        writeln!(out, "{indent}{}", render_fitted(&snippet, room, bold))?;
    }
    out.flush()?;
    Ok(())
}

fn print_line(s: &str) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{s}")?;
    out.flush()?;
    Ok(())
}
