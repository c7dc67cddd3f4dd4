//! Sources: where input files come from.
//!
//! [`discover`] walks paths once (the batch job and the daemon's rescans), [`read`]
//! turns a discovered file into bytes with a size limit, through one descriptor
//! ([`fd`]). Both report every file they cannot use with a reason instead of stopping.

pub mod discover;
pub mod fd;
pub mod read;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use crate::store::FileKey;

/// A file found by a source, not yet read.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The canonical path: the resolved root joined with the path below it, so the
    /// ledger's identity does not depend on how the root was typed or where the
    /// command started.
    pub path: PathBuf,
    pub key: FileKey,
    /// The resolved root the file was found under: reading refuses a descriptor
    /// that does not lie below it.
    pub root: Arc<Path>,
    /// Discovery accepted a symlink (to a file inside the root) at this path, so the
    /// final component may be followed when opening.
    pub via_link: bool,
    /// Device and inode of the file that was read (set by [`read::read`]): a
    /// post-commit move or delete acts only on this same file.
    pub file_id: Option<(u64, u64)>,
}

impl Candidate {
    /// Describes `path` (found under the resolved `root`) from its metadata.
    pub fn new(path: PathBuf, meta: &std::fs::Metadata, root: Arc<Path>) -> Candidate {
        let key = file_key(&path, meta);
        Candidate { path, key, root, via_link: false, file_id: None }
    }
}

/// The ledger identity of a file: its path (raw bytes and display form), size, mtime.
pub fn file_key(path: &Path, meta: &std::fs::Metadata) -> FileKey {
    use std::os::unix::ffi::OsStrExt;
    FileKey {
        path: path.to_string_lossy().into_owned(),
        path_bytes: path.as_os_str().as_bytes().to_vec(),
        size: meta.len(),
        mtime_ns: mtime_ns(meta),
        access: access_stamp(meta),
    }
}

/// Mode bits, uid and gid of a file folded into one number (see `FileKey::access`).
pub fn access_stamp(meta: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    ((i64::from(meta.uid())) << 32) ^ ((i64::from(meta.gid())) << 12) ^ i64::from(meta.mode() & 0o7777)
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

/// `path` made absolute and resolved: the root every candidate path is built on.
pub fn resolve_root(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}
