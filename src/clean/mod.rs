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
        let mut doc = self.clean_once(text);
        for _ in 0..3 {
            if doc.body.is_empty() {
                break;
            }
            let again = self.clean_once(&doc.body.join("\n\n"));
            if again.body == doc.body {
                break;
            }
            doc.body = again.body;
            doc.title = doc.title.or(again.title);
            doc.author = doc.author.or(again.author);
            doc.published = doc.published.or(again.published);
            doc.captions.extend(again.captions);
        }
        doc
    }

    /// One round of cleaning.
    fn clean_once(&self, text: &str) -> Document {
        let rules = &*self.rules;
        let text = text::normalize(text);
        let mut text: &str = &text;
        let mut published: Option<Date> = None;
        let mut header_line = false;
        if let Some((date, n)) = dates::header(text) {
            published = Some(date);
            text = &text[n..];
            header_line = true;
        }

        // Non-empty, single-spaced lines.
        let mut lines: Vec<String> = text.split('\n').map(squash).filter(|l| !l.is_empty()).collect();
        if header_line && text.starts_with('\n') {
            header_line = false;
        }

        // The end mark: the article stops there; a byline may follow it.
        let mut author: Option<String> = None;
        for i in 0..lines.len() {
            if let Some((p, e)) = tail::find_end_mark(&lines[i], &rules.end_marks) {
                let rest = lines[i][e..].trim().to_string();
                let first_tail =
                    if rest.is_empty() { lines.get(i + 1).cloned().unwrap_or_default() } else { rest };
                author = tail::byline_name(&first_tail, 1);
                lines[i].truncate(p);
                lines.truncate(i + 1);
                break;
            }
        }

        // Line pass: drop dates, furniture, headings and the headline runs after them.
        let mut caption_list: Vec<String> = Vec::new();
        if header_line {
            if let Some(first) = lines.first() {
                let split = captions::extract(first, rules);
                if !split.captions.is_empty() {
                    caption_list.extend(split.captions);
                    lines.splice(0..1, split.pieces);
                }
            }
        }
        let kept = self.line_pass(lines, &mut published);

        // Captions, inline lists, glued sentences.
        let mut paragraphs: Vec<String> = Vec::with_capacity(kept.len());
        let mut last_caption_key: Option<String> = None;
        for line in &kept {
            let mut line = line.clone();
            for f in &rules.inline_furniture {
                if line.contains(f.as_str()) {
                    line = squash(&line.replace(f.as_str(), " "));
                }
            }
            if let Some(key) = last_caption_key.take() {
                if !key.is_empty() && comparable(&line) == key {
                    continue;
                }
            }
            let split = captions::extract(&line, rules);
            if let Some(c) = split.captions.last() {
                last_caption_key = Some(captions::without_credit(c, rules));
            }
            caption_list.extend(split.captions);
            for piece in split.pieces {
                let piece = lists::strip_markers(&piece, rules);
                for part in lists::strip_inline_headings(&piece, rules) {
                    paragraphs.extend(text::split_glued(&part));
                }
            }
        }
        paragraphs.retain(|p| p.chars().any(char::is_alphanumeric));
        // Pieces cut out of a line (around a caption or a glued list) can themselves be
        // furniture or a heading: filter once more so cleaning is idempotent.
        let mut paragraphs = self.line_pass(paragraphs, &mut published);

        // Lead prefix first (so a prefix-only first line never hides the title), then
        // again on the paragraph after the title.
        self.strip_lead(&mut paragraphs);
        // Title: the first paragraph when it reads as a headline and the next does not.
        let mut title = None;
        if paragraphs.len() >= 2 && is_title_like(&paragraphs[0]) && !is_title_like(&paragraphs[1]) {
            title = Some(paragraphs.remove(0));
        }

        // Byline and trailing chrome at the end.
        self.trim_tail(&mut paragraphs, &mut author);

        // Lead prefix such as "(PLO)-" or "VTV.vn -".
        self.strip_lead(&mut paragraphs);

        // A day in the lead completes a year-month header.
        if let Some(d) = published {
            if d.day.is_none() {
                let lead = paragraphs
                    .iter()
                    .take(DAY_SEARCH_PARAGRAPHS)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(full) = dates::day_in_text(d, &lead) {
                    published = Some(full);
                }
            }
        }

        paragraphs.retain(|p| p.chars().any(char::is_alphanumeric));
        Document {
            title,
            published: published.map(|d| d.format()),
            author,
            captions: caption_list,
            body: paragraphs,
        }
    }

    /// Removes lead prefixes such as "(PLO)-" or "VTV.vn -" from the first paragraph,
    /// dropping paragraphs they leave empty.
    fn strip_lead(&self, paragraphs: &mut Vec<String>) {
        let rules = &*self.rules;
        if let Some(re) = rules.lead_re.as_ref() {
            while let Some(first) = paragraphs.first_mut() {
                while let Some(m) = re.find(first) {
                    if m.end() == 0 {
                        break;
                    }
                    *first = first[m.end()..].trim_start().to_string();
                }
                if first.chars().any(char::is_alphanumeric) {
                    break;
                }
                paragraphs.remove(0);
            }
        }
    }

    /// Drops date lines (recording the first date), furniture, source lines, list
    /// headings and the headline lines that follow a heading.
    fn line_pass(&self, lines: Vec<String>, published: &mut Option<Date>) -> Vec<String> {
        let rules = &*self.rules;
        let mut kept = Vec::with_capacity(lines.len());
        let mut in_list = false;
        for line in lines {
            if line.len() <= 100 {
                if let Some(d) = dates::date_line(&line) {
                    published.get_or_insert(d);
                    continue;
                }
            }
            if rules.is_heading_line(&line) {
                in_list = true;
                continue;
            }
            if rules.is_furniture(&line)
                || rules.starts_with_furniture_prefix(&line)
                || rules.is_heading_item_line(&line)
                || rules.source_re.as_ref().is_some_and(|re| re.is_match(&line))
            {
                continue;
            }
            if in_list {
                if lists::is_headline_like(&line) {
                    continue;
                }
                in_list = false;
            }
            kept.push(line);
        }
        kept
    }

    /// Removes a byline paragraph or trailing byline fragment, and chrome glued to the
    /// end of the last paragraph ("Nguồn: URL", "(TTXVN/Vietnam+)").
    fn trim_tail(&self, paragraphs: &mut Vec<String>, author: &mut Option<String>) {
        let rules = &*self.rules;
        loop {
            let Some(last) = paragraphs.last_mut() else {
                return;
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
                    if let Some(name) = tail::byline_name(&frag, 2) {
                        if frag.len() <= 80 {
                            author.get_or_insert(name);
                            last.truncate(cut);
                        }
                    }
                }
            }
        }
    }
}

/// A headline: 2 to 30 words, no sentence punctuation at the end, not a "label:".
fn is_title_like(p: &str) -> bool {
    let n = p.split_whitespace().count();
    (2..=MAX_TITLE_WORDS).contains(&n) && !ends_sentence(p) && !p.ends_with([':', ';', ','])
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
    fn empty_input_gives_empty_body() {
        assert!(clean_default("").body.is_empty());
        assert!(clean_default("Tag\n\nChia sẻ\n").body.is_empty());
    }
}
