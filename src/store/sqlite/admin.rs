//! Listing and correcting the ledger: `sources`, `forget`, `delete`, and the rejected
//! files of a run.

use anyhow::{bail, Result};
use rusqlite::params;

use super::SqliteStore;
use crate::store::{SourceRow, Status};

impl SqliteStore {
    /// The highest `sources.id` so far (0 for none): files recorded after it are new.
    pub fn max_source_id(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COALESCE(max(id), 0) FROM sources", [], |r| r.get(0))?)
    }

    /// The first `limit` files rejected after source id `after` (path, reason) and
    /// how many there are in all.
    pub fn rejected_since(&self, after: i64, limit: usize) -> Result<(Vec<(String, String)>, u64)> {
        let total: i64 = self.conn.query_row(
            "SELECT count(*) FROM sources WHERE id > ?1 AND status = 'rejected'",
            [after],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT path, COALESCE(error, '') FROM sources WHERE id > ?1 AND status = 'rejected'
             ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total.max(0) as u64))
    }

    /// Every ledger row (optionally of one status) in id order, one at a time.
    pub fn for_each_source(
        &self,
        status: Option<Status>,
        mut f: impl FnMut(&SourceRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT id, path, file_sha256, status, article_id, similarity, jaccard, containment,
                    shared_shingles, error, processed_at
             FROM sources WHERE ?1 IS NULL OR status = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([status.map(Status::as_str)])?;
        while let Some(r) = rows.next()? {
            f(&super::source_from_row(r)?)?;
        }
        Ok(())
    }

    /// Removes the ledger rows of files recorded under `path` (as recorded), so the
    /// next `run` or rescan reads them again. Rows of files that became an article
    /// (`stored`) are kept: removing one would leave an article without its file
    /// (`delete ID` removes the article). Returns (removed, kept because stored).
    pub fn forget_path(&self, path: &str) -> Result<(u64, u64)> {
        let kept: i64 = self.conn.query_row(
            "SELECT count(*) FROM sources WHERE path = ?1 AND status = 'stored'",
            [path],
            |r| r.get(0),
        )?;
        let n = self.conn.execute("DELETE FROM sources WHERE path = ?1 AND status <> 'stored'", [path])?;
        Ok((n as u64, kept.max(0) as u64))
    }

    /// Removes every ledger row of one status (not `stored`; see [`Self::forget_path`]).
    pub fn forget_status(&self, status: Status) -> Result<u64> {
        if status == Status::Stored {
            bail!("stored files are the articles' own records: use `news-ingest delete ID` to remove an article");
        }
        Ok(self.conn.execute("DELETE FROM sources WHERE status = ?1", [status.as_str()])? as u64)
    }

    /// Deletes an article with everything tied to it. The schema's triggers remove its
    /// full-text rows, fingerprint, signature and the ledger rows of its files (the
    /// original and its copies), so a hand-written `DELETE FROM articles` does the
    /// same. Returns the number of files that pointed at it, or `None` for an unknown id.
    pub fn delete_article(&self, id: i64) -> Result<Option<u64>> {
        let files: i64 =
            self.conn.query_row("SELECT count(*) FROM sources WHERE article_id = ?1", [id], |r| r.get(0))?;
        // The article's text-source link points into the ledger rows the trigger
        // removes: cleared first, so foreign keys hold throughout.
        self.conn.execute("UPDATE articles SET text_source_id = NULL WHERE id = ?1", [id])?;
        let n = self.conn.execute("DELETE FROM articles WHERE id = ?1", [id])?;
        Ok((n > 0).then_some(files.max(0) as u64))
    }
}
