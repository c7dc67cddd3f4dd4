//! Deduplication: exact (SHA-256 of the normalised body) and near copies.

pub mod normalize;

use sha2::{Digest, Sha256};

/// Hex SHA-256 of the fingerprint-normalised body: equal for copies that differ
/// only in Unicode form, case, punctuation or whitespace.
pub fn content_sha256(body: &[String]) -> String {
    let mut h = Sha256::new();
    for (i, p) in body.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(normalize::fingerprint_text(p).as_bytes());
    }
    hex::encode(h.finalize())
}
