//! Decoding: raw file bytes in, text out, or a reason the file is not article text.

use std::fmt;

/// Why a file's bytes are not usable text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(pub String);

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes a file's bytes to text.
pub fn decode(bytes: &[u8]) -> Result<String, Rejection> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Rejection("empty file".into()));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(Rejection(format!(
            "not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))),
    }
}
