//! The shape every stage after cleaning works with.
//!
//! This is also the `clean --json` output of the contract, so its field names and
//! types are public: add fields, never rename them.

use serde::{Deserialize, Serialize};

/// One cleaned article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The headline, when the input carries one. Never guessed.
    pub title: Option<String>,
    /// Publication date as `YYYY-MM-DD` or `YYYY-MM`, when the input carries one.
    pub published: Option<String>,
    /// Byline, when the input carries one.
    pub author: Option<String>,
    /// Photo captions, with their credits, in input order.
    pub captions: Vec<String>,
    /// Article text, one string per paragraph, NFC-normalised.
    pub body: Vec<String>,
    /// The page's canonical URL (`<link rel=canonical>`, `og:url`), for HTML pages.
    #[serde(default)]
    pub url: Option<String>,
    /// The outlet's name (`og:site_name`, JSON-LD publisher), for HTML pages.
    #[serde(default)]
    pub site_name: Option<String>,
    /// The page's language (`<html lang>`, JSON-LD `inLanguage`, `og:locale`), for HTML pages.
    #[serde(default)]
    pub lang: Option<String>,
}

impl Document {
    /// True when cleaning left no article text at all.
    pub fn is_empty(&self) -> bool {
        self.body.iter().all(|p| p.trim().is_empty())
    }

    /// The body as stored in the database: paragraphs joined by a blank line.
    pub fn body_text(&self) -> String {
        self.body.join("\n\n")
    }
}
