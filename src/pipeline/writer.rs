//! The sink stage: the single writer that owns the database connection.
//!
//! It makes the dedup decision for each file (the decision needs what was written
//! before it, including this batch's uncommitted rows), writes the article and the
//! file's ledger row in the same transaction, and commits in batches by count (here)
//! and by time (a `Tick` message from the pipeline).

use std::path::PathBuf;

use anyhow::{Context, Result};
use tokio::sync::mpsc;
use tracing::{debug, info};

use super::process::Cleaned;
use super::summary::Summary;
use crate::source::Candidate;
use crate::store::{NewSource, SqliteStore, Status};

/// What the transform stage hands the writer for one file.
#[derive(Debug)]
pub enum Prepared {
    /// Read and cleaned: an article to deduplicate and store.
    Article { candidate: Candidate, file_sha256: String, cleaned: Cleaned },
    /// Not usable: record it as rejected with the reason.
    Rejected { candidate: Candidate, file_sha256: Option<String>, reason: String },
    /// Gone before it could be read: nothing to record.
    Vanished { candidate: Candidate },
}

/// A message to the writer.
#[derive(Debug)]
pub enum WriterMsg {
    File(Box<Prepared>),
    /// Commit what is pending (sent every `batch_interval_ms`).
    Tick,
}

/// A file whose fate is committed, for sources that act after the commit (the
/// daemon's move-to-done).
#[derive(Debug, Clone)]
pub struct Committed {
    pub path: PathBuf,
    pub status: Status,
}

pub struct Writer {
    store: SqliteStore,
    batch_size: usize,
    pending: Vec<Committed>,
    on_commit: Option<mpsc::Sender<Committed>>,
    summary: Summary,
    progress: indicatif::ProgressBar,
}

impl Writer {
    pub fn new(
        store: SqliteStore,
        batch_size: usize,
        on_commit: Option<mpsc::Sender<Committed>>,
        progress: indicatif::ProgressBar,
    ) -> Writer {
        Writer { store, batch_size, pending: Vec::new(), on_commit, summary: Summary::default(), progress }
    }

    /// Consumes messages until every sender is gone, then commits and reports.
    /// A database error rolls the open batch back and ends the run with the error:
    /// none of that batch is recorded, so those files are read again next time.
    pub fn run(mut self, mut rx: mpsc::Receiver<WriterMsg>) -> Result<Summary> {
        while let Some(msg) = rx.blocking_recv() {
            let result = match msg {
                WriterMsg::File(p) => self.handle(*p),
                WriterMsg::Tick => self.commit(),
            };
            if let Err(e) = result {
                self.store.rollback();
                let db = self.store.path().display().to_string();
                if format!("{e:#}").contains(&db) {
                    return Err(e);
                }
                return Err(
                    e.context(format!("writing to database {db} failed; the open batch was rolled back"))
                );
            }
        }
        self.commit()?;
        self.progress.finish_and_clear();
        Ok(self.summary)
    }

    fn handle(&mut self, p: Prepared) -> Result<()> {
        let (candidate, status) = match p {
            Prepared::Vanished { candidate } => {
                info!(path = %candidate.path.display(), "file disappeared before it was read; skipped");
                self.summary.vanished += 1;
                return Ok(());
            }
            Prepared::Rejected { candidate, file_sha256, reason } => {
                self.store.begin()?;
                if let Some(sha) = &file_sha256 {
                    if self.store.seen_same_bytes(&candidate.key, sha)? {
                        self.summary.unchanged += 1;
                        return Ok(());
                    }
                }
                self.reject(&candidate, file_sha256.as_deref(), &reason)?;
                (candidate, Status::Rejected)
            }
            Prepared::Article { candidate, file_sha256, cleaned } => {
                self.store.begin()?;
                if self.store.seen_same_bytes(&candidate.key, &file_sha256)? {
                    self.summary.unchanged += 1;
                    return Ok(());
                }
                let status = self.decide(&candidate, &file_sha256, &cleaned)?;
                (candidate, status)
            }
        };
        self.summary.count(status);
        self.progress.inc(1);
        self.progress.set_message(self.summary.short());
        self.pending.push(Committed { path: candidate.path, status });
        if self.pending.len() >= self.batch_size {
            self.commit()?;
        }
        Ok(())
    }

    fn reject(&mut self, c: &Candidate, file_sha256: Option<&str>, reason: &str) -> Result<()> {
        info!(path = %c.path.display(), reason, "rejected");
        self.store.insert_source(&NewSource {
            key: &c.key,
            file_sha256,
            status: Status::Rejected,
            article_id: None,
            similarity: None,
            evidence: None,
            error: Some(reason),
        })?;
        Ok(())
    }

    /// Exact duplicate by bytes, then by normalised body; otherwise a new article.
    fn decide(&mut self, c: &Candidate, file_sha256: &str, cleaned: &Cleaned) -> Result<Status> {
        if let Some((article_id, error)) = self.store.fate_of_bytes(file_sha256)? {
            if article_id.is_none() {
                let reason = error.unwrap_or_else(|| "rejected".to_string());
                self.reject(c, Some(file_sha256), &reason)?;
                return Ok(Status::Rejected);
            }
            return self.duplicate(c, file_sha256, article_id);
        }
        if let Some(id) = self.store.article_by_content(&cleaned.content_sha256)? {
            return self.duplicate(c, file_sha256, Some(id));
        }
        let id = self.store.insert_article(&cleaned.doc, &cleaned.content_sha256)?;
        self.store.insert_source(&NewSource {
            key: &c.key,
            file_sha256: Some(file_sha256),
            status: Status::Stored,
            article_id: Some(id),
            similarity: None,
            evidence: None,
            error: None,
        })?;
        debug!(path = %c.path.display(), article = id, "stored");
        Ok(Status::Stored)
    }

    fn duplicate(&mut self, c: &Candidate, file_sha256: &str, article_id: Option<i64>) -> Result<Status> {
        self.store.insert_source(&NewSource {
            key: &c.key,
            file_sha256: Some(file_sha256),
            status: Status::Duplicate,
            article_id,
            similarity: Some(1.0),
            evidence: None,
            error: None,
        })?;
        debug!(path = %c.path.display(), article = ?article_id, "exact duplicate");
        Ok(Status::Duplicate)
    }

    fn commit(&mut self) -> Result<()> {
        self.store.commit().context("commit failed; the batch was rolled back")?;
        if let Some(tx) = &self.on_commit {
            for c in self.pending.drain(..) {
                // The receiver may be gone during shutdown; the commit stands anyway.
                let _ = tx.blocking_send(c);
            }
        }
        self.pending.clear();
        Ok(())
    }
}
