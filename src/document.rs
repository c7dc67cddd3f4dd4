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
