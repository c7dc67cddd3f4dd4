//! Cleaning: raw article text in, a [`Document`] out.
//!
//! (Minimal first version: NFC, line endings, whitespace and blank-line paragraphs.
//! The rule-driven cleaner replaces it.)

use anyhow::Result;
use unicode_normalization::UnicodeNormalization;

use crate::config::CleanConfig;
use crate::Document;

/// Cleans article text. Built once, shared by every worker (it is `Send + Sync`).
#[derive(Debug, Clone, Default)]
pub struct Cleaner {}

impl Cleaner {
    /// Builds the cleaner from the compiled-in rules plus the user's rules file, if any.
    pub fn from_config(_config: &CleanConfig) -> Result<Cleaner> {
        Ok(Cleaner {})
    }

    /// Cleans one decoded article text.
    pub fn clean(&self, text: &str) -> Document {
        let text: String = text.nfc().collect();
        let text = text
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\u{a0}', " ");
        let mut body = Vec::new();
        for para in text.split("\n\n") {
            let p = para.split_whitespace().collect::<Vec<_>>().join(" ");
            if !p.is_empty() {
                body.push(p);
            }
        }
        Document {
            body,
            ..Document::default()
        }
    }
}
