//! Ledger queries the daemon needs (`news-ingest watch`).

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::store::{FileKey, Status};

impl SqliteStore {
    /// The recorded fate of this path with this size and mtime, if any: the daemon
    /// uses it to finish the post-commit move of a file whose move was interrupted.
    pub fn status_unchanged(&self, key: &FileKey) -> Result<Option<Status>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT status FROM sources s WHERE path_bytes = ?1 AND size = ?2 AND mtime_ns = ?3
               AND NOT EXISTS (SELECT 1 FROM source_access a WHERE a.source_id = s.id AND a.stamp <> ?4)
             ORDER BY id DESC LIMIT 1",
        )?;
        let status: Option<String> = stmt
            .query_row(params![key.path_bytes, key.size as i64, key.mtime_ns, key.access], |r| r.get(0))
            .optional()?;
        Ok(status.and_then(|s| Status::parse(&s)))
    }
}
