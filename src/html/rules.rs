//! HTML reading rules: class/id hints, scoring weights and per-site selectors.
//!
//! They live in `config/html.toml` (compiled in); a user file named by `html.rules`
//! extends the lists and adds or replaces site entries, as `clean.rules` does for the
//! text rules. Parsed and compiled once; the extractor only reads them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use scraper::Selector;
use serde::Deserialize;

/// The rules shipped with the binary.
pub const DEFAULT_HTML_RULES: &str = include_str!("../../config/html.toml");

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    hints: HintsFile,
    #[serde(default)]
    scoring: Option<Scoring>,
    #[serde(default)]
    sites: BTreeMap<String, SiteFile>,
    #[serde(default)]
    sections: SectionsFile,
}

/// `[sections]`: headings that end the article inside its container.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionsFile {
    #[serde(default)]
    end_headings: Vec<String>,
    #[serde(default)]
    end_min_words: Option<usize>,
    #[serde(default)]
    end_max_share: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HintsFile {
    #[serde(default)]
    boilerplate: Vec<String>,
    #[serde(default)]
    soft_boilerplate: Vec<String>,
    #[serde(default)]
    comments: Vec<String>,
    #[serde(default)]
    caption: Vec<String>,
    #[serde(default)]
    lead: Vec<String>,
    #[serde(default)]
    byline: Vec<String>,
    #[serde(default)]
    date: Vec<String>,
    #[serde(default)]
    right: Vec<String>,
    #[serde(default)]
    collapsible: Vec<String>,
    #[serde(default)]
    byline_roles: Vec<String>,
    #[serde(default)]
    byline_sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    body: String,
}

/// The density-scoring weights (`[scoring]`; a user file replaces the whole table).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    pub max_link_density: f64,
    pub short_words: usize,
    pub short_weight: f64,
    pub min_block_words: usize,
    pub tag_chrome_max_chars: usize,
    /// How much of a comment thread's text counts against the elements holding it.
    /// Optional in a user's `[scoring]` table (as `wrapper_ratio`), so files written
    /// before it existed still load (they get the built-in value).
    #[serde(default = "builtin_chrome_weight")]
    pub chrome_weight: f64,
    /// An element with a boilerplate or byline class/id hint holding more than this many
    /// times the chosen body's score in text is a wrapper named after a part it holds
    /// ("post-and-ads-container", "authors-container"), not the box itself.
    #[serde(default = "builtin_wrapper_ratio")]
    pub wrapper_ratio: f64,
    /// An element with a date hint holding more text than this (characters) is not a
    /// dateline ("status-publish" on a WordPress post, "timeline"): its blocks stay body.
    #[serde(default = "builtin_dateline_max_chars")]
    pub dateline_max_chars: usize,
    /// An `h1` is the headline (the title) when at least this share of its words are in
    /// the structured title or `<title>`: a logo or a menu `h1` shares none.
    #[serde(default = "builtin_h1_title_overlap")]
    pub h1_title_overlap: f64,
    /// Text hidden with `display:none` inside a folded panel (`hints.collapsible`,
    /// `role="region"`) is kept: accordions and tabs hide the article's sections.
    #[serde(default = "builtin_keep_folded_panels")]
    pub keep_folded_panels: bool,
    /// `short_weight` for short blocks in table cells (data tables: "3.6", "$175,000").
    #[serde(default = "builtin_short_cell_weight")]
    pub short_cell_weight: f64,
    /// At least this many sibling teaser cards (an element that starts with a linked
    /// heading and holds at most `teaser_max_words` words) are a list of other stories
    /// ("Latest news" cards): chrome. 0 turns the rule off.
    #[serde(default = "builtin_teaser_min_run")]
    pub teaser_min_run: usize,
    #[serde(default = "builtin_teaser_max_words")]
    pub teaser_max_words: usize,
}

/// One value of the built-in `[scoring]` table (config/html.toml), for user tables
/// written before the key existed.
fn builtin_scoring(key: &str) -> Option<f64> {
    let v: toml::Value = toml::from_str(DEFAULT_HTML_RULES).ok()?;
    let v = v.get("scoring")?.get(key)?;
    v.as_float().or_else(|| v.as_integer().map(|n| n as f64))
}

fn builtin_chrome_weight() -> f64 {
    builtin_scoring("chrome_weight").unwrap_or(0.5)
}

fn builtin_dateline_max_chars() -> usize {
    builtin_scoring("dateline_max_chars").map_or(300, |v| v.max(0.0) as usize)
}

fn builtin_keep_folded_panels() -> bool {
    toml::from_str::<toml::Value>(DEFAULT_HTML_RULES)
        .ok()
        .and_then(|v| v.get("scoring")?.get("keep_folded_panels")?.as_bool())
        .unwrap_or(true)
}

fn builtin_short_cell_weight() -> f64 {
    builtin_scoring("short_cell_weight").unwrap_or(0.0)
}

fn builtin_h1_title_overlap() -> f64 {
    builtin_scoring("h1_title_overlap").unwrap_or(0.3)
}

fn builtin_teaser_min_run() -> usize {
    builtin_scoring("teaser_min_run").map_or(3, |v| v.max(0.0) as usize)
}

fn builtin_teaser_max_words() -> usize {
    builtin_scoring("teaser_max_words").map_or(80, |v| v.max(0.0) as usize)
}

fn builtin_wrapper_ratio() -> f64 {
    builtin_scoring("wrapper_ratio").unwrap_or(2.0)
}

/// One per-site rule: the body selector for a host.
#[derive(Debug, Clone)]
pub struct SiteRule {
    pub host: String,
    pub selector_text: String,
    pub body: Selector,
}

/// Bits of [`HtmlRules::hint_kinds`]: which hint lists match a class/id.
pub mod kind {
    pub const CAPTION: u16 = 1;
    pub const BYLINE: u16 = 2;
    pub const COMMENTS: u16 = 4;
    pub const BOILERPLATE: u16 = 8;
    pub const SOFT: u16 = 16;
    pub const LEAD: u16 = 32;
    pub const DATE: u16 = 64;
    /// "author-bio": a byline hint that is a boilerplate box.
    pub const AUTHOR_BIO: u16 = 128;
    /// A class saying "right-aligned" ("text-right", "has-text-align-right"): the same
    /// as `style="text-align:right"` for the signature rule.
    pub const RIGHT: u16 = 256;
    /// An accordion, tab or fold: its `display:none` text is shown by a click.
    pub const COLLAPSIBLE: u16 = 512;
}

/// Compiled HTML rules (`Send + Sync`, shared by every worker).
#[derive(Debug, Clone)]
pub struct HtmlRules {
    pub boilerplate: Vec<String>,
    /// Hints that name page furniture in general ("nav", "menu", "sidebar"): chrome
    /// unless the element holds more than `tag_chrome_max_chars` of good text, as for
    /// `<header>`; sites write "content-nav-section" or "with-nav-sidebar" around articles.
    pub soft_boilerplate: Vec<String>,
    /// Comment threads: chrome whose text weighs `chrome_weight` only.
    pub comments: Vec<String>,
    pub caption: Vec<String>,
    pub lead: Vec<String>,
    pub byline: Vec<String>,
    pub date: Vec<String>,
    /// Class names that right-align their element (the Vietnamese byline's place).
    pub right: Vec<String>,
    /// Class names of folded panels (accordions, tabs): hidden text in them is content.
    pub collapsible: Vec<String>,
    /// Job-title words cut from the end of a visible byline (not class hints: words).
    pub byline_roles: Vec<String>,
    /// Source-credit words ("Theo", "Nguồn") that end the name in a visible byline.
    pub byline_sources: Vec<String>,
    pub scoring: Scoring,
    pub sites: Vec<SiteRule>,
    /// A heading matching this (case-insensitive, whole text, trailing ":" and spaces
    /// trimmed) after at least `end_min_words` words of body ends the article: "Related
    /// articles", "Read this next", "About the author" (`[sections]` in config/html.toml).
    pub end_heading: Option<regex::Regex>,
    pub end_min_words: usize,
    pub end_max_share: f64,
    /// Every hint of every list in one automaton (one pass over a class/id string
    /// instead of a search per hint), with the lists each pattern belongs to.
    hints_ac: aho_corasick::AhoCorasick,
    hint_bits: Vec<u16>,
}

fn parse(text: &str, origin: &str) -> Result<RulesFile> {
    toml::from_str(text).with_context(|| format!("bad HTML rules in {origin}"))
}

fn lower(v: Vec<String>) -> Vec<String> {
    let mut v: Vec<String> =
        v.into_iter().map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect();
    v.sort();
    v.dedup();
    v
}

impl HtmlRules {
    /// The compiled-in rules only.
    pub fn builtin() -> Result<HtmlRules> {
        Self::build(None)
    }

    /// The compiled-in rules extended by the user's file (`None` or an empty path: none).
    pub fn load(user: Option<&Path>) -> Result<HtmlRules> {
        match user {
            Some(p) if !p.as_os_str().is_empty() => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read HTML rules file {}", p.display()))?;
                Self::build(Some((&p.display().to_string(), &text)))
            }
            _ => Self::build(None),
        }
    }

    /// Builds from the defaults plus an optional `(origin, text)` user layer.
    pub fn build(user: Option<(&str, &str)>) -> Result<HtmlRules> {
        Self::build_on(DEFAULT_HTML_RULES, user)
    }

    /// Builds from `base` in place of the built-in file (tests turn one rule off this
    /// way, to show what it changes), plus an optional user layer.
    pub fn build_on(base: &str, user: Option<(&str, &str)>) -> Result<HtmlRules> {
        let mut f = parse(base, "config/html.toml (built in)")?;
        let mut origin = "config/html.toml (built in)".to_string();
        if let Some((o, text)) = user {
            let u = parse(text, o)?;
            f.hints.boilerplate.extend(u.hints.boilerplate);
            f.hints.soft_boilerplate.extend(u.hints.soft_boilerplate);
            f.hints.comments.extend(u.hints.comments);
            f.hints.caption.extend(u.hints.caption);
            f.hints.lead.extend(u.hints.lead);
            f.hints.byline.extend(u.hints.byline);
            f.hints.date.extend(u.hints.date);
            f.hints.right.extend(u.hints.right);
            f.hints.collapsible.extend(u.hints.collapsible);
            f.hints.byline_roles.extend(u.hints.byline_roles);
            f.hints.byline_sources.extend(u.hints.byline_sources);
            if u.scoring.is_some() {
                f.scoring = u.scoring;
            }
            f.sites.extend(u.sites);
            f.sections.end_headings.extend(u.sections.end_headings);
            if u.sections.end_min_words.is_some() {
                f.sections.end_min_words = u.sections.end_min_words;
            }
            if u.sections.end_max_share.is_some() {
                f.sections.end_max_share = u.sections.end_max_share;
            }
            origin = format!("HTML rules file {o}");
        }
        let Some(scoring) = f.scoring else {
            bail!("{origin}: missing [scoring] table");
        };
        if !(0.0..=1.0).contains(&scoring.max_link_density)
            || !(0.0..=1.0).contains(&scoring.short_weight)
            || !(0.0..=1.0).contains(&scoring.chrome_weight)
            || !(0.0..=1.0).contains(&scoring.h1_title_overlap)
            || !(0.0..=1.0).contains(&scoring.short_cell_weight)
            || scoring.wrapper_ratio.is_nan()
            || scoring.wrapper_ratio < 1.0
        {
            bail!(
                "{origin}: scoring.max_link_density, scoring.short_weight, scoring.chrome_weight, scoring.h1_title_overlap and scoring.short_cell_weight must be between 0 and 1, scoring.wrapper_ratio at least 1"
            );
        }
        let mut sites = Vec::new();
        for (host, site) in f.sites {
            let body = Selector::parse(&site.body).map_err(|e| {
                anyhow::anyhow!(
                    "{origin}: sites.\"{host}\".body is not a CSS selector ({:?}): {e}",
                    site.body
                )
            })?;
            let host = host.trim().trim_start_matches("www.").to_ascii_lowercase();
            sites.push(SiteRule { host, selector_text: site.body, body });
        }
        let (boilerplate, soft_boilerplate, comments) =
            (lower(f.hints.boilerplate), lower(f.hints.soft_boilerplate), lower(f.hints.comments));
        let (caption, lead, byline, date) =
            (lower(f.hints.caption), lower(f.hints.lead), lower(f.hints.byline), lower(f.hints.date));
        let right = lower(f.hints.right);
        let collapsible = lower(f.hints.collapsible);
        let byline_roles: Vec<String> =
            f.hints.byline_roles.iter().map(|w| w.trim().to_lowercase()).filter(|w| !w.is_empty()).collect();
        let byline_sources: Vec<String> =
            f.hints.byline_sources.iter().map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect();
        let mut bits: BTreeMap<String, u16> = BTreeMap::new();
        for (list, bit) in [
            (&caption, kind::CAPTION),
            (&byline, kind::BYLINE),
            (&comments, kind::COMMENTS),
            (&boilerplate, kind::BOILERPLATE),
            (&soft_boilerplate, kind::SOFT),
            (&lead, kind::LEAD),
            (&date, kind::DATE),
            (&right, kind::RIGHT),
            (&collapsible, kind::COLLAPSIBLE),
        ] {
            for h in list {
                *bits.entry(h.clone()).or_insert(0) |= bit;
            }
        }
        *bits.entry("author-bio".to_string()).or_insert(0) |= kind::AUTHOR_BIO;
        let (patterns, hint_bits): (Vec<String>, Vec<u16>) = bits.into_iter().unzip();
        let hints_ac = aho_corasick::AhoCorasick::new(&patterns)
            .with_context(|| format!("{origin}: cannot compile the class/id hints"))?;
        let end_max_share = f.sections.end_max_share.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&end_max_share) {
            bail!("{origin}: sections.end_max_share must be between 0 and 1");
        }
        let end_heading = if f.sections.end_headings.is_empty() {
            None
        } else {
            for h in &f.sections.end_headings {
                regex::Regex::new(h).map_err(|e| {
                    anyhow::anyhow!("{origin}: sections.end_headings entry {h:?} is not a regex: {e}")
                })?;
            }
            let alt =
                f.sections.end_headings.iter().map(|h| format!("(?:{h})")).collect::<Vec<_>>().join("|");
            Some(
                regex::RegexBuilder::new(&format!("^(?:{alt})$"))
                    .case_insensitive(true)
                    .build()
                    .with_context(|| format!("{origin}: cannot compile sections.end_headings"))?,
            )
        };
        Ok(HtmlRules {
            end_heading,
            end_min_words: f.sections.end_min_words.unwrap_or(0),
            end_max_share,
            boilerplate,
            soft_boilerplate,
            comments,
            caption,
            lead,
            byline,
            date,
            right,
            collapsible,
            byline_roles,
            byline_sources,
            scoring,
            sites,
            hints_ac,
            hint_bits,
        })
    }

    /// Which hint lists match `attr` (lower-cased class and id), as [`kind`] bits: a
    /// hint matches at the start of a word, as [`has_hint`] says.
    pub fn hint_kinds(&self, attr: &str) -> u16 {
        let b = attr.as_bytes();
        let mut out = 0;
        for m in self.hints_ac.find_overlapping_iter(attr) {
            if m.start() == 0 || !b[m.start() - 1].is_ascii_alphanumeric() {
                out |= self.hint_bits[m.pattern().as_usize()];
            }
        }
        out
    }

    /// The site rule for a host ("www." and subdomains match their site).
    pub fn site(&self, host: &str) -> Option<&SiteRule> {
        let host = host.trim_start_matches("www.");
        self.sites.iter().find(|s| host == s.host || host.ends_with(&format!(".{}", s.host)))
    }
}

/// True when one of `hints` starts a word of `attr` (already lower-cased): words are
/// split at anything not an ASCII letter or digit.
pub fn has_hint(attr: &str, hints: &[String]) -> bool {
    let b = attr.as_bytes();
    hints.iter().any(|h| {
        let mut from = 0;
        while let Some(off) = attr[from..].find(h.as_str()) {
            let at = from + off;
            if at == 0 || !b[at - 1].is_ascii_alphanumeric() {
                return true;
            }
            from = at + 1;
            while from < attr.len() && !attr.is_char_boundary(from) {
                from += 1;
            }
            if from >= attr.len() {
                break;
            }
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        let r = HtmlRules::builtin().unwrap();
        assert!(r.comments.iter().any(|h| h == "comment"));
        assert!(r.sites.is_empty());
    }

    #[test]
    fn hints_match_at_word_starts_only() {
        let h = vec!["comment".to_string(), "nav".to_string()];
        assert!(has_hint("comments-area", &h));
        assert!(has_hint("box_comment", &h));
        assert!(has_hint("topbar-sticky nav-sticky", &h));
        assert!(!has_hint("uncommented", &h));
        assert!(!has_hint("canvas", &h));
    }

    #[test]
    fn hint_kinds_agree_with_has_hint() {
        let r = HtmlRules::builtin().unwrap();
        for a in [
            "comments-area",
            "box_comment nav",
            "uncommented",
            "post-content share-btn",
            "author-bio x",
            "sapo",
        ] {
            let k = r.hint_kinds(a);
            assert_eq!(k & kind::COMMENTS != 0, has_hint(a, &r.comments), "{a}");
            assert_eq!(k & kind::SOFT != 0, has_hint(a, &r.soft_boilerplate), "{a}");
            assert_eq!(k & kind::BOILERPLATE != 0, has_hint(a, &r.boilerplate), "{a}");
            assert_eq!(k & kind::LEAD != 0, has_hint(a, &r.lead), "{a}");
        }
        assert_ne!(r.hint_kinds("author-bio") & kind::AUTHOR_BIO, 0);
    }

    #[test]
    fn user_scoring_without_chrome_weight_gets_the_builtin_one() {
        let user = "[scoring]\nmax_link_density = 0.4\nshort_words = 8\nshort_weight = 0.25\n\
                    min_block_words = 5\ntag_chrome_max_chars = 500\n";
        let r = HtmlRules::build(Some(("u.toml", user))).unwrap();
        assert_eq!(r.scoring.max_link_density, 0.4);
        let b = HtmlRules::builtin().unwrap().scoring;
        assert_eq!(r.scoring.chrome_weight, b.chrome_weight);
        assert_eq!(r.scoring.wrapper_ratio, b.wrapper_ratio);
        assert_eq!(r.scoring.dateline_max_chars, b.dateline_max_chars);
    }

    #[test]
    fn user_sites_and_bad_selectors() {
        let r = HtmlRules::build(Some(("u.toml", "[sites.\"www.example.com\"]\nbody = \"div.story\"\n")))
            .unwrap();
        assert!(r.site("example.com").is_some());
        assert!(r.site("news.example.com").is_some());
        assert!(r.site("example.org").is_none());
        let e = HtmlRules::build(Some(("u.toml", "[sites.\"a.vn\"]\nbody = \"div[\"\n"))).unwrap_err();
        assert!(format!("{e:#}").contains("a.vn"), "{e:#}");
        let e = HtmlRules::build(Some(("u.toml", "[hints]\nboilerplat = []\n"))).unwrap_err();
        assert!(format!("{e:#}").contains("u.toml"), "{e:#}");
    }
}
