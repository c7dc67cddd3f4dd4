//! The transform stage: bytes → text → cleaned [`Document`] → fingerprints.
//!
//! Pure CPU work with no shared state, run on the blocking pool by several workers.
//! [`Reader`] is where the two input formats meet: `decode` says whether the text is
//! an HTML page; a page goes through `html` (parse, main content, metadata) and its
//! blocks then through the same text cleaner as a text dump, so one rule set serves
//! both. This is the only place that joins `html` and `clean` (neither imports the other).

use std::sync::Arc;

use anyhow::Result;

use crate::clean::Cleaner;
use crate::config::Config;
use crate::decode;
use crate::dedup::{Fingerprint, NearDupIndex};
use crate::html::{self, HtmlRules};
use crate::Document;

/// A cleaned, fingerprinted article, ready for the dedup decision.
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub doc: Document,
    /// Content hash, shingles and MinHash signature of the body.
    pub fingerprint: Fingerprint,
}

/// Bytes to a cleaned [`Document`], for text dumps and HTML pages. Built once, shared
/// by every worker.
#[derive(Debug, Clone)]
pub struct Reader {
    cleaner: Cleaner,
    html: Arc<HtmlRules>,
    max_inflated: u64,
    max_depth: usize,
    /// `clean.fold_quotes`: typographic quotes as ASCII in every text field.
    fold_quotes: bool,
}

impl Reader {
    /// The cleaner and HTML rules of a configuration (user rule files included).
    pub fn from_config(config: &Config) -> Result<Reader> {
        let cleaner = Cleaner::from_config(&config.clean)?;
        let html = HtmlRules::load(Some(&config.html.rules))?;
        let reader = Reader::new(cleaner, html, config.html.max_decompressed_size, config.html.max_depth);
        Ok(reader.folding_quotes(config.clean.fold_quotes))
    }

    pub fn new(cleaner: Cleaner, html: HtmlRules, max_inflated: u64, max_depth: usize) -> Reader {
        Reader { cleaner, html: Arc::new(html), max_inflated, max_depth, fold_quotes: false }
    }

    /// The same reader, folding typographic quotes to ASCII or not (`clean.fold_quotes`).
    pub fn folding_quotes(mut self, on: bool) -> Reader {
        self.fold_quotes = on;
        self
    }

    pub fn cleaner(&self) -> &Cleaner {
        &self.cleaner
    }

    /// One file's bytes as a cleaned document; `Err` is the rejection reason.
    pub fn document(&self, bytes: &[u8]) -> Result<Document, String> {
        let inflated;
        let gz = html::is_gzip(bytes);
        let bytes = if gz {
            inflated = html::gunzip(bytes, self.max_inflated)
                .map_err(|e| format!("binary file (gzip archive): {e}"))?;
            &inflated[..]
        } else {
            bytes
        };
        let (decoded, is_html) = decode::decode_page(bytes).map_err(|r| r.to_string())?;
        let mut doc = match is_html {
            Some(_) => self.html_document(&decoded.text)?,
            None if gz => return Err("binary file (gzip archive) holding no HTML page".to_string()),
            None => self.cleaner.clean(&decoded.text),
        };
        if self.fold_quotes {
            fold_document_quotes(&mut doc);
        }
        // Text with no letter or digit at all (only punctuation or symbols) is no article either.
        if doc.is_empty() || !doc.body.iter().any(|p| p.chars().any(char::is_alphanumeric)) {
            return Err("no article text".to_string());
        }
        Ok(doc)
    }

    /// An HTML page: extracted blocks through the text cleaner, metadata merged.
    ///
    /// The page's own metadata wins over what the cleaner reads from the text (it is
    /// exact); the cleaner's findings fill the gaps (a dateline or byline in the body
    /// text). A first paragraph the cleaner took for a headline goes back into the
    /// body when the page has its own title (JSON-LD, OpenGraph, `h1`); a `<title>`
    /// alone yields to it.
    fn html_document(&self, text: &str) -> Result<Document, String> {
        let depth = html::nesting_depth(text);
        if depth > self.max_depth {
            return Err(format!(
                "HTML nested deeper than {} elements ({depth}; html.max_depth)",
                self.max_depth
            ));
        }
        let page = html::read(text, &self.html);
        let min = self.html.scoring.min_block_words as u32;
        let no_text =
            || format!("no article text in HTML (largest text block {} words)", page.largest_block_words);
        if page.blocks.is_empty() || page.largest_block_words < min {
            return Err(no_text());
        }
        let mut doc = self.cleaner.clean(&page.blocks.join("\n\n"));
        let cleaner_title = doc.title.take();
        let keep_cleaner_title = page.title.is_none() || page.title_weak;
        match cleaner_title {
            Some(t) if keep_cleaner_title => doc.title = Some(t),
            Some(t) => doc.body.insert(0, t),
            None => {}
        }
        if doc.is_empty() {
            return Err(no_text());
        }
        let nfc = |s: &String| -> String {
            use unicode_normalization::UnicodeNormalization;
            if crate::nfc::is_nfc(s) {
                s.clone()
            } else {
                s.nfc().collect()
            }
        };
        if doc.title.is_none() {
            doc.title = page.title.as_ref().map(nfc);
        }
        let mut dateline_date = None;
        if page.published.is_none() && doc.published.is_none() {
            // Visible datelines read with the text rules ("Thứ tư, 22/10/2025, 19:25 (GMT+7)").
            dateline_date = page.datelines.iter().find_map(|d| self.cleaner.clean(d).published);
        }
        doc.published = page.published.clone().or(doc.published).or(dateline_date);
        doc.author = page.author.as_ref().map(nfc).or(doc.author).or(page.meta_author.as_ref().map(nfc));
        let mut captions: Vec<String> = page.captions.iter().map(nfc).collect();
        captions.append(&mut doc.captions);
        doc.captions = captions;
        doc.url = page.url.clone();
        doc.site_name = page.site_name.as_ref().map(nfc);
        doc.lang = page.lang.clone();
        Ok(doc)
    }
}

/// Every text field with its typographic quotes as ASCII (after cleaning, so the
/// rules see the page's own characters whatever the setting).
fn fold_document_quotes(doc: &mut Document) {
    use crate::clean::text::fold_quotes;
    let fold = |s: &mut String| {
        if let std::borrow::Cow::Owned(f) = fold_quotes(s) {
            *s = f;
        }
    };
    doc.title.iter_mut().chain(doc.author.iter_mut()).chain(doc.site_name.iter_mut()).for_each(fold);
    doc.body.iter_mut().chain(doc.captions.iter_mut()).for_each(fold);
}

/// Decodes, cleans and fingerprints one file's bytes; `Err` is the rejection reason.
///
/// `hasher` is only used for its parameters (`NearDupIndex::fingerprint` does not
/// touch the index), so every worker can share one.
pub fn process(bytes: &[u8], reader: &Reader, hasher: &NearDupIndex) -> Result<Cleaned, String> {
    let doc = reader.document(bytes)?;
    let fingerprint = hasher.fingerprint(&doc.body);
    Ok(Cleaned { doc, fingerprint })
}
