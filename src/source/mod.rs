//! Sources: where input files come from.
//!
//! [`discover`] walks paths once (the batch job and the daemon's rescans), [`read`]
//! turns a discovered file into bytes with a size limit. Both report every file they
//! cannot use with a reason instead of stopping.

pub mod discover;
pub mod read;
pub mod watch;

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::store::FileKey;

/// A file found by a source, not yet read.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    pub key: FileKey,
}

impl Candidate {
    /// Describes `path` from its metadata.
    pub fn new(path: PathBuf, meta: &std::fs::Metadata) -> Candidate {
        let key = file_key(&path, meta);
        Candidate { path, key }
    }
}

/// The ledger identity of a file: its path (raw bytes and display form), size, mtime.
pub fn file_key(path: &Path, meta: &std::fs::Metadata) -> FileKey {
    use std::os::unix::ffi::OsStrExt;
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64);
    FileKey {
        path: path.to_string_lossy().into_owned(),
        path_bytes: path.as_os_str().as_bytes().to_vec(),
        size: meta.len(),
        mtime_ns,
    }
}
