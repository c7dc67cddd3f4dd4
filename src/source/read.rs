//! Reading: a discovered file's bytes, through one descriptor, with the size limit.
//!
//! The file is opened once ([`super::fd::open_input`]: no final symlink unless
//! discovery accepted one, non-blocking, a regular file under the root, checked on the
//! descriptor) and only that descriptor is read, so a file swapped between discovery
//! and reading (for a FIFO, a symlink out of the root) is never what gets read.
//!
//! This is plain `std::fs`, called by the pipeline on tokio's blocking pool in the
//! same task that then cleans the bytes. `tokio::fs` would do the same thing (it runs
//! `std::fs` on the blocking pool) but with a thread hop for each of open, stat and
//! read: measured on the vietnews corpus, those hops cost more context switches than
//! the cleaning itself.

use std::io::Read;

use sha2::{Digest, Sha256};
use tracing::warn;

use super::fd::{self, OpenError};
use super::Candidate;

/// At most this much is reserved up front from a file's stated size; the rest grows
/// as bytes actually arrive (a sparse or lying file cannot make us allocate its size).
const MAX_PREALLOC: u64 = 16 << 20;

/// What reading a file gave.
#[derive(Debug)]
pub enum ReadResult {
    /// The bytes and their hex SHA-256.
    Bytes { bytes: Vec<u8>, sha256: String },
    /// The file cannot be used; the reason names what to do.
    Unusable { sha256: Option<String>, reason: String },
    /// The file disappeared, or its name now refers to something that is not an
    /// input file, between discovery and reading: not an input any more (the next
    /// scan applies the discovery rules to whatever is there now).
    Vanished,
}

/// Reads `c.path`, refusing files larger than `max_size` without reading them.
/// Updates `c.key`'s size and mtime and sets `c.file_id` from the descriptor read.
pub fn read(c: &mut Candidate, max_size: u64) -> ReadResult {
    let file = match fd::open_input(&c.path, &c.root, c.via_link) {
        Ok(f) => f,
        Err(OpenError::Changed(why)) => {
            warn!(path = %c.path.display(), reason = %why, "file changed between discovery and reading; skipped");
            return ReadResult::Vanished;
        }
        Err(OpenError::Io(e)) => return unusable(format!("cannot open file: {e}")),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return unusable(format!("cannot stat file: {e}")),
    };
    let fresh = super::file_key(&c.path, &meta);
    c.key.size = fresh.size;
    c.key.mtime_ns = fresh.mtime_ns;
    c.key.access = fresh.access;
    c.file_id = Some(fd::identity(&meta));
    if meta.len() > max_size {
        return unusable(format!(
            "file too large: {} bytes, limit {max_size} (input.max_file_size)",
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_PREALLOC) as usize);
    // Read at most one byte past the limit, in case the file grew since the stat.
    if let Err(e) = file.take(max_size.saturating_add(1)).read_to_end(&mut bytes) {
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
