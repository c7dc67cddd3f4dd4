//! The transform stage: bytes → text → cleaned [`Document`] → fingerprints.
//!
//! Pure CPU work with no shared state, run on the blocking pool by several workers.

use crate::clean::Cleaner;
use crate::decode;
use crate::dedup::{Fingerprint, NearDupIndex};
use crate::Document;

/// A cleaned, fingerprinted article, ready for the dedup decision.
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub doc: Document,
    /// Content hash, shingles and MinHash signature of the body.
    pub fingerprint: Fingerprint,
}

/// Decodes, cleans and fingerprints one file's bytes; `Err` is the rejection reason.
///
/// `hasher` is only used for its parameters (`NearDupIndex::fingerprint` does not
/// touch the index), so every worker can share one.
pub fn process(bytes: &[u8], cleaner: &Cleaner, hasher: &NearDupIndex) -> Result<Cleaned, String> {
    let text = decode::decode(bytes).map_err(|r| r.to_string())?;
    let doc = cleaner.clean(&text);
    // Text with no letter or digit at all (only punctuation or symbols) is no article either.
    if doc.is_empty() || !doc.body.iter().any(|p| p.chars().any(char::is_alphanumeric)) {
        return Err("no article text".to_string());
    }
    let fingerprint = hasher.fingerprint(&doc.body);
    Ok(Cleaned { doc, fingerprint })
}
