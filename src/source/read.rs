//! Reading: a discovered file's bytes, with the size limit applied before reading.
//!
//! This is plain `std::fs`, called by the pipeline on tokio's blocking pool in the
//! same task that then cleans the bytes. `tokio::fs` would do the same thing (it runs
//! `std::fs` on the blocking pool) but with a thread hop for each of open, stat and
//! read: measured on the vietnews corpus, those hops cost more context switches than
//! the cleaning itself.

use std::io::Read;

use sha2::{Digest, Sha256};

use super::Candidate;

/// What reading a file gave.
#[derive(Debug)]
pub enum ReadResult {
    /// The bytes and their hex SHA-256.
    Bytes { bytes: Vec<u8>, sha256: String },
    /// The file cannot be used; the reason names what to do.
    Unusable { sha256: Option<String>, reason: String },
    /// The file disappeared between discovery and reading: not an input any more.
    Vanished,
}

/// Reads `c.path`, refusing files larger than `max_size` without reading them.
pub fn read(c: &Candidate, max_size: u64) -> ReadResult {
    let file = match std::fs::File::open(&c.path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ReadResult::Vanished,
        Err(e) => return unusable(format!("cannot open file: {e}")),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return unusable(format!("cannot stat file: {e}")),
    };
    if meta.is_dir() {
        return unusable("is a directory".to_string());
    }
    if meta.len() > max_size {
        return unusable(format!(
            "file too large: {} bytes, limit {max_size} (input.max_file_size)",
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read at most one byte past the limit, in case the file grew since the stat.
    if let Err(e) = file.take(max_size + 1).read_to_end(&mut bytes) {
        return unusable(format!("cannot read file: {e}"));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    if bytes.len() as u64 > max_size {
        return ReadResult::Unusable {
            sha256: None,
            reason: format!("file too large: grew past the limit of {max_size} bytes while being read"),
        };
    }
    ReadResult::Bytes { bytes, sha256 }
}

fn unusable(reason: String) -> ReadResult {
    ReadResult::Unusable { sha256: None, reason }
}
