//! Main content: the article's text blocks, its captions and its visible byline.
//!
//! One iterative pass over the DOM (ego_tree's `traverse`, open/close edges, with an
//! explicit stack: a page of a million nested `div`s needs no call stack). Text is cut
//! into blocks at block-level elements, so paragraph structure comes from the DOM,
//! not from line breaks. Each block is scored where it closes:
//!
//! - text outside links is *good*, link text is *bad*;
//! - a block whose link text exceeds `max_link_density` is all bad (menus, lists of
//!   related headlines);
//! - a block in a boilerplate subtree (nav/aside/footer/header, forms' controls,
//!   class/id hints: comments, related, share, breadcrumb, tags, …) is bad;
//! - a short block (under `short_words`) counts `short_weight` of its text as bad.
//!
//! Every element's score is the sum over the blocks under it (children's totals are
//! added to the parent when it closes), and the body is the element with the highest
//! good − bad: the container that takes in all article paragraphs and as little
//! around them as possible — a maximum-subtree choice by text and link density, not
//! by any site's class names. Blocks are pushed in document order, so an element's
//! blocks are one contiguous range: the body is a slice, emitted without its
//! boilerplate and link-dense blocks, with captions (`figcaption`, caption hints) and
//! the byline taken apart. A lead/sapo block (class hints) just before the container
//! is kept: dropping the lead is Readability's most reported bug.
//!
//! Class/id hints can name a wrapper after a part it holds ("post-and-ads-container",
//! "authors-container" around a whole paper): an element chrome or byline by a hint
//! that holds `wrapper_ratio` times the chosen body's score in text is such a wrapper,
//! and the page is walked once more with those hints ignored (rare: a few pages in a hundred).

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::node::Node;
use scraper::Html;

use super::rules::{kind, HtmlRules};

/// Elements whose content is never text of the page.
const DROP: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
    "select", "option", "button", "textarea", "input", "head", "video", "audio", "picture", "map",
];

/// Elements that are chrome by their tag.
const CHROME: &[&str] = &["nav", "aside", "footer", "header", "menu", "dialog", "form"];

/// Elements that start a new block of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "figure",
    "figcaption",
    "header",
    "footer",
    "nav",
    "aside",
    "address",
    "hr",
    "br",
    "center",
    "form",
    "fieldset",
    "details",
    "summary",
    "body",
    "html",
    "time",
];

/// Elements never treated as chrome by class/id hints (they often carry page-wide
/// class names such as "single-post has-comments").
const NO_HINTS: &[&str] = &["html", "body", "main", "article"];

/// One block of text.
#[derive(Debug, Clone, Default)]
pub struct Block {
    pub text: String,
    /// Non-space characters, and how many of them are inside links / bold.
    pub chars: u32,
    pub link: u32,
    pub bold: u32,
    pub words: u32,
    /// 1-6 for h1-h6, 0 otherwise.
    pub heading: u8,
    pub skip: bool,
    pub caption: bool,
    pub lead: bool,
    pub byline: bool,
    pub date: bool,
    /// The block's element is right-aligned (`style="text-align:right"`, `align=right`).
    pub right: bool,
    /// Inside a list item or a table cell (`li`, `dt`, `dd`, `td`, `th`).
    pub item: bool,
    /// Stack depth of the innermost date-hinted element holding text of this block (0:
    /// none): a date element that turns out to hold a whole post ("status-publish" on
    /// WordPress's `article`) clears the flag of its own blocks.
    date_owner: u32,
}

impl Block {
    fn link_density(&self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            f64::from(self.link) / f64::from(self.chars)
        }
    }
}

/// A scored element: (good − bad, first block, end).
pub type Scored = (f64, usize, usize);
/// The blocks, the best element, and the forced element's block range.
pub type Walked = (Vec<Block>, Option<Scored>, Option<(usize, usize)>);

/// What the extractor found.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// Body blocks in order (the lead first when it sat outside the container).
    pub body: Vec<String>,
    pub captions: Vec<String>,
    /// The visible byline elements' texts, in page order (the first few): the first that
    /// reads as a name is the author ("Written by" alone is a label, not a byline).
    pub bylines: Vec<String>,
    /// A right-aligned bold short last paragraph (the Vietnamese byline), removed from the body.
    pub signature: Option<String>,
    /// Visible dateline texts (elements with date hints), in order.
    pub datelines: Vec<String>,
    /// The first `h1` outside chrome.
    pub h1: Option<String>,
    /// The first few `h1`s outside chrome, in page order (a site's logo or a "Menu" can
    /// come before the headline: the title rule picks among them).
    pub h1s: Vec<String>,
    /// Words in the largest block of the page outside chrome (for the rejection reason).
    pub largest_block_words: u32,
}

#[derive(Debug, Clone, Default)]
struct Frame {
    id: Option<NodeId>,
    block: bool,
    drop: bool,
    /// Hidden (`hidden`, `display:none`): never text of the page.
    skip: bool,
    /// Chrome by tag or class/id hint; decided when the element closes: unless it
    /// holds the page's `h1`, a `main` or an `itemprop=articleBody` (an anchor), its
    /// blocks become skipped and its text counts as bad. Sites do call their main
    /// column "sidebar-1" or wrap the whole page in a `form`.
    chrome: bool,
    /// Chrome by its tag only (`header`, `footer`, `aside`, `form`): kept when it holds
    /// more than `tag_chrome_max_chars` of good text (sites put articles in a `header`
    /// section, or the whole page in an ASP.NET `form`).
    tag_chrome: bool,
    anchor: bool,
    /// Chrome or byline by a boilerplate or byline class/id hint: a wrapper candidate
    /// (see `Scoring::wrapper_ratio`).
    hinted: bool,
    /// Chrome whose text weighs only `chrome_weight` against the elements holding it
    /// (comment threads: often longer than the post whose wrapper holds them).
    light: bool,
    caption: bool,
    lead: bool,
    byline: bool,
    date: bool,
    link: bool,
    bold: bool,
    heading: u8,
    right: bool,
    item: bool,
    /// A collapsible panel (accordion, tab, "read more" fold: `hints.collapsible`, or
    /// `role="region"`/`"tabpanel"`): text it hides with `display:none` is the page's,
    /// shown by a click.
    collapsible: bool,
    /// A table cell (`td`, `th`).
    cell: bool,
    /// Children that are teaser cards (`Scoring::teaser_min_run`): their block ranges
    /// and good text, made chrome when the run is long enough.
    teasers: Vec<(usize, usize, f64)>,
    first_block: usize,
    good: f64,
    bad: f64,
    /// Characters of every block in the subtree, however scored.
    total: f64,
}

/// Running state of the walk.
struct Walk<'r> {
    rules: &'r HtmlRules,
    stack: Vec<Frame>,
    blocks: Vec<Block>,
    cur: Block,
    pending_space: bool,
    // Counters of open flagged frames.
    drop: u32,
    skip: u32,
    caption: u32,
    lead: u32,
    byline: u32,
    date: u32,
    link: u32,
    bold: u32,
    item: u32,
    /// Open collapsible panels (see `Frame::collapsible`).
    collapsible: u32,
    /// Open table cells.
    cell: u32,
    /// Stack depths of the open date-hinted elements.
    date_depths: Vec<u32>,
    attr_buf: String,
    /// Elements whose boilerplate and byline hints are ignored (wrappers found by the first pass).
    exempt: &'r [NodeId],
    /// (text held, element) of each element chrome or byline by a hint, for the wrapper check.
    hinted: Vec<(f64, NodeId)>,
    /// (score, first block, end) of every closed element with a positive score that
    /// is not inside chrome.
    candidates: Vec<(f64, usize, usize)>,
}

impl Walk<'_> {
    fn text(&mut self, t: &str) {
        if self.drop > 0 {
            return;
        }
        let in_link = self.link > 0;
        let in_bold = self.bold > 0;
        let before = self.cur.chars;
        for c in t.chars() {
            if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' {
                self.pending_space = true;
                continue;
            }
            if self.pending_space && !self.cur.text.is_empty() {
                self.cur.text.push(' ');
            }
            self.pending_space = false;
            self.cur.text.push(c);
            self.cur.chars += 1;
            if in_link {
                self.cur.link += 1;
            }
            if in_bold {
                self.cur.bold += 1;
            }
        }
        if self.cur.chars > before {
            // A block is flagged when any of its text is (a span.date inside a div).
            self.cur.skip |= self.skip > 0;
            self.cur.caption |= self.caption > 0;
            self.cur.lead |= self.lead > 0;
            self.cur.byline |= self.byline > 0;
            self.cur.date |= self.date > 0;
            if let Some(&d) = self.date_depths.last() {
                self.cur.date_owner = self.cur.date_owner.max(d);
            }
        }
    }

    /// Ends the current block: records it and scores it into the innermost frame.
    fn flush(&mut self) {
        self.pending_space = false;
        if self.cur.chars == 0 {
            self.cur = Block::default();
            return;
        }
        let mut b = std::mem::take(&mut self.cur);
        b.words = b.text.split_whitespace().count() as u32;
        b.item = self.item > 0;
        if let Some(top) = self.stack.iter().rev().find(|f| f.block) {
            b.right = top.right;
        }
        b.heading = self.stack.iter().rev().map(|f| f.heading).find(|h| *h > 0).unwrap_or(0);
        let s = &self.rules.scoring;
        let chars = f64::from(b.chars);
        let link = f64::from(b.link);
        let (good, bad) = if b.skip {
            (0.0, chars)
        } else if b.caption || b.byline {
            (0.0, 0.0)
        } else if b.link_density() > s.max_link_density {
            (0.0, chars)
        } else if (b.words as usize) < s.short_words && self.cell > 0 {
            // A data table's cells are short by nature ("3.6", "$175,000"): weighed at
            // short_cell_weight, so a table inside the article does not cut it in two.
            (0.0, link + (chars - link) * s.short_cell_weight)
        } else if (b.words as usize) < s.short_words {
            (0.0, link + (chars - link) * s.short_weight)
        } else {
            (chars - link, link)
        };
        if let Some(top) = self.stack.last_mut() {
            top.good += good;
            top.bad += bad;
            top.total += chars;
        }
        self.blocks.push(b);
    }

    /// Opens an element: its flags, and a block boundary when it is block-level.
    fn open(&mut self, id: NodeId, e: &scraper::node::Element) {
        let name = e.name();
        let mut f = Frame { id: Some(id), first_block: self.blocks.len(), ..Frame::default() };
        if DROP.contains(&name) {
            f.drop = true;
        }
        f.block = BLOCKS.contains(&name);
        if f.block {
            self.flush();
            f.first_block = self.blocks.len();
        } else if !self.cur.text.is_empty() && matches!(name, "img") {
            self.pending_space = true;
        }
        // `hidden` is chrome, not skip: React's streaming render puts the whole page in a
        // `<div hidden id="S:0">` that a script then shows; a hidden element holding the
        // page's `h1` or `main` is that page.
        let hidden = e.attr("hidden").is_some();
        if matches!(name, "header" | "footer" | "aside" | "form") {
            f.chrome = true;
            f.tag_chrome = true;
        } else if CHROME.contains(&name)
            || e.attr("aria-hidden").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || e.attr("role").is_some_and(|r| {
                matches!(
                    r.to_ascii_lowercase().as_str(),
                    "navigation" | "complementary" | "contentinfo" | "banner"
                )
            })
        {
            f.chrome = true;
        }
        if hidden {
            f.chrome = true;
            f.tag_chrome = false;
        }
        if name == "main"
            || name == "h1"
            || e.attr("itemprop").is_some_and(|p| p.eq_ignore_ascii_case("articleBody"))
        {
            f.anchor = true;
        }
        if let Some(style) = e.attr("style") {
            let st = style.to_ascii_lowercase().replace(' ', "");
            if st.contains("display:none") || st.contains("visibility:hidden") {
                // Decided below, once the class hints say whether it is a folded panel.
                f.skip = true;
            }
            if st.contains("text-align:right") {
                f.right = true;
            }
        }
        if e.attr("align").is_some_and(|a| a.eq_ignore_ascii_case("right")) {
            f.right = true;
        }
        if name == "figcaption" {
            f.caption = true;
        }
        if matches!(name, "a") {
            f.link = true;
        }
        if matches!(name, "b" | "strong") {
            f.bold = true;
        }
        if matches!(name, "li" | "dt" | "dd" | "td" | "th") {
            f.item = true;
        }
        f.cell = matches!(name, "td" | "th");
        if let Some(h) =
            name.strip_prefix('h').and_then(|d| d.parse::<u8>().ok()).filter(|d| (1..=6).contains(d))
        {
            f.heading = h;
        }
        if name == "address" || e.attr("rel").is_some_and(|r| r.eq_ignore_ascii_case("author")) {
            f.byline = true;
        }
        if e.attr("itemprop").is_some_and(|p| p.eq_ignore_ascii_case("author")) {
            f.byline = true;
        }
        let class = e.attr("class");
        // A heading's id is an anchor made from its text ("h-what-share-of-adults-…",
        // for the table of contents), not the name of a page part: only its class counts.
        let idattr = if f.heading > 0 { None } else { e.attr("id") };
        if (class.is_some() || idattr.is_some()) && !NO_HINTS.contains(&name) {
            self.attr_buf.clear();
            if let Some(c) = class {
                self.attr_buf.push_str(c);
            }
            self.attr_buf.push(' ');
            if let Some(i) = idattr {
                self.attr_buf.push_str(i);
            }
            self.attr_buf.make_ascii_lowercase();
            let mut k = self.rules.hint_kinds(&self.attr_buf);
            if k & kind::RIGHT != 0 {
                f.right = true;
            }
            if k & kind::COLLAPSIBLE != 0 {
                f.collapsible = true;
            }
            if k & (kind::BYLINE | kind::BOILERPLATE) != 0 {
                if self.exempt.contains(&id) {
                    k &= !(kind::BYLINE | kind::BOILERPLATE);
                } else {
                    // Chrome by its tag or role already (`<footer class="page-footer">`):
                    // the hint only repeats it.
                    f.hinted = !f.chrome && k & (kind::CAPTION | kind::COMMENTS) == 0;
                }
            }
            if k & kind::CAPTION != 0 {
                f.caption = true;
            } else if k & kind::BYLINE != 0 && k & kind::AUTHOR_BIO == 0 {
                f.byline = true;
            } else if k & kind::COMMENTS != 0 {
                f.chrome = true;
                f.tag_chrome = false;
                f.light = true;
            } else if k & kind::BOILERPLATE != 0 {
                f.chrome = true;
                f.tag_chrome = false;
            } else if k & kind::SOFT != 0 {
                f.chrome = true;
                f.tag_chrome = !hidden;
            } else if k & kind::LEAD != 0 {
                f.lead = true;
            } else if k & kind::DATE != 0 {
                f.date = true;
            }
        }
        if e.attr("role")
            .is_some_and(|r| r.eq_ignore_ascii_case("region") || r.eq_ignore_ascii_case("tabpanel"))
        {
            f.collapsible = true;
        }
        if f.skip && (f.collapsible || self.collapsible > 0) && self.rules.scoring.keep_folded_panels {
            // A folded accordion or tab panel: hidden until clicked, the article's text.
            f.skip = false;
        }
        self.collapsible += u32::from(f.collapsible);
        self.cell += u32::from(f.cell);
        self.drop += u32::from(f.drop);
        self.skip += u32::from(f.skip);
        self.caption += u32::from(f.caption);
        self.lead += u32::from(f.lead);
        self.byline += u32::from(f.byline);
        self.date += u32::from(f.date);
        self.link += u32::from(f.link);
        self.bold += u32::from(f.bold);
        self.item += u32::from(f.item);
        if f.date {
            self.date_depths.push(self.stack.len() as u32 + 1);
        }
        self.stack.push(f);
    }

    /// Closes the top element; returns its frame (with its totals).
    fn close(&mut self) -> Option<Frame> {
        if self.stack.last().is_some_and(|f| f.block) {
            self.flush();
        }
        let mut f = self.stack.pop()?;
        self.drop -= u32::from(f.drop);
        self.skip -= u32::from(f.skip);
        self.caption -= u32::from(f.caption);
        self.lead -= u32::from(f.lead);
        self.byline -= u32::from(f.byline);
        self.date -= u32::from(f.date);
        self.link -= u32::from(f.link);
        self.bold -= u32::from(f.bold);
        self.item -= u32::from(f.item);
        self.collapsible -= u32::from(f.collapsible);
        self.cell -= u32::from(f.cell);
        if f.date {
            self.date_depths.pop();
            if f.total > self.rules.scoring.dateline_max_chars as f64 {
                // Not a dateline: a wrapper whose class says "publish" or "time".
                let depth = self.stack.len() as u32 + 1;
                for b in &mut self.blocks[f.first_block..] {
                    if b.date_owner == depth {
                        b.date = false;
                        b.date_owner = 0;
                    }
                }
            }
        }
        let min_run = self.rules.scoring.teaser_min_run;
        if min_run > 0 && f.teasers.len() >= min_run {
            // A list of other stories' cards: chrome, as a related box.
            for &(a, b, good) in &f.teasers {
                for blk in &mut self.blocks[a..b] {
                    blk.skip = true;
                }
                f.good -= good;
                f.bad += good;
            }
            // Candidates inside a card go, as those inside a chrome element do.
            let teasers = std::mem::take(&mut f.teasers);
            self.candidates.retain(|c| !teasers.iter().any(|&(a, b, _)| c.1 >= a && c.2 <= b));
        }
        let teaser = f.block && !f.chrome && !f.skip && self.is_teaser(f.first_block);
        if f.tag_chrome && f.good > self.rules.scoring.tag_chrome_max_chars as f64 {
            f.chrome = false;
        }
        if f.hinted {
            // What the element would weigh were the hint wrong: its good text as chrome,
            // all its text as a byline (byline blocks are not scored).
            let held = if f.byline { f.total } else { f.good };
            if let Some(id) = f.id {
                self.hinted.push((held, id));
            }
        }
        if f.chrome && !f.anchor {
            for b in &mut self.blocks[f.first_block..] {
                b.skip = true;
            }
            // Chrome counts against the elements holding it, which keeps the body tight
            // (a container taking in a sidebar takes in other furniture too); a comment
            // thread, often longer than the post whose wrapper holds it, weighs less.
            let w = if f.light { self.rules.scoring.chrome_weight } else { 1.0 };
            f.bad = (f.bad + f.good) * w;
            f.good = 0.0;
            while self.candidates.last().is_some_and(|c| c.1 >= f.first_block) {
                self.candidates.pop();
            }
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.good += f.good;
            parent.bad += f.bad;
            parent.total += f.total;
            parent.anchor |= f.anchor;
            if teaser {
                parent.teasers.push((f.first_block, self.blocks.len(), f.good));
            }
        }
        Some(f)
    }

    /// Whether the blocks from `first` to the end make a teaser card: a linked
    /// heading (h2-h6, link text over `max_link_density`) first, then at least one
    /// more block, a dateline among them (other stories' cards are dated; a listicle's
    /// items, a linked name and its description, are not), at most `teaser_max_words`
    /// words in all.
    fn is_teaser(&self, first: usize) -> bool {
        let s = &self.rules.scoring;
        let blocks = &self.blocks[first.min(self.blocks.len())..];
        let Some(head) = blocks.first() else { return false };
        if blocks.len() < 2 || !(2..=6).contains(&head.heading) || head.link_density() <= s.max_link_density {
            return false;
        }
        let (mut words, mut dated) = (0usize, false);
        for b in blocks {
            words += b.words as usize;
            dated |= b.date;
            if words > s.teaser_max_words {
                return false;
            }
        }
        dated
    }
}

/// The blocks of a page, the best-scoring element's block range and score, and the
/// range of the `forced` element (for `examples/html_eval.rs --debug` and [`extract`]).
/// A boilerplate or byline hint on an element holding more than `wrapper_ratio` times
/// the chosen body's score in text names a part the element holds, not the element:
/// such pages are walked again with those hints ignored.
pub fn walk(doc: &Html, rules: &HtmlRules, forced: Option<NodeId>) -> Walked {
    let (walked, hinted) = walk_once(doc, rules, forced, &[]);
    let s = &rules.scoring;
    let best = walked.1.map_or(0.0, |b| b.0).max(0.0);
    let floor = (best * s.wrapper_ratio).max(s.tag_chrome_max_chars as f64);
    let wrappers: Vec<NodeId> = hinted.iter().filter(|h| h.0 > floor).map(|h| h.1).collect();
    if wrappers.is_empty() {
        return walked;
    }
    walk_once(doc, rules, forced, &wrappers).0
}

fn walk_once(
    doc: &Html,
    rules: &HtmlRules,
    forced: Option<NodeId>,
    exempt: &[NodeId],
) -> (Walked, Vec<(f64, NodeId)>) {
    let mut w = Walk {
        rules,
        stack: Vec::with_capacity(64),
        blocks: Vec::new(),
        cur: Block::default(),
        pending_space: false,
        drop: 0,
        skip: 0,
        caption: 0,
        lead: 0,
        byline: 0,
        date: 0,
        link: 0,
        bold: 0,
        item: 0,
        collapsible: 0,
        cell: 0,
        date_depths: Vec::new(),
        attr_buf: String::new(),
        exempt,
        hinted: Vec::new(),
        candidates: Vec::new(),
    };
    let mut forced_range: Option<(usize, usize)> = None;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => w.open(node.id(), e),
                Node::Text(t) => w.text(t),
                _ => {}
            },
            Edge::Close(node) => {
                if !node.value().is_element() {
                    continue;
                }
                let Some(f) = w.close() else { continue };
                let range = (f.first_block, w.blocks.len());
                if forced.is_some() && f.id == forced {
                    forced_range = Some(range);
                }
                let score = f.good - f.bad;
                if f.skip || f.drop || (f.chrome && !f.anchor) || range.0 == range.1 || score <= 0.0 {
                    continue;
                }
                w.candidates.push((score, range.0, range.1));
            }
        }
    }
    w.flush();
    let mut best: Option<(f64, usize, usize)> = None;
    for &c in &w.candidates {
        if best.map_or(true, |(s, _, _)| c.0 > s) {
            best = Some(c);
        }
    }
    ((w.blocks, best, forced_range), w.hinted)
}

/// Extracts the main content of a parsed page. `forced` is the element a site rule
/// names as the body (its range replaces the density choice).
pub fn extract(doc: &Html, rules: &HtmlRules, forced: Option<NodeId>, title: Option<&str>) -> Extracted {
    let (blocks, best, forced_range) = walk(doc, rules, forced);

    let mut out = Extracted {
        largest_block_words: blocks.iter().filter(|b| !b.skip).map(|b| b.words).max().unwrap_or(0),
        h1: blocks.iter().find(|b| b.heading == 1 && !b.skip).map(|b| b.text.clone()),
        h1s: blocks.iter().filter(|b| b.heading == 1 && !b.skip).take(4).map(|b| b.text.clone()).collect(),
        bylines: blocks
            .iter()
            .filter(|b| b.byline && b.words <= 12)
            .take(8)
            .map(|b| b.text.clone())
            .collect(),
        datelines: blocks
            .iter()
            .filter(|b| b.date && b.words <= 20)
            .take(8)
            .map(|b| b.text.clone())
            .collect(),
        ..Extracted::default()
    };

    let (start, end) = match (forced_range, best) {
        (Some(r), _) => r,
        (None, Some((score, a, b))) if score > 0.0 => (a, b),
        _ => return out,
    };
    let max_ld = rules.scoring.max_link_density;
    let title_key = title.map(key);
    let mut body_idx: Vec<usize> = Vec::new();
    let mut caption_idx: Vec<usize> = Vec::new();
    for (i, b) in blocks.iter().enumerate().take(end).skip(start) {
        if b.skip || b.byline || b.date && b.words <= 20 {
            continue;
        }
        if b.caption {
            caption_idx.push(i);
            continue;
        }
        if b.link_density() > max_ld {
            continue;
        }
        if b.heading == 1 && title_key.as_ref().map_or(true, |t| *t == key(&b.text) || b.words <= 30) {
            continue;
        }
        body_idx.push(i);
    }
    // The lead just before the container (closest first), unless the body has one.
    if !body_idx.iter().any(|&i| blocks[i].lead) {
        if let Some(i) = (0..start).rev().take(200).find(|&i| {
            let b = &blocks[i];
            b.lead && !b.skip && !b.caption && b.words >= 8 && b.link_density() <= max_ld
        }) {
            body_idx.insert(0, i);
        }
    }
    // A short right-aligned bold paragraph among the last ones is the byline.
    if let Some(pos) = body_idx.iter().rposition(|&i| {
        let b = &blocks[i];
        b.right && b.words <= 6 && b.bold * 10 >= b.chars * 8
    }) {
        if pos + 3 >= body_idx.len() {
            out.signature = Some(blocks[body_idx[pos]].text.clone());
            body_idx.remove(pos);
        }
    }
    if let Some(cut) = end_heading(&blocks, &body_idx, rules) {
        let at = body_idx[cut];
        body_idx.truncate(cut);
        caption_idx.retain(|&i| i < at);
    }
    out.captions = caption_idx.into_iter().map(|i| blocks[i].text.clone()).collect();
    trim_edges(&blocks, &mut body_idx, rules);
    out.body = body_idx.into_iter().map(|i| blocks[i].text.clone()).collect();
    out
}

/// Where the article ends inside its container: the first heading (an `h2`-`h6`, or a
/// short block of at most `END_HEADING_MAX_WORDS` words with no full stop) that names
/// what sites print after a story, `[sections] end_headings` ("Related articles",
/// "Read this next", "More from the blog", "About the author"), once at least
/// `end_min_words` words of body come before it and at most `end_max_share` of the
/// body's words from it on (a "Read next" link between two paragraphs, or an
/// intertitle such as "More on HBS:", sits early in a long article). Density scoring keeps such a section
/// when its excerpts are prose; its heading says what it is. A position in `body`.
fn end_heading(blocks: &[Block], body: &[usize], rules: &HtmlRules) -> Option<usize> {
    let re = rules.end_heading.as_ref()?;
    let total: usize = body.iter().map(|&i| blocks[i].words as usize).sum();
    let mut words = 0usize;
    for (pos, &i) in body.iter().enumerate() {
        let b = &blocks[i];
        if words >= rules.end_min_words
            && (total - words) as f64 <= rules.end_max_share * total as f64
            && (b.heading > 1 || b.words as usize <= END_HEADING_MAX_WORDS && !b.text.contains(". "))
        {
            let t = b.text.trim().trim_end_matches([':', '.', '…', ' ', '\u{a0}', '!']).trim();
            if t.len() <= 80 && re.is_match(t) {
                return Some(pos);
            }
        }
        words += b.words as usize;
    }
    None
}

/// Longest non-heading block read as a section heading by [`end_heading`].
const END_HEADING_MAX_WORDS: usize = 8;

/// Drops the short bits at the edges of the body, as jusText does with "short"
/// paragraphs whose neighbours are boilerplate: the container chosen by density often
/// starts with a "5 min read" or "Share" line and ends with "Subscribe", "Related
/// articles" or a copyright, while short lines between two paragraphs (intertitles,
/// list items, quotes) are the article's. Before the first paragraph (a block of at
/// least `short_words` words, not link-dense) only headings, list items and table cells are kept;
/// after the last one, only list items and table cells.
fn trim_edges(blocks: &[Block], body: &mut Vec<usize>, rules: &HtmlRules) {
    let s = &rules.scoring;
    let para = |b: &Block| {
        b.heading == 0 && b.words as usize >= s.short_words && b.link_density() <= s.max_link_density
    };
    let Some(first) = body.iter().position(|&i| para(&blocks[i])) else { return };
    let last = body.iter().rposition(|&i| para(&blocks[i])).unwrap_or(first);
    let mut pos = 0;
    body.retain(|&i| {
        let b = &blocks[i];
        let keep = (first..=last).contains(&pos) || b.item || pos < first && b.heading > 0;
        pos += 1;
        keep
    });
}

/// A comparison key: lower-case letters and digits.
fn key(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}
