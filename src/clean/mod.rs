//! Cleaning: raw article text in, a [`Document`] out.
//!
//! The input is a text dump of a Vietnamese news page: an optional ` date YYYY-MM(-DD)`
//! header and lead-photo caption, perhaps a title line and a dateline, the article, and
//! site chrome (captions, related-news lists, share buttons, breadcrumbs, bylines, the
//! "/." end mark and what follows it). The stages, each in its own module:
//!
//! 1. [`text`]: NFC, line ends, odd spaces.
//! 2. [`dates`]: header, date lines, datelines, a day in the lead completing the header.
//! 3. [`tail`]: the end mark cuts the article; bylines and source lines.
//! 4. line pass: furniture and list headings ([`rules`]), headline runs ([`lists`]).
//! 5. [`captions`]: caption lines and glued caption sentences, credit-less copies.
//! 6. inline lists glued into one-line bodies ([`lists`]), glued sentences split.
//! 7. title (first line when it reads as a headline), byline, lead prefix.
//!
//! Nothing is ever rewritten: body text is a selection of the input's words (after
//! normalisation), so no word is invented. All matching is regex/aho-corasick or
//! single passes over the text: linear time.

pub mod captions;
pub mod dates;
pub mod eval;
pub mod lists;
pub mod rules;
pub mod tail;
pub mod text;

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};

use crate::config::CleanConfig;
use crate::Document;

use self::captions::comparable;
use self::dates::Date;
use self::rules::Rules;
use self::text::{ends_sentence, squash};

/// Cleans article text. Built once, shared by every worker (it is `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Cleaner {
    rules: Arc<Rules>,
}

/// Longest title, in words.
const MAX_TITLE_WORDS: usize = 30;
/// How many leading paragraphs are searched for a day completing a year-month header.
const DAY_SEARCH_PARAGRAPHS: usize = 3;

impl Cleaner {
    /// Builds the cleaner from the compiled-in rules plus the user's rules file, if any
    /// (`config.rules`; an empty path means none). The user's lists extend the defaults.
    pub fn from_config(config: &CleanConfig) -> Result<Cleaner> {
        let rules = Rules::load(Some(&config.rules)).context("cannot load the cleaning rules")?;
        Ok(Cleaner::with_rules(rules))
    }

    /// A cleaner with the given compiled rules.
    pub fn with_rules(rules: Rules) -> Cleaner {
        Cleaner { rules: Arc::new(rules) }
    }

    /// Cleans one decoded article text.
    ///
    /// Cleaning is idempotent: the body is re-cleaned until it no longer changes (a
    /// rule can expose another, e.g. a lead prefix removed from the line after a
    /// headline-like first line). Real articles settle after the first round.
    pub fn clean(&self, text: &str) -> Document {
        let (mut doc, mut dirty) = self.clean_once(text, true);
        // Only a round that cut lines apart (captions, glued lists, glued sentences),
        // left a headline-like first paragraph, cut a glued byline or kept an end mark
        // can change on a second round; all other articles are a fixed point already.
        for _ in 0..3 {
            if !dirty || doc.body.is_empty() {
                break;
            }
            // The next round reads the body as text. The body is not kept beside that
            // text and the next round's: paragraphs never hold a '\n', so the text says
            // exactly what the body was (checked, else the body is kept to compare).
            let text = doc.body.join("\n\n");
            let before = if doc.body.iter().any(|p| p.contains('\n')) {
                Some(std::mem::take(&mut doc.body))
            } else {
                doc.body = Vec::new();
                None
            };
            let (again, d) = self.clean_once(&text, false);
            dirty = d;
            let same = match &before {
                Some(b) => again.body == *b,
                None => again.body.iter().map(String::as_str).eq(text.split("\n\n")),
            };
            drop(before);
            drop(text);
            doc.body = again.body;
            if same {
                break;
            }
            doc.title = doc.title.or(again.title);
            doc.author = doc.author.or(again.author);
            doc.published = doc.published.or(again.published);
            doc.captions.extend(again.captions);
        }
        // An article printed twice lists its captions twice: keep each once.
        // (Flags by index, the set borrowing the captions: no caption is copied.)
        if doc.captions.len() > 1 {
            let keep: Vec<bool> = {
                let mut seen: std::collections::HashSet<&str, BuildFnv> =
                    std::collections::HashSet::with_hasher(BuildFnv);
                doc.captions.iter().map(|c| seen.insert(c.as_str())).collect()
            };
            let mut k = 0;
            doc.captions.retain(|_| {
                k += 1;
                keep[k - 1]
            });
        }
        doc
    }

    /// One round of cleaning.
    ///
    /// Also says whether a second round might still change the body ("dirty").
    ///
    /// The lines stream through the stages one at a time, borrowed from the
    /// normalised text: only lines a rule changes are copied, and each kept paragraph
    /// is allocated once, for the output. (Collecting every line into its own `String`
    /// before each stage made the peak 36x the input on a file of tiny lines.)
    /// `first`: this round reads the input itself (not a previous round's body), so its
    /// first line is the page's own first line.
    fn clean_once(&self, text: &str, first_round: bool) -> (Document, bool) {
        let rules = &*self.rules;
        let text = text::normalize(text);
        let mut text: &str = &text;
        let mut header_date: Option<Date> = None;
        let mut header_line = false;
        if let Some((date, n)) = dates::header(text) {
            header_date = Some(date);
            text = &text[n..];
            header_line = true;
        }
        if header_line && text.starts_with('\n') {
            header_line = false;
        }

        // Non-empty, single-spaced lines; at most one paragraph per line comes out of
        // most of them, so that many slots are reserved at once (no doubling).
        let estimate = text.split('\n').filter(|l| !l.trim().is_empty()).count();
        let mut lines =
            text.split('\n').map(text::squash_normalized_cow).filter(|l| !l.is_empty()).peekable();
        let mut flow = Flow {
            rules,
            pass1: LinePass::default(),
            pass2: LinePass::default(),
            last_caption_key: None,
            dirty: false,
            captions: Vec::new(),
            out: Vec::with_capacity(estimate),
        };
        let mut author: Option<String> = None;
        let mut first = true;
        while let Some(mut line) = lines.next() {
            // The end mark: the article stops there; a byline may follow it.
            let mut last = false;
            if let Some((p, e)) = tail::find_end_mark(&line, &rules.end_marks) {
                let rest = line[e..].trim();
                author = if rest.is_empty() {
                    tail::byline_name(lines.peek().map_or("", |l| &**l), 1)
                } else {
                    tail::byline_name(rest, 1)
                };
                line = truncate_cow(line, p);
                last = true;
            }
            // A headline with a credit-like prefix ("Clip: Fan T-ara nhảy ...") as the
            // page's first line is the title, not a caption.
            if first && first_round && !header_line && captions::is_prefixed_headline(&line, rules) {
                first = false;
                if flow.pass1.keep(rules, &line) {
                    flow.piece(line);
                }
                if last {
                    break;
                }
                continue;
            }
            // A caption right after the date header (the lead photo's).
            if std::mem::take(&mut first) && header_line {
                let split = captions::extract(&line, rules);
                if !split.captions.is_empty() {
                    flow.dirty = true;
                    flow.captions.extend(split.captions);
                    for piece in split.pieces {
                        flow.line(Cow::Owned(piece));
                    }
                    if last {
                        break;
                    }
                    continue;
                }
            }
            flow.line(line);
            if last {
                break;
            }
        }
        drop(lines);
        let Flow { pass1, pass2, mut dirty, captions: mut caption_list, out: mut paragraphs, .. } = flow;
        // The first date line of the first pass, else of the second (as when the passes
        // ran one after the other over all lines).
        let mut published = header_date.or(pass1.published).or(pass2.published);
        if drop_repeated_runs(&mut paragraphs) {
            dirty = true;
        }

        // Lead prefix first (so a prefix-only first line never hides the title), then
        // again on the paragraph after the title.
        if self.strip_lead(&mut paragraphs) {
            dirty = true;
        }
        // Title: the first paragraph when it reads as a headline and the next does not.
        let mut title = None;
        // A headline may end in "!" or "?" ("Y đức đang bị suy giảm ở mức không thể chấp
        // nhận được!"): taken only from the input's own first line (a later round's
        // first paragraph is body text, and a short question there stays).
        // An exclaimed headline also needs a paragraph of text after it
        // (`lead.exclaimed_title_next_words`): a short question a caption cut out of a
        // body line and left first must stay body when that body is cleaned again.
        let next_words = self.rules.exclaimed_title_next_words;
        let next_is_text = paragraphs.get(1).is_some_and(|p| p.split_whitespace().count() >= next_words);
        let headline = |p: &str| is_title_like(p) || (first_round && next_is_text && is_exclaimed_title(p));
        if paragraphs.len() >= 2 && headline(&paragraphs[0]) && !is_title_like(&paragraphs[1]) {
            title = Some(paragraphs.remove(0));
        }

        // Byline and trailing chrome at the end.
        if self.trim_tail(&mut paragraphs, &mut author) {
            dirty = true;
        }

        // Lead prefix such as "(PLO)-" or "VTV.vn -".
        if self.strip_lead(&mut paragraphs) {
            dirty = true;
        }
        // A lead photo's caption printed as the first sentence, without a credit.
        if let Some(c) = captions::take_lead_caption(&mut paragraphs, rules) {
            caption_list.push(c);
            dirty = true;
        }
        // Short caption sentences that echo the sentence beside them.
        let echoes = captions::take_echo_captions(&mut paragraphs, rules);
        if !echoes.is_empty() {
            caption_list.extend(echoes);
            dirty = true;
        }

        // A day in the lead completes a year-month header.
        if let Some(d) = published {
            if d.day.is_none() {
                let full = match paragraphs.len() {
                    0 => None,
                    // One paragraph (a one-line body): searched in place, not copied.
                    1 => dates::day_in_text(d, &paragraphs[0]),
                    _ => {
                        let lead = paragraphs
                            .iter()
                            .take(DAY_SEARCH_PARAGRAPHS)
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(" ");
                        dates::day_in_text(d, &lead)
                    }
                };
                if let Some(full) = full {
                    published = Some(full);
                }
            }
        }

        paragraphs.retain(|p| p.chars().any(char::is_alphanumeric));
        paragraphs.shrink_to_fit();
        // A headline-like first paragraph would be taken as the title next round; an
        // end mark left in the body could become valid once its line is cut apart.
        if paragraphs.first().is_some_and(|p| is_title_like(p))
            || paragraphs.iter().any(|p| rules.end_marks.iter().any(|m| p.contains(m.as_str())))
        {
            dirty = true;
        }
        let doc = Document {
            title,
            published: published.map(|d| d.format()),
            author,
            captions: caption_list,
            body: paragraphs,
            ..Document::default()
        };
        (doc, dirty)
    }

    /// Removes lead prefixes such as "(PLO)-" or "VTV.vn -" from the first paragraph,
    /// dropping paragraphs they leave empty.
    /// True when something was removed (what is left may now match other rules).
    fn strip_lead(&self, paragraphs: &mut Vec<String>) -> bool {
        let rules = &*self.rules;
        let mut changed = false;
        if let Some(re) = rules.lead_re.as_ref() {
            // Offsets, not copies: a paragraph of a million repeated prefixes is cut
            // once at the end (copying the rest after each prefix was quadratic), and
            // emptied paragraphs are drained at once (not `remove(0)` each).
            let mut drop = 0;
            for first in paragraphs.iter_mut() {
                let mut pos = 0;
                while let Some(m) = re.find(&first[pos..]) {
                    if m.end() == 0 {
                        break;
                    }
                    pos += m.end();
                    pos = first.len() - first[pos..].trim_start().len();
                    changed = true;
                }
                if pos > 0 {
                    first.drain(..pos);
                }
                if first.chars().any(char::is_alphanumeric) {
                    break;
                }
                drop += 1;
                changed = true;
            }
            paragraphs.drain(..drop);
        }
        changed
    }

    /// Removes a byline paragraph or trailing byline fragment, and chrome glued to the
    /// end of the last paragraph ("Nguồn: URL", "(TTXVN/Vietnam+)").
    /// True when a glued byline fragment was cut (another may then be exposed).
    fn trim_tail(&self, paragraphs: &mut Vec<String>, author: &mut Option<String>) -> bool {
        let rules = &*self.rules;
        loop {
            let Some(last) = paragraphs.last_mut() else {
                return false;
            };
            if let Some(re) = rules.trailing_re.as_ref() {
                let mut start = last.len().saturating_sub(600);
                while !last.is_char_boundary(start) {
                    start += 1;
                }
                if let Some(m) = re.find_at(last, start) {
                    if m.end() == last.len() && m.start() < m.end() {
                        last.truncate(m.start());
                        *last = last.trim_end().to_string();
                    }
                }
            }
            // A source credit glued after the last sentence ("... thông tấn. Theo TTXVN").
            if let Some(re) = rules.glued_source_re.as_ref() {
                let mut start = last.len().saturating_sub(200);
                while !last.is_char_boundary(start) {
                    start += 1;
                }
                if let Some(m) = re.find_at(last, start) {
                    let before = last[..m.start()].trim_end();
                    if !before.is_empty() && ends_sentence(before) {
                        let cut = before.len();
                        last.truncate(cut);
                    }
                }
            }
            // A trailing rule ("-----------", "*", "===") separates the article from
            // chrome below it.
            let body_len = last.trim_end_matches(['-', '*', '=', '_', '~', '—', ' ']).len();
            if last[body_len..].chars().filter(|c| *c != ' ').count() >= 3 {
                last.truncate(body_len);
            }
            if last.is_empty() || !last.chars().any(char::is_alphanumeric) {
                paragraphs.pop();
                continue;
            }
            // A whole paragraph that is a byline.
            if paragraphs.len() >= 2 {
                if let Some(name) = paragraphs.last().and_then(|p| tail::byline_name(p, 2)) {
                    if paragraphs.last().is_some_and(|p| p.len() <= 80) {
                        author.get_or_insert(name);
                        paragraphs.pop();
                        continue;
                    }
                }
            }
            break;
        }
        // A short byline (initials, "PV") after the last sentence or as the last
        // paragraph: "... về vụ việc. B.Ngân", "... cho biết. Nh. Thạch (AFP)".
        if let (Some(re), Some(last)) = (rules.short_byline_re.as_ref(), paragraphs.last()) {
            let mut from = last.len().saturating_sub(80);
            while !last.is_char_boundary(from) {
                from += 1;
            }
            if let Some(c) = re.captures_at(last, from) {
                if let (Some(all), Some(name)) = (c.get(0), c.name("name")) {
                    let before = last[..all.start()].trim_end();
                    let after_sentence =
                        if before.is_empty() { paragraphs.len() >= 2 } else { ends_sentence(before) };
                    if after_sentence && (all.start() >= from || from == 0) {
                        let name = name.as_str().trim().to_string();
                        author.get_or_insert(name);
                        if before.is_empty() {
                            paragraphs.pop();
                        } else {
                            let cut = before.len();
                            if let Some(l) = paragraphs.last_mut() {
                                l.truncate(cut);
                            }
                        }
                        return true;
                    }
                }
            }
        }
        // A byline glued after the last sentence ("... xử tội gì? Bạch Dương").
        if let Some(last) = paragraphs.last_mut() {
            if !ends_sentence(last) {
                let cut = last
                    .char_indices()
                    .rev()
                    .find(|&(i, c)| text::is_terminal(c) && last[i + c.len_utf8()..].starts_with(' '))
                    .map(|(i, c)| i + c.len_utf8());
                if let Some(cut) = cut {
                    let frag = last[cut..].trim().to_string();
                    // "P.Vy (tổng hợp)", "Bích Đào/VOV": a tag makes one name word enough.
                    let min_words = if frag.contains(['(', '/']) { 1 } else { 2 };
                    if let Some(name) = tail::byline_name(&frag, min_words) {
                        if frag.len() <= 80 {
                            author.get_or_insert(name);
                            last.truncate(cut);
                            return true;
                        }
                    }
                }
            }
        }
        false
    }
}

/// `line` cut at byte `at` (a char boundary), without copying a borrowed line.
fn truncate_cow(line: Cow<'_, str>, at: usize) -> Cow<'_, str> {
    match line {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..at]),
        Cow::Owned(mut s) => {
            s.truncate(at);
            Cow::Owned(s)
        }
    }
}

/// `s` trimmed, without copying a borrowed one (or an owned one with nothing to trim).
fn trim_cow(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    }
}

/// The line pass's state: drops date lines (recording the first date), furniture,
/// source lines, list headings and the headline lines that follow a heading.
#[derive(Default)]
struct LinePass {
    in_list: bool,
    published: Option<Date>,
}

impl LinePass {
    /// True when `line` is kept.
    fn keep(&mut self, rules: &Rules, line: &str) -> bool {
        if line.len() <= 100 {
            if let Some(d) = dates::date_line(line) {
                self.published.get_or_insert(d);
                return false;
            }
        }
        if rules.is_heading_line(line) {
            self.in_list = true;
            return false;
        }
        if rules.is_furniture(line)
            || (line.len() > 200 && rules.starts_with_furniture_prefix(line))
            || rules.is_heading_item_line(line)
            || rules.source_re.as_ref().is_some_and(|re| re.is_match(line))
        {
            return false;
        }
        if self.in_list {
            if lists::is_headline_like(line) {
                return false;
            }
            self.in_list = false;
        }
        true
    }
}

/// The per-line stages of one cleaning round, fed one line at a time: line pass,
/// inline furniture, captions, list markers, glued headings, credit-less captions,
/// glued sentences, then the line pass again on what is left (pieces cut out of a
/// line can themselves be furniture or a heading: filtering them again keeps
/// cleaning idempotent). Each stage's matcher is tried before its rule runs, so a
/// line no rule touches is never copied.
struct Flow<'r> {
    rules: &'r Rules,
    pass1: LinePass,
    pass2: LinePass,
    /// The last caption without its credit: the next line may be its credit-less copy.
    last_caption_key: Option<String>,
    dirty: bool,
    captions: Vec<String>,
    out: Vec<String>,
}

impl Flow<'_> {
    fn line(&mut self, line: Cow<'_, str>) {
        let rules = self.rules;
        if !self.pass1.keep(rules, &line) {
            return;
        }
        let mut line = line;
        for f in &rules.inline_furniture {
            if line.contains(f.as_str()) {
                line = Cow::Owned(squash(&line.replace(f.as_str(), " ")));
                self.dirty = true;
            }
        }
        if let Some(key) = self.last_caption_key.take() {
            if !key.is_empty() && comparable(&line) == key {
                self.dirty = true;
                return;
            }
        }
        if !rules.credit_re.is_match(&line) && !captions::starts_with_doubled_caption(&line) {
            // No credit and no caption printed twice at its start: `captions::extract`
            // would return the (squashed) line itself.
            self.piece(line);
            return;
        }
        let split = captions::extract(&line, rules);
        if let Some(c) = split.captions.last() {
            self.last_caption_key = Some(captions::without_credit(c, rules));
            self.dirty = true;
        }
        self.captions.extend(split.captions);
        for piece in split.pieces {
            self.piece(Cow::Owned(piece));
        }
    }

    fn piece(&mut self, piece: Cow<'_, str>) {
        let rules = self.rules;
        // A related list closed by a link at the line's end ("... Xem tiếp").
        let piece = match lists::closed_list_start(&piece, rules) {
            Some(cut) => {
                self.dirty = true;
                truncate_cow(piece, cut)
            }
            None => piece,
        };
        let stripped = if rules.markers.iter().any(|m| piece.contains(m.as_str())) {
            let s = lists::strip_markers(&piece, rules);
            if s != *piece {
                self.dirty = true;
            }
            Cow::Owned(s)
        } else {
            piece
        };
        match rules.inline_heading_re.as_ref() {
            None => self.part(stripped),
            Some(re) if re.is_match(&stripped) => {
                let parts = lists::strip_inline_headings(&stripped, rules);
                if parts.len() != 1 || parts[0] != *stripped {
                    self.dirty = true;
                }
                for part in parts {
                    self.part(Cow::Owned(part));
                }
            }
            // No heading: `strip_inline_headings` would return the line trimmed.
            Some(_) => {
                let len = stripped.len();
                let t = trim_cow(stripped);
                if t.is_empty() || t.len() != len {
                    self.dirty = true;
                }
                if !t.is_empty() {
                    self.part(t);
                }
            }
        }
    }

    fn part(&mut self, part: Cow<'_, str>) {
        let rules = self.rules;
        match rules.starter_ac.as_ref() {
            Some(ac) if ac.is_match(part.as_ref()) => {
                let unc = captions::extract_uncredited(&part, rules);
                if !unc.captions.is_empty() {
                    self.dirty = true;
                    self.captions.extend(unc.captions);
                }
                for p in unc.pieces {
                    self.glued(Cow::Owned(p));
                }
            }
            // No sentence starter: `extract_uncredited` would return the line trimmed.
            Some(_) => {
                let t = trim_cow(part);
                if !t.is_empty() {
                    self.glued(t);
                }
            }
            None => self.glued(part),
        }
    }

    fn glued(&mut self, part: Cow<'_, str>) {
        if text::may_be_glued(&part) {
            let n = text::split_glued_each(&part, |g| self.emit(Cow::Borrowed(g)));
            if n != 1 {
                self.dirty = true;
            }
        } else {
            // `split_glued` would return the piece trimmed, or nothing.
            let t = trim_cow(part);
            if t.is_empty() {
                self.dirty = true;
            } else {
                self.emit(t);
            }
        }
    }

    fn emit(&mut self, p: Cow<'_, str>) {
        if p.chars().any(char::is_alphanumeric) && self.pass2.keep(self.rules, &p) {
            self.out.push(p.into_owned());
        }
    }
}

/// Sentences shorter than this (in words) are never taken as repeats: short formulas
/// ("Xin cảm ơn.") legitimately recur.
const MIN_REPEAT_WORDS: usize = 4;
/// A single repeated sentence this long is a copy even outside a run.
const LONG_REPEAT_WORDS: usize = 12;

/// Removes text the page printed twice (the whole article repeated after the byline,
/// a paragraph copied): a sentence already seen earlier is dropped when it is part of
/// a run of at least two repeated sentences or is long by itself. The sentence that
/// opens a repeated run may carry the junk between the copies glued before the repeat
/// ("... Tuấn Anh Theo Tri Thức Bạn đọc ..."): it goes with the run. Exact matches
/// only (the copies are byte-identical after normalisation); linear time.
fn drop_repeated_runs(paragraphs: &mut Vec<String>) -> bool {
    use std::collections::HashSet;
    // Only sentences of MIN_REPEAT_WORDS words or more can repeat, end a seam or be
    // dropped; shorter ones only break runs. So the set holds the long sentences only,
    // the flags take one byte per sentence, and nothing else is kept per sentence (a
    // vector of every sentence's span, and a map sized for all of them, made the
    // peak many times a file of tiny lines).
    const REPEATED: u8 = 1;
    const SEAM: u8 = 2;
    const DROP: u8 = 4;
    const LONG: u8 = 8;
    let words_of = |t: &str| t.as_bytes().iter().filter(|&&c| c == b' ').count() + 1;
    let mut seen: HashSet<&str, BuildFnv> = HashSet::with_hasher(BuildFnv);
    let mut flags: Vec<u8> = Vec::new();
    let mut any = false;
    for p in paragraphs.iter() {
        for (a, b) in text::sentence_spans(p) {
            let t = &p[a..b];
            let words = words_of(t);
            let mut f = if words >= LONG_REPEAT_WORDS { LONG } else { 0 };
            if words >= MIN_REPEAT_WORDS && !seen.insert(t) {
                f |= REPEATED;
                any = true;
            }
            flags.push(f);
        }
    }
    if !any {
        return false;
    }
    // Second pass, in the same order: `seen` is rebuilt so that at sentence k it holds
    // exactly the sentences before k (a seam's copy must come earlier). The byte
    // lengths of those sentences let the seam check hash only suffixes that could be
    // one of them.
    seen.clear();
    let mut lens: HashSet<usize, BuildFnv> = HashSet::with_hasher(BuildFnv);
    let mut k = 0;
    for p in paragraphs.iter() {
        for (a, b) in text::sentence_spans(p) {
            let t = &p[a..b];
            // Junk glued before a repeated run: the sentence before the run ends with a
            // copy of an earlier sentence (checked at capitalised words only).
            if flags[k] & REPEATED == 0 && flags.get(k + 1).is_some_and(|f| f & REPEATED != 0) {
                let mut words_after = words_of(t);
                let seam = t.match_indices(' ').any(|(i, _)| {
                    words_after -= 1;
                    let rest = &t[i + 1..];
                    words_after >= MIN_REPEAT_WORDS
                        && lens.contains(&rest.len())
                        && rest.starts_with(char::is_uppercase)
                        && seen.contains(rest)
                });
                if seam {
                    flags[k] |= SEAM;
                }
            }
            if words_of(t) >= MIN_REPEAT_WORDS && seen.insert(t) {
                lens.insert(t.len());
            }
            k += 1;
        }
    }
    let n = flags.len();
    let mut dropped = false;
    for k in 0..n {
        if flags[k] & REPEATED == 0 {
            continue;
        }
        let prev = if k > 0 { flags[k - 1] } else { 0 };
        let in_run = prev & (REPEATED | SEAM) != 0 || flags.get(k + 1).is_some_and(|f| f & REPEATED != 0);
        if in_run || flags[k] & LONG != 0 {
            flags[k] |= DROP;
            dropped = true;
            if prev & SEAM != 0 {
                flags[k - 1] |= DROP;
            }
        }
    }
    if !dropped {
        return false;
    }
    drop(seen);
    drop(lens);
    // Rebuild only the paragraphs that lose a sentence (the others would come out
    // as they are: sentences are joined by the single space they were cut at).
    let mut k = 0;
    for p in paragraphs.iter_mut() {
        let spans = text::sentence_spans(p);
        let f = &flags[k..k + spans.len()];
        k += spans.len();
        if f.iter().all(|&x| x & DROP == 0) {
            continue;
        }
        let mut out = String::with_capacity(p.len());
        for (&(a, b), &x) in spans.iter().zip(f) {
            if x & DROP != 0 {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&p[a..b]);
        }
        *p = out;
    }
    paragraphs.retain(|p| !p.is_empty());
    true
}

/// FNV-1a, eight bytes a step: sentence keys are hashed once per document, and the
/// default SipHash showed in profiles. Not DoS-resistant, which is fine for a map
/// that lives for one document.
#[derive(Default, Clone, Copy)]
struct BuildFnv;

struct Fnv(u64);

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0 ^ u64::from_le_bytes(w)).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A headline: 2 to 30 words, no sentence punctuation at the end, not a "label:".
fn is_title_like(p: &str) -> bool {
    let n = p.split_whitespace().count();
    (2..=MAX_TITLE_WORDS).contains(&n) && !ends_sentence(p) && !p.ends_with([':', ';', ','])
}

/// A headline ending in "!" or "?": one sentence of 2 to 30 words (no sentence end
/// inside it), the first word capitalised.
fn is_exclaimed_title(p: &str) -> bool {
    let n = p.split_whitespace().count();
    let t = p.trim_end_matches(['"', '”', '’', ')', ' ']);
    (2..=MAX_TITLE_WORDS).contains(&n)
        && t.ends_with(['!', '?'])
        && text::sentence_spans(p).len() == 1
        && p.starts_with(|c: char| c.is_uppercase() || matches!(c, '"' | '“'))
}

/// Cleans with the compiled-in rules only.
pub fn clean_default(text: &str) -> Document {
    static CLEANER: OnceLock<Option<Cleaner>> = OnceLock::new();
    match CLEANER.get_or_init(|| Rules::builtin().ok().map(Cleaner::with_rules)) {
        Some(c) => c.clean(text),
        // The built-in rules are checked by tests; without them, keep the text.
        None => Document { body: vec![squash(text)], ..Document::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The previous `drop_repeated_runs` (every span kept), as an oracle.
    fn drop_repeated_runs_reference(paragraphs: &mut Vec<String>) -> bool {
        use std::collections::HashMap;
        // (paragraph, start, end, words) of every sentence.
        let mut sents: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (pi, p) in paragraphs.iter().enumerate() {
            for (a, b) in text::sentence_spans(p) {
                let words = p.as_bytes()[a..b].iter().filter(|&&c| c == b' ').count() + 1;
                sents.push((pi, a, b, words));
            }
        }
        if sents.len() < 2 {
            return false;
        }
        let text_of = |k: usize| {
            let (pi, a, b, _) = sents[k];
            &paragraphs[pi][a..b]
        };
        // First occurrence of each sentence long enough to count.
        let mut first: HashMap<&str, usize, BuildFnv> =
            HashMap::with_capacity_and_hasher(sents.len(), BuildFnv);
        let mut repeated = vec![false; sents.len()];
        for k in 0..sents.len() {
            if sents[k].3 >= MIN_REPEAT_WORDS {
                let t = text_of(k);
                if first.contains_key(t) {
                    repeated[k] = true;
                } else {
                    first.insert(t, k);
                }
            }
        }
        if !repeated.iter().any(|&r| r) {
            return false;
        }
        // Junk glued before a repeated run: the sentence before the run ends with a copy
        // of an earlier sentence (checked at capitalised words only, and only there).
        let mut glued_seam = vec![false; sents.len()];
        for k in 0..sents.len().saturating_sub(1) {
            if repeated[k] || !repeated[k + 1] {
                continue;
            }
            let t = text_of(k);
            glued_seam[k] = t.match_indices(' ').any(|(i, _)| {
                let rest = &t[i + 1..];
                rest.starts_with(char::is_uppercase)
                    && rest.split(' ').count() >= MIN_REPEAT_WORDS
                    && first.get(rest).is_some_and(|&j| j < k)
            });
        }
        let mut drop = vec![false; sents.len()];
        for k in 0..sents.len() {
            if !repeated[k] {
                continue;
            }
            let in_run =
                (k > 0 && (repeated[k - 1] || glued_seam[k - 1])) || repeated.get(k + 1) == Some(&true);
            if in_run || sents[k].3 >= LONG_REPEAT_WORDS {
                drop[k] = true;
                if k > 0 && glued_seam[k - 1] {
                    drop[k - 1] = true;
                }
            }
        }
        let mut rebuilt: Vec<String> = vec![String::new(); paragraphs.len()];
        for (k, &(pi, a, b, _)) in sents.iter().enumerate() {
            if drop[k] {
                continue;
            }
            let out = &mut rebuilt[pi];
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&paragraphs[pi][a..b]);
        }
        if !drop.iter().any(|&d| d) {
            return false;
        }
        rebuilt.retain(|p| !p.is_empty());
        *paragraphs = rebuilt;
        true
    }

    #[test]
    fn lean_drop_repeated_runs_agrees_with_the_reference() {
        let sentences = [
            "Một hai ba bốn.",
            "Năm sáu bảy tám chín.",
            "Ngắn.",
            "Hai từ.",
            "Tin Một hai ba bốn.",
            "Câu rất dài có mười hai từ trở lên để được coi là bản sao.",
            "Theo Tri Thức Năm sáu bảy tám chín.",
            "TP. Hồ Chí Minh có mưa to.",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let n = (next() % 5 + 1) as usize;
            let mut paragraphs: Vec<String> = (0..n)
                .map(|_| {
                    let k = (next() % 5 + 1) as usize;
                    (0..k)
                        .map(|_| sentences[(next() % sentences.len() as u64) as usize])
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let mut reference = paragraphs.clone();
            let a = drop_repeated_runs(&mut paragraphs);
            let b = drop_repeated_runs_reference(&mut reference);
            assert_eq!((a, &paragraphs), (b, &reference));
        }
    }

    #[test]
    fn nfd_crlf_nbsp_input() {
        use unicode_normalization::UnicodeNormalization;
        let raw: String = "Tăng cường hợp tác\r\n\r\nHai bên\u{a0}hội đàm tại Hà Nội.\r\n".nfd().collect();
        let d = clean_default(&raw);
        assert_eq!(d.title.as_deref(), Some("Tăng cường hợp tác"));
        assert_eq!(d.body, vec!["Hai bên hội đàm tại Hà Nội."]);
    }

    #[test]
    fn end_mark_and_trailing_byline() {
        let d = clean_default(
            "Câu một của bài.\n\nCâu hai kết thúc./.\n\nMINH NGUYỆT (TTXVN/VIETNAM+)\n\nTin khác",
        );
        assert_eq!(d.body, vec!["Câu một của bài.", "Câu hai kết thúc."]);
        assert_eq!(d.author.as_deref(), Some("MINH NGUYỆT"));
    }

    #[test]
    fn url_end_mark_kept() {
        let d = clean_default("Chi tiết tại http://abc.vn/tin/. Bài viết tiếp tục ở đây.");
        assert_eq!(d.body.len(), 1);
        assert!(d.body[0].contains("tiếp tục"));
    }

    #[test]
    fn lead_prefix_removed() {
        let d = clean_default("(PLO)- Sáng nay, tòa đã xử vụ án.\n\nPhiên tòa kéo dài.");
        assert_eq!(d.body[0], "Sáng nay, tòa đã xử vụ án.");
        let d = clean_default("VTV.vn - Sáng nay, mưa lớn.");
        assert_eq!(d.body[0], "Sáng nay, mưa lớn.");
    }

    #[test]
    fn related_list_and_furniture() {
        let d = clean_default(
            "Bài viết có nội dung thật.\n\nTag\n\nIn\nChia sẻFacebook\n\nTin liên quan\n\nTiêu đề một\n\nTiêu đề một\n\n[quảng cáo]",
        );
        assert_eq!(d.body, vec!["Bài viết có nội dung thật."]);
    }

    #[test]
    fn short_bylines_and_sources_after_the_last_sentence() {
        for (text, author) in [
            ("Câu một của bài.\n\nĐại sứ quán hiện không bình luận về vụ việc. B.Ngân", Some("B.Ngân")),
            ("Câu một của bài.\n\nLịch thi đấu sẽ diễn ra vào cuối tháng này. PV", Some("PV")),
            ("Câu một của bài.\n\nHọ về quê ăn Tết bằng máy bay. L.N.", Some("L.N.")),
            // Initials without the last dot (vn-mds 12236880).
            ("Câu một của bài.\n\nMột người khác bị thương. T.N", Some("T.N")),
        ] {
            let d = clean_default(text);
            assert_eq!(d.author.as_deref(), author, "{text}");
            assert!(
                d.body.last().is_some_and(|p| p.ends_with('.') && !p.contains(author.unwrap_or("#"))),
                "{:?}",
                d.body
            );
        }
        let d = clean_default("Câu một của bài.\n\nĐây là logo mới. Nguồn: Yahoo");
        assert_eq!(d.body.last().map(String::as_str), Some("Đây là logo mới."));
        // A name ending a sentence of the article is not a byline; the source credit
        // glued after it goes, a sentence opening with "Theo" stays.
        let d = clean_default("Câu một của bài.\n\nHọ đã gặp ông Vinh. Theo BBC");
        assert_eq!(d.body.last().map(String::as_str), Some("Họ đã gặp ông Vinh."));
        let d = clean_default("Câu một của bài.\n\nKết thúc của bài, hai hãng thông tấn. Theo Xinhua, BBC");
        assert_eq!(d.body.last().map(String::as_str), Some("Kết thúc của bài, hai hãng thông tấn."));
        for kept in ["Họ đã gặp nhau. Theo ông Vinh", "Số liệu đã có Theo Walcott"] {
            let d = clean_default(&format!("Câu một của bài.\n\n{kept}"));
            assert!(
                d.body.iter().any(|p| p.ends_with(kept.rsplit(' ').next().unwrap_or("#"))),
                "{:?}",
                d.body
            );
        }
    }

    #[test]
    fn exclaimed_headline_is_the_title() {
        let d = clean_default("Y đức đang bị suy giảm ở mức không thể chấp nhận được!\n\nBộ trưởng nói như vậy tại phiên họp chiều nay.");
        assert_eq!(d.title.as_deref(), Some("Y đức đang bị suy giảm ở mức không thể chấp nhận được!"));
        assert_eq!(d.body, vec!["Bộ trưởng nói như vậy tại phiên họp chiều nay."]);
    }

    #[test]
    fn empty_input_gives_empty_body() {
        assert!(clean_default("").body.is_empty());
        assert!(clean_default("Tag\n\nChia sẻ\n").body.is_empty());
    }
}
