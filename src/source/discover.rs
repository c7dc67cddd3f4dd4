//! Discovery: walk files and directories in a deterministic order, keep the files the
//! include/exclude patterns select, and skip those the ledger already has unchanged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use tracing::{debug, warn};
use walkdir::WalkDir;

use super::Candidate;
use crate::config::InputConfig;

/// Which file names are input.
#[derive(Debug, Clone)]
pub struct Filter {
    include: GlobSet,
    exclude: GlobSet,
}

impl Filter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter> {
        Ok(Filter { include: build(include, "input.include")?, exclude: build(exclude, "input.exclude")? })
    }

    pub fn from_config(input: &InputConfig) -> Result<Filter> {
        Filter::new(&input.include, &input.exclude)
    }

    /// True when a file with this name is input.
    pub fn accepts(&self, name: &std::ffi::OsStr) -> bool {
        self.include.is_match(name) && !self.exclude.is_match(name)
    }

    /// True when a directory with this name should not be entered (e.g. `.git`).
    pub fn skips_dir(&self, name: &std::ffi::OsStr) -> bool {
        self.exclude.is_match(name)
    }
}

fn build(patterns: &[String], key: &str) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).with_context(|| format!("bad glob pattern {p:?} in {key}"))?);
    }
    Ok(b.build()?)
}

/// Checks that every path exists before any work starts: a mistyped path is a user
/// error to report, not an empty run.
pub fn check_roots(roots: &[PathBuf]) -> Result<()> {
    for root in roots {
        if let Err(e) = std::fs::metadata(root) {
            bail!("cannot read input path {}: {e}", root.display());
        }
    }
    Ok(())
}

/// Walks `roots` and calls `found` for every input file, in a deterministic order
/// (roots in the order given, then by file name). Returns early when `found` returns
/// `false` (the receiver went away).
///
/// Symbolic links are not followed into directories (no loops); a link to a file is
/// taken only when the file lies inside the same root.
///
/// Returns how many entries could not be listed or examined (an unreadable
/// directory, a path longer than the system allows): files under them were not seen,
/// which the caller must report rather than pretend the run was complete.
pub fn walk(roots: &[PathBuf], filter: &Filter, mut found: impl FnMut(Candidate) -> bool) -> u64 {
    let mut unlisted = 0u64;
    for root in roots {
        // Walk the resolved root: every candidate path is then the canonical root
        // joined with the path below it, however the root was typed (`in`, `./in`,
        // `/abs/in`, `.` from inside it), which is the ledger's identity of the file.
        let canonical_root = super::resolve_root(root);
        let shared_root: Arc<Path> = Arc::from(canonical_root.as_path());
        let explicit_file = canonical_root.is_file();
        let walker = WalkDir::new(&canonical_root).follow_links(false).sort_by_file_name().into_iter();
        let walker = walker
            .filter_entry(|e| e.depth() == 0 || !e.file_type().is_dir() || !filter.skips_dir(e.file_name()));
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    unlisted += 1;
                    warn!(path = %e.path().map_or_else(|| root.display().to_string(), |p| p.display().to_string()), error = %e, "cannot list directory entry; skipped");
                    continue;
                }
            };
            let path = entry.path();
            let ft = entry.file_type();
            // A file named on the command line is taken whatever its name.
            let named_on_command_line = explicit_file && entry.depth() == 0;
            if !named_on_command_line && !filter.accepts(entry.file_name()) {
                continue;
            }
            let via_link = ft.is_symlink();
            let meta = if via_link {
                match resolve_link(path, &canonical_root) {
                    Some(m) => m,
                    None => continue,
                }
            } else if ft.is_file() {
                match entry.metadata() {
                    Ok(m) => m,
                    Err(e) => {
                        unlisted += 1;
                        warn!(path = %path.display(), error = %e, "cannot stat file; skipped");
                        continue;
                    }
                }
            } else {
                continue;
            };
            let mut c = Candidate::new(path.to_path_buf(), &meta, Arc::clone(&shared_root));
            c.via_link = via_link;
            if !found(c) {
                return unlisted;
            }
        }
    }
    unlisted
}

/// Follows a symlink to a regular file inside `root`; anything else is skipped.
fn resolve_link(path: &Path, root: &Path) -> Option<std::fs::Metadata> {
    let target = match std::fs::canonicalize(path) {
        Ok(t) => t,
        Err(e) => {
            debug!(path = %path.display(), error = %e, "dangling or looping symlink; skipped");
            return None;
        }
    };
    if !target.starts_with(root) {
        warn!(path = %path.display(), target = %target.display(), "symlink points outside the input root; skipped");
        return None;
    }
    std::fs::metadata(&target).ok().filter(|m| m.is_file())
}
