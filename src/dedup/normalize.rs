//! Fingerprint normalisation: the form of the text that hashes and shingles see.
//!
//! Separate from the stored text, which keeps the source's spelling.

use unicode_normalization::UnicodeNormalization;

/// NFC, lower case, punctuation to space, whitespace collapsed.
pub fn fingerprint_text(s: &str) -> String {
    let lowered: String = s.nfc().flat_map(char::to_lowercase).collect();
    let mut out = String::with_capacity(lowered.len());
    for word in lowered.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
