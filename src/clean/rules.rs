//! Cleaning rules: the data half of the cleaner.
//!
//! Site furniture, list headings, credit patterns, lead prefixes and end marks live in
//! `config/rules.toml` (compiled in) so that a user can teach the cleaner a new site by
//! writing a small TOML file of the same shape: its lists are appended to the built-in
//! ones. This module parses both files and compiles them into matchers once; the
//! cleaner then only reads them (`Rules` is `Send + Sync`).

use std::collections::HashSet;
use std::path::Path;

use aho_corasick::AhoCorasick;
use anyhow::{bail, Context, Result};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

/// The rules shipped with the binary.
pub const DEFAULT_RULES: &str = include_str!("../../config/rules.toml");

/// The rules file as written (every list optional, so a user file lists only additions).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    furniture: FurnitureFile,
    #[serde(default)]
    lists: ListsFile,
    #[serde(default)]
    credits: CreditsFile,
    #[serde(default)]
    lead: LeadFile,
    #[serde(default)]
    tail: TailFile,
    #[serde(default)]
    captions: CaptionsFile,
}

/// Bounds of the caption rules (a later file overrides an earlier one's values).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptionsFile {
    uncredited_min_words: Option<usize>,
    uncredited_max_words: Option<usize>,
    #[serde(default)]
    name_starters: Vec<String>,
    #[serde(default)]
    continuing_words: Vec<String>,
    gallery_max_words: Option<usize>,
    lead_caption_max_words: Option<usize>,
    echo_max_words: Option<usize>,
    echo_min_share: Option<f64>,
    #[serde(default)]
    lead_openers: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FurnitureFile {
    #[serde(default)]
    lines: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    inline: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListsFile {
    #[serde(default)]
    headings: Vec<String>,
    #[serde(default)]
    markers: Vec<String>,
    #[serde(default)]
    proper_noun_cues: Vec<String>,
    #[serde(default)]
    sentence_starters: Vec<String>,
    #[serde(default)]
    closers: Vec<String>,
    closing_list_max_words: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreditsFile {
    #[serde(default)]
    complete: Vec<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    label_patterns: Vec<String>,
    #[serde(default)]
    name_words: Vec<String>,
    #[serde(default)]
    name_stops: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadFile {
    #[serde(default)]
    prefixes: Vec<String>,
    exclaimed_title_next_words: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TailFile {
    #[serde(default)]
    end_marks: Vec<String>,
    #[serde(default)]
    source_patterns: Vec<String>,
    #[serde(default)]
    trailing_patterns: Vec<String>,
    #[serde(default)]
    agencies: Vec<String>,
    #[serde(default)]
    short_bylines: Vec<String>,
    #[serde(default)]
    glued_sources: Vec<String>,
}

impl RulesFile {
    fn extend(&mut self, o: RulesFile) {
        self.furniture.lines.extend(o.furniture.lines);
        self.furniture.prefixes.extend(o.furniture.prefixes);
        self.furniture.patterns.extend(o.furniture.patterns);
        self.furniture.inline.extend(o.furniture.inline);
        self.lists.headings.extend(o.lists.headings);
        self.lists.markers.extend(o.lists.markers);
        self.lists.proper_noun_cues.extend(o.lists.proper_noun_cues);
        self.lists.sentence_starters.extend(o.lists.sentence_starters);
        self.lists.closers.extend(o.lists.closers);
        self.lists.closing_list_max_words =
            o.lists.closing_list_max_words.or(self.lists.closing_list_max_words);
        self.credits.complete.extend(o.credits.complete);
        self.credits.labels.extend(o.credits.labels);
        self.credits.label_patterns.extend(o.credits.label_patterns);
        self.credits.name_words.extend(o.credits.name_words);
        self.credits.name_stops.extend(o.credits.name_stops);
        self.lead.prefixes.extend(o.lead.prefixes);
        self.lead.exclaimed_title_next_words =
            o.lead.exclaimed_title_next_words.or(self.lead.exclaimed_title_next_words);
        self.tail.end_marks.extend(o.tail.end_marks);
        self.tail.source_patterns.extend(o.tail.source_patterns);
        self.tail.trailing_patterns.extend(o.tail.trailing_patterns);
        self.tail.agencies.extend(o.tail.agencies);
        self.tail.short_bylines.extend(o.tail.short_bylines);
        self.tail.glued_sources.extend(o.tail.glued_sources);
        self.captions.uncredited_min_words =
            o.captions.uncredited_min_words.or(self.captions.uncredited_min_words);
        self.captions.uncredited_max_words =
            o.captions.uncredited_max_words.or(self.captions.uncredited_max_words);
        self.captions.name_starters.extend(o.captions.name_starters);
        self.captions.continuing_words.extend(o.captions.continuing_words);
        self.captions.gallery_max_words = o.captions.gallery_max_words.or(self.captions.gallery_max_words);
        self.captions.lead_caption_max_words =
            o.captions.lead_caption_max_words.or(self.captions.lead_caption_max_words);
        self.captions.lead_openers.extend(o.captions.lead_openers);
        self.captions.echo_max_words = o.captions.echo_max_words.or(self.captions.echo_max_words);
        self.captions.echo_min_share = o.captions.echo_min_share.or(self.captions.echo_min_share);
    }
}

/// Compiled rules, ready for matching.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Furniture lines, lower-cased and trimmed ([`line_key`]).
    pub furniture_lines: HashSet<String>,
    /// Lower-cased line prefixes that make a line furniture.
    pub furniture_prefixes: Vec<String>,
    /// Whole-line furniture regexes, alternated into one.
    pub furniture_re: Option<Regex>,
    /// Strings removed wherever they occur.
    pub inline_furniture: Vec<String>,
    /// List headings, lower-cased, longest first.
    pub headings: Vec<String>,
    /// Headings as they may appear glued inside a one-line body (original, upper-case).
    pub inline_heading_re: Option<Regex>,
    /// Item markers (">>", "»").
    pub markers: Vec<String>,
    /// Words after which a capitalised word is a proper noun.
    pub proper_noun_cues: HashSet<String>,
    /// Capitalised words that open sentences and are not names ("Trước", "Theo").
    pub sentence_starters: HashSet<String>,
    /// The starters followed by a space ("Trước "), to find them fast.
    pub starter_ac: Option<AhoCorasick>,
    /// A list closer ("Xem tiếp") ending a line (`lists.closers`), with the space before it.
    pub closer_re: Option<Regex>,
    /// Longest unpunctuated run before a closer that is taken as the list
    /// (`lists.closing_list_max_words`; 0: no such rule).
    pub closing_list_max_words: usize,
    /// Complete credits and credit labels, in one regex; group `label` marks a label.
    /// (No `\b` in any generated regex: a Unicode word boundary forces the slow regex
    /// engine; callers check word boundaries with [`at_word_start`].)
    pub credit_re: Regex,
    /// The complete credits alone, anchored at the start.
    pub credit_complete_re: Option<Regex>,
    /// Lower-case words allowed inside a credit name.
    pub name_words: HashSet<String>,
    /// Titles that open the sentence after a credit's name, never inside it
    /// (`credits.name_stops`: "Ảnh: Văn Kỳ | Bà Lê Đình Thái Hằng, ...").
    pub name_stops: HashSet<String>,
    /// Shortest and longest credit-less caption between two sentences, in words
    /// (`captions.uncredited_min_words`, `captions.uncredited_max_words`).
    pub uncredited_words: std::ops::RangeInclusive<usize>,
    /// Sentence starters that also end names ("Phan Văn Sáng", "VKSND Tối cao"):
    /// after a capitalised word they do not end a credit-less caption
    /// (`captions.name_starters`).
    pub name_starters: HashSet<String>,
    /// Lower-case words no caption ends in: a sentence starter after one goes on the
    /// phrase (`captions.continuing_words`: "của | Đêm nhạc").
    pub continuing_words: HashSet<String>,
    /// Longest unpunctuated run before a credit that ends its line taken as the
    /// captions of a gallery (`captions.gallery_max_words`; 0: no gallery rule).
    pub gallery_max_words: usize,
    /// A first sentence of at most this many words followed by a news lead that opens
    /// with its time ([`Rules::lead_opener_re`]) is the lead photo's caption
    /// (`captions.lead_caption_max_words`; 0: no such rule).
    pub lead_caption_max_words: usize,
    /// Echo captions: a short sentence (at most `captions.echo_max_words` words; 0: no
    /// such rule) whose words are at least `captions.echo_min_share` of a neighbour's.
    pub echo_max_words: usize,
    pub echo_min_share: f64,
    /// How a news lead opens ("Sáng 29.10, ...", "Ngày 1/11, ..."), anchored at the
    /// start of the sentence (`captions.lead_openers`).
    pub lead_opener_re: Option<Regex>,
    /// Lead prefixes, alternated.
    pub lead_re: Option<Regex>,
    /// Words the paragraph after a headline ending in "!" or "?" must have
    /// (`lead.exclaimed_title_next_words`; 0: none).
    pub exclaimed_title_next_words: usize,
    /// End marks, e.g. "/.".
    pub end_marks: Vec<String>,
    /// Source lines dropped at the end.
    pub source_re: Option<Regex>,
    /// Chrome glued to the end of the last paragraph.
    pub trailing_re: Option<Regex>,
    /// Agency tags that mark bylines, upper-cased.
    pub agencies: HashSet<String>,
    /// Short bylines (initials, "PV") after the last sentence, anchored at the end of
    /// the paragraph, an optional "(tag)" allowed (`tail.short_bylines`).
    pub short_byline_re: Option<Regex>,
    /// Source credits glued after the article's last sentence (`tail.glued_sources`),
    /// anchored at the end, with the space before them.
    pub glued_source_re: Option<Regex>,
    /// Longest furniture line key, in bytes (longer lines are not compared).
    pub max_furniture_key: usize,
    /// Longest furniture prefix / list heading, in chars (only that much of a line is
    /// lower-cased to compare).
    pub max_prefix_chars: usize,
    pub max_heading_chars: usize,
    /// First chars (lower-cased) of the furniture keys and prefixes, and of the
    /// headings: a line starting with any other char is ruled out without lower-casing.
    pub furniture_first: HashSet<char>,
    pub prefix_first: HashSet<char>,
    pub heading_first: HashSet<char>,
}

/// The first char of `s`'s line key, lower-cased (what a key set entry must start with).
fn key_first_char(s: &str) -> Option<char> {
    key_trim(s).chars().next().and_then(|c| c.to_lowercase().next())
}

/// The first `n` chars of `s`, lower-cased.
fn lower_head(s: &str, n: usize) -> String {
    let mut out = String::with_capacity(n.min(s.len()) + 8);
    for c in s.chars().take(n) {
        out.extend(c.to_lowercase());
    }
    out
}

/// True when byte `pos` of `s` does not continue a word (start, or after a non-alphanumeric).
pub fn at_word_start(s: &str, pos: usize) -> bool {
    !s[..pos].chars().next_back().is_some_and(char::is_alphanumeric)
}

/// True when byte `pos` of `s` does not start inside a word (end, or a non-alphanumeric).
pub fn at_word_end(s: &str, pos: usize) -> bool {
    !s[pos..].chars().next().is_some_and(char::is_alphanumeric)
}

/// `line` without the surrounding spaces and decorative punctuation.
fn key_trim(line: &str) -> &str {
    line.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '»' | '>' | '-' | '–' | '—' | '*' | '•' | '|' | '›' | '.')
    })
}

/// The key lines are compared by: lower case, spaces collapsed, decorative punctuation
/// trimmed from both ends.
pub fn line_key(line: &str) -> String {
    let t = key_trim(line);
    let mut out = String::with_capacity(t.len());
    for w in t.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// A regex of `patterns` as one alternation put in `template` at `ALTS` (each pattern
/// grouped), or `None` for no patterns; the error names the key and the file.
fn line_end_alternation(
    key: &str,
    origin: &str,
    patterns: &[String],
    template: &str,
) -> Result<Option<Regex>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let alts: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
    let re = Regex::new(&template.replace("ALTS", &alts.join("|")))
        .with_context(|| format!("bad {key} in {origin}"))?;
    Ok(Some(re))
}

fn compile_alternation(what: &str, origin: &str, pats: &[String]) -> Result<Option<Regex>> {
    if pats.is_empty() {
        return Ok(None);
    }
    for p in pats {
        Regex::new(p).with_context(|| format!("bad {what} regex {p:?} in {origin}"))?;
    }
    let joined = pats.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|");
    Ok(Some(Regex::new(&joined).with_context(|| format!("bad {what} regexes in {origin}"))?))
}

fn parse(text: &str, origin: &str) -> Result<RulesFile> {
    let file: RulesFile =
        toml::from_str(text).with_context(|| format!("rules file {origin} is not valid"))?;
    // Check each regex here so the error names the file that brought it.
    for (what, pats) in [
        ("furniture.patterns", &file.furniture.patterns),
        ("credits.complete", &file.credits.complete),
        ("credits.label_patterns", &file.credits.label_patterns),
        ("lead.prefixes", &file.lead.prefixes),
        ("tail.source_patterns", &file.tail.source_patterns),
        ("tail.trailing_patterns", &file.tail.trailing_patterns),
        ("tail.short_bylines", &file.tail.short_bylines),
        ("captions.lead_openers", &file.captions.lead_openers),
    ] {
        for p in pats {
            Regex::new(p).with_context(|| format!("bad {what} entry {p:?} in rules file {origin}"))?;
        }
    }
    for (what, items) in [
        ("furniture.lines", &file.furniture.lines),
        ("lists.headings", &file.lists.headings),
        ("lists.markers", &file.lists.markers),
        ("credits.labels", &file.credits.labels),
        ("tail.end_marks", &file.tail.end_marks),
    ] {
        if let Some(bad) = items.iter().find(|s| s.trim().is_empty()) {
            bail!("empty {what} entry {bad:?} in rules file {origin}");
        }
    }
    Ok(file)
}

impl Rules {
    /// The compiled-in rules only.
    pub fn builtin() -> Result<Rules> {
        Self::build(None)
    }

    /// The compiled-in rules extended by the user's file (`None` or an empty path: none).
    pub fn load(user: Option<&Path>) -> Result<Rules> {
        match user {
            Some(p) if !p.as_os_str().is_empty() => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read rules file {}", p.display()))?;
                Self::build(Some((&p.display().to_string(), &text)))
            }
            _ => Self::build(None),
        }
    }

    /// Builds from the defaults plus an optional `(origin, text)` user layer.
    pub fn build(user: Option<(&str, &str)>) -> Result<Rules> {
        let mut file = parse(DEFAULT_RULES, "config/rules.toml (built in)")?;
        let origin = match user {
            Some((origin, text)) => {
                file.extend(parse(text, origin)?);
                format!("rules file {origin}")
            }
            None => "config/rules.toml (built in)".to_string(),
        };
        let f = file;

        let furniture_lines: HashSet<String> = f.furniture.lines.iter().map(|s| line_key(s)).collect();
        let furniture_prefixes = f.furniture.prefixes.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
        let furniture_re = compile_alternation("furniture.patterns", &origin, &f.furniture.patterns)?;

        let mut headings: Vec<String> = f.lists.headings.iter().map(|s| line_key(s)).collect();
        headings.sort_by_key(|h| std::cmp::Reverse(h.len()));
        headings.dedup();
        // Inside a one-line body a heading counts only in capitals ("TIN LIÊN QUAN") or
        // capitalised and followed by ":" / "»" ("Xem thêm: ..."); lower-case prose such
        // as "xem thêm tài liệu" never matches.
        let mut alts = Vec::new();
        for h in &f.lists.headings {
            let h = h.trim().trim_end_matches(':').trim();
            if h.is_empty() {
                continue;
            }
            let upper = regex::escape(&h.to_uppercase()).replace(' ', r"\s+");
            let mut chars = h.chars();
            let cap: String = match chars.next() {
                Some(c) => c.to_uppercase().chain(chars.as_str().to_lowercase().chars()).collect(),
                None => continue,
            };
            let cap = regex::escape(&cap).replace(' ', r"\s+");
            if h.split_whitespace().count() >= 2 {
                alts.push(format!(r"{upper}\s*[:»]?"));
            }
            alts.push(format!(r"{cap}\s*(?::|»|>>)"));
            // Plain title case only counts at the start of a line (checked by the caller).
            alts.push(cap.clone());
        }
        alts.sort_by_key(|a| std::cmp::Reverse(a.len()));
        let inline_heading_re = if alts.is_empty() {
            None
        } else {
            Some(Regex::new(&alts.join("|")).with_context(|| format!("bad lists.headings in {origin}"))?)
        };

        let (min, max) = (f.captions.uncredited_min_words, f.captions.uncredited_max_words);
        let uncredited_words = match (min, max) {
            (Some(min), Some(max)) if min >= 1 && min <= max => min..=max,
            (Some(min), Some(max)) => anyhow::bail!(
                "captions.uncredited_min_words ({min}) must be at least 1 and at most captions.uncredited_max_words ({max}) in {origin}"
            ),
            _ => anyhow::bail!(
                "captions.uncredited_min_words and captions.uncredited_max_words must be set (in {origin} or the built-in rules)"
            ),
        };

        let mut credit_alts: Vec<String> = f.credits.complete.iter().map(|p| format!("(?:{p})")).collect();
        let mut labels: Vec<String> =
            f.credits.labels.iter().map(|l| regex::escape(l.trim()).replace(' ', r"\s*")).collect();
        labels.extend(f.credits.label_patterns.iter().map(|p| format!("(?:{p})")));
        if !labels.is_empty() {
            credit_alts.push(format!(r"(?P<label>(?:{}))", labels.join("|")));
        }
        if credit_alts.is_empty() {
            credit_alts.push(r"(?P<label>Ảnh:)".to_string());
        }
        // A larger lazy-DFA cache: the Unicode classes make many states, and a cache
        // that keeps filling makes the engine fall back to the slow NFA simulation.
        let credit_re = RegexBuilder::new(&credit_alts.join("|"))
            .dfa_size_limit(32 << 20)
            .build()
            .with_context(|| format!("bad credits entries in {origin}"))?;
        // Which alternative matched: a complete credit when one matches at the start
        // (they come first in the alternation), else a label.
        let credit_complete_re = if f.credits.complete.is_empty() {
            None
        } else {
            let alts: Vec<String> = f.credits.complete.iter().map(|p| format!("(?:{p})")).collect();
            Some(
                RegexBuilder::new(&format!("^(?:{})", alts.join("|")))
                    .dfa_size_limit(32 << 20)
                    .build()
                    .with_context(|| format!("bad credits entries in {origin}"))?,
            )
        };

        let max_furniture_key = furniture_lines.iter().map(String::len).max().unwrap_or(0);
        let max_prefix_chars = furniture_prefixes.iter().map(|p| p.chars().count()).max().unwrap_or(0);
        let max_heading_chars = headings.iter().map(|h| h.chars().count()).max().unwrap_or(0);
        let mut furniture_first: HashSet<char> =
            furniture_lines.iter().filter_map(|k| k.chars().next()).collect();
        let prefix_first: HashSet<char> =
            furniture_prefixes.iter().filter_map(|p| p.chars().next()).collect();
        furniture_first.extend(prefix_first.iter().copied());
        let heading_first: HashSet<char> = headings.iter().filter_map(|h| h.chars().next()).collect();
        Ok(Rules {
            furniture_first,
            prefix_first,
            heading_first,
            max_furniture_key,
            max_prefix_chars,
            max_heading_chars,
            furniture_lines,
            furniture_prefixes,
            furniture_re,
            inline_furniture: f.furniture.inline,
            headings,
            inline_heading_re,
            markers: f.lists.markers,
            proper_noun_cues: f.lists.proper_noun_cues.iter().map(|s| s.to_lowercase()).collect(),
            starter_ac: if f.lists.sentence_starters.is_empty() {
                None
            } else {
                let pats: Vec<String> =
                    f.lists.sentence_starters.iter().map(|s| format!("{} ", s.trim())).collect();
                Some(
                    AhoCorasick::new(&pats)
                        .with_context(|| format!("bad lists.sentence_starters in {origin}"))?,
                )
            },
            sentence_starters: f.lists.sentence_starters.iter().map(|s| s.trim().to_string()).collect(),
            closer_re: if f.lists.closers.is_empty() {
                None
            } else {
                let alts: Vec<String> =
                    f.lists.closers.iter().map(|c| regex::escape(c.trim()).replace(' ', r"\s+")).collect();
                Some(
                    Regex::new(&format!(r"(?:^|\s)(?:{})\s*(?:»|>>|\.\.\.|…)?$", alts.join("|")))
                        .with_context(|| format!("bad lists.closers in {origin}"))?,
                )
            },
            closing_list_max_words: f.lists.closing_list_max_words.unwrap_or(0),
            credit_re,
            credit_complete_re,
            name_words: f.credits.name_words.iter().map(|s| s.to_lowercase()).collect(),
            name_stops: f.credits.name_stops.iter().map(|s| s.trim().to_string()).collect(),
            lead_re: compile_alternation("lead.prefixes", &origin, &f.lead.prefixes)?,
            exclaimed_title_next_words: f.lead.exclaimed_title_next_words.unwrap_or(0),
            end_marks: f.tail.end_marks,
            source_re: compile_alternation("tail.source_patterns", &origin, &f.tail.source_patterns)?,
            trailing_re: compile_alternation("tail.trailing_patterns", &origin, &f.tail.trailing_patterns)?,
            agencies: f.tail.agencies.iter().map(|s| s.to_uppercase()).collect(),
            short_byline_re: line_end_alternation(
                "tail.short_bylines",
                &origin,
                &f.tail.short_bylines,
                r"(?:^|\s)(?P<name>ALTS)(?:\s*\([^()]{1,30}\))?$",
            )?,
            glued_source_re: line_end_alternation(
                "tail.glued_sources",
                &origin,
                &f.tail.glued_sources,
                r"(?:^|\s)(?:ALTS)\s*$",
            )?,
            uncredited_words,
            name_starters: f.captions.name_starters.iter().map(|s| s.trim().to_string()).collect(),
            continuing_words: f.captions.continuing_words.iter().map(|s| s.trim().to_lowercase()).collect(),
            gallery_max_words: f.captions.gallery_max_words.unwrap_or(0),
            lead_caption_max_words: f.captions.lead_caption_max_words.unwrap_or(0),
            echo_max_words: f.captions.echo_max_words.unwrap_or(0),
            echo_min_share: match f.captions.echo_min_share {
                Some(x) if (0.0..=1.0).contains(&x) && x > 0.0 => x,
                Some(x) => anyhow::bail!("captions.echo_min_share ({x}) must be in (0, 1] in {origin}"),
                None => 1.0,
            },
            lead_opener_re: if f.captions.lead_openers.is_empty() {
                None
            } else {
                let alts: Vec<String> = f.captions.lead_openers.iter().map(|p| format!("(?:{p})")).collect();
                Some(
                    Regex::new(&format!("^(?:{})", alts.join("|")))
                        .with_context(|| format!("bad captions.lead_openers in {origin}"))?,
                )
            },
        })
    }

    /// True when the line is site furniture.
    pub fn is_furniture(&self, line: &str) -> bool {
        if line.len() > 200 {
            return false;
        }
        // Lower-casing changes a char's UTF-8 length by a factor of at most 3, so a
        // line this long cannot have a furniture key.
        let first = key_first_char(line);
        if line.len() <= 3 * self.max_furniture_key + 16
            && first.is_some_and(|c| self.furniture_first.contains(&c))
        {
            let key = line_key(line);
            if key.is_empty() {
                return false;
            }
            if self.furniture_lines.contains(&key) {
                return true;
            }
        } else if key_trim(line).is_empty() {
            return false;
        }
        if self.starts_with_furniture_prefix(line) {
            return true;
        }
        self.furniture_re.as_ref().is_some_and(|re| re.is_match(line.trim()))
    }

    /// True when the line starts with a furniture prefix (e.g. a footer glued to text).
    pub fn starts_with_furniture_prefix(&self, line: &str) -> bool {
        if self.furniture_prefixes.is_empty() {
            return false;
        }
        // Prefixes may start with punctuation ("© "): only letters are prefiltered.
        let t = line.trim_start();
        if let Some(c) = t.chars().next() {
            if c.is_alphanumeric() && !c.to_lowercase().any(|l| self.prefix_first.contains(&l)) {
                return false;
            }
        }
        let head = lower_head(line.trim(), self.max_prefix_chars.max(1));
        self.furniture_prefixes.iter().any(|p| head.starts_with(p.as_str()))
    }

    /// When the whole line is a list heading (optionally with a trailing date, as in
    /// "Các tin đã đưa ngày: 12/03/2024"), true.
    pub fn is_heading_line(&self, line: &str) -> bool {
        if line.len() > 120 {
            return false;
        }
        if !key_first_char(line).is_some_and(|c| self.heading_first.contains(&c)) {
            return false;
        }
        let key = line_key(line);
        self.headings.iter().any(|h| match key.strip_prefix(h.as_str()) {
            Some("") => true,
            Some(rest) => {
                rest.starts_with([' ', ':'])
                    && rest.chars().all(|c| {
                        c.is_ascii_digit() || c.is_whitespace() || matches!(c, '/' | '-' | ':' | '.' | ',')
                    })
                    || rest.trim_start_matches([' ', ':']).starts_with("ngày")
                        && rest.chars().filter(|c| c.is_alphabetic()).count() <= 4
            }
            None => false,
        })
    }

    /// When the line is "Heading: title" (one related item), true.
    pub fn is_heading_item_line(&self, line: &str) -> bool {
        if line.len() > 400 {
            return false;
        }
        let t = line.trim_start_matches(['*', '-', '•', ' ', '>', '»']);
        if !t.chars().next().is_some_and(|c| c.to_lowercase().any(|l| self.heading_first.contains(&l))) {
            return false;
        }
        // "Heading: title": a ':', '»' or ">>" must follow the heading.
        let head_end = t.char_indices().nth(self.max_heading_chars + 4).map_or(t.len(), |(i, _)| i);
        if !t[..head_end].contains([':', '»', '>']) {
            return false;
        }
        let lower = lower_head(t, self.max_heading_chars + 4);
        self.headings.iter().any(|h| {
            lower.strip_prefix(h.as_str()).is_some_and(|rest| {
                let rest = rest.trim_start();
                rest.starts_with(':') || rest.starts_with('»') || rest.starts_with(">>")
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let r = Rules::builtin().unwrap();
        assert!(r.is_furniture("Chia sẻFacebook"));
        assert!(r.is_furniture("Trang chủ > Thời sự > Chính trị"));
        assert!(r.is_furniture("Thích 6"));
        assert!(r.is_furniture("Liên kết -- Chọn Link liên kết"));
        assert!(r.is_heading_line("TIN BÀI LIÊN QUAN"));
        assert!(r.is_heading_line("Các tin đã đưa ngày: 12/03/2024"));
        assert!(r.is_heading_line("Tin đọc nhiều trong tuần"));
        assert!(!r.is_heading_line("Tin liên quan đến vụ án được công bố hôm qua"));
        assert!(r.is_heading_item_line("Xem thêm: Giá vàng tăng mạnh"));
    }

    #[test]
    fn user_rules_extend_defaults() {
        let r = Rules::build(Some((
            "site.toml",
            "[furniture]\nlines = [\"Bấm để nghe\"]\n[lists]\nheadings = [\"Tin nóng hổi\"]\n",
        )))
        .unwrap();
        assert!(r.is_furniture("Bấm để nghe"));
        assert!(r.is_furniture("Chia sẻ"), "defaults are kept");
        assert!(r.is_heading_line("TIN NÓNG HỔI"));
    }

    #[test]
    fn bad_user_rules_name_file_and_entry() {
        let e = Rules::build(Some(("my-site.toml", "[credits]\ncomplete = [\"(unclosed\"]\n"))).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("my-site.toml") && msg.contains("(unclosed"), "{msg}");
        let e = Rules::build(Some(("my-site.toml", "[furnture]\nlines = []\n"))).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("my-site.toml") && msg.contains("furnture"), "{msg}");
        let e = Rules::load(Some(Path::new("/nonexistent/rules.toml"))).unwrap_err();
        assert!(format!("{e:#}").contains("/nonexistent/rules.toml"));
    }
}
