//! The store contract (`store::contract`) on SQLite: thin over the connection's own
//! methods, plus [`WriteStore::record`], which turns one file's fate into its rows.

use std::path::Path;

use anyhow::{Context, Result};

use super::SqliteStore;
use crate::config::{DatabaseConfig, SearchConfig};
use crate::store::paragraphs;
use crate::store::{
    ArticleRow, Catalog, ClusterHead, Counts, DateRange, Fate, FileKey, NewSource, ParsedQuery, ReadStore,
    Recorded, Revision, SearchOutcome, SourceBrief, SourceRow, Status, StoreStats, WriteStore,
};

impl SqliteStore {
    /// [`SqliteStore::open_writer`] with the `[database]` writer settings applied:
    /// page cache, FTS5 automerge and where WAL checkpoints run.
    pub fn open_configured_writer(path: &Path, cfg: &DatabaseConfig) -> Result<SqliteStore> {
        let mut store =
            SqliteStore::open_writer(path, std::time::Duration::from_millis(cfg.busy_timeout_ms))?;
        store.set_cache_mib(cfg.writer_cache_mib)?;
        store.set_fts_automerge(cfg.fts_automerge).with_context(|| {
            format!("cannot configure the full-text index of database {}", path.display())
        })?;
        if cfg.background_checkpoint {
            if let Err(e) = store.checkpoint_in_background(cfg.checkpoint_pages) {
                // Slower, not wrong: the writer checkpoints as SQLite does by default.
                tracing::warn!(error = %format!("{e:#}"), "background checkpoints unavailable; the writer checkpoints itself");
                store.checkpoint_inline(cfg.checkpoint_pages)?;
            }
        } else {
            store.checkpoint_inline(cfg.checkpoint_pages)?;
        }
        Ok(store)
    }
}

impl Catalog for SqliteStore {
    fn fate_of_bytes(&self, file_sha256: &str) -> Result<Option<(Option<i64>, Option<String>)>> {
        SqliteStore::fate_of_bytes(self, file_sha256)
    }

    fn article_by_content(&self, content_sha256: &str) -> Result<Option<i64>> {
        SqliteStore::article_by_content(self, content_sha256)
    }

    fn article_with_text_from(&self, path_bytes: &[u8]) -> Result<Option<i64>> {
        SqliteStore::article_with_text_from(self, path_bytes)
    }

    fn article_paragraphs(&self, id: i64) -> Result<Option<Vec<String>>> {
        Ok(self.article_body(id)?.map(|b| paragraphs(&b)))
    }

    fn signature(&self, id: i64) -> Result<Option<(usize, Vec<u8>)>> {
        SqliteStore::signature(self, id)
    }

    fn member_paragraphs(&self, id: i64, limit: usize) -> Result<Vec<Vec<String>>> {
        Ok(self.member_bodies(id, limit)?.iter().map(|b| paragraphs(b)).collect())
    }
}

impl WriteStore for SqliteStore {
    fn location(&self) -> String {
        self.path().display().to_string()
    }

    fn as_catalog(&self) -> &dyn Catalog {
        self
    }

    fn begin(&mut self) -> Result<()> {
        SqliteStore::begin(self)
    }

    fn commit(&mut self) -> Result<()> {
        SqliteStore::commit(self)
    }

    fn rollback(&mut self) {
        SqliteStore::rollback(self)
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        SqliteStore::meta_get(self, key)
    }

    fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        SqliteStore::meta_set(self, key, value)
    }

    fn seen_same_bytes(&self, key: &FileKey, file_sha256: &str) -> Result<bool> {
        SqliteStore::seen_same_bytes(self, key, file_sha256)
    }

    fn record(&mut self, key: &FileKey, file_sha256: Option<&str>, fate: Fate<'_>) -> Result<Recorded> {
        // An article merged away since the decision: the file goes to the survivor.
        // (One writer holds the database at a time, so this happens only with a
        // decision made before the merge; the lookup is one primary-key read.)
        let fate = match fate.article() {
            Some(id) if !self.article_exists(id)? => match self.merged_into(id)? {
                Some(into) => fate.onto(into),
                None => fate,
            },
            _ => fate,
        };
        let source = |status, article_id, evidence: Option<crate::store::NearEvidence>, error| NewSource {
            key,
            file_sha256,
            status,
            article_id,
            similarity: match status {
                Status::Duplicate => Some(1.0),
                _ => evidence.map(|e| e.similarity()),
            },
            evidence,
            error,
        };
        let (status, article_id, source_id) = match fate {
            Fate::Rejected { reason } => (
                Status::Rejected,
                None,
                self.insert_source(&source(Status::Rejected, None, None, Some(reason)))?,
            ),
            Fate::Duplicate { article_id } => (
                Status::Duplicate,
                article_id,
                self.insert_source(&source(Status::Duplicate, article_id, None, None))?,
            ),
            Fate::Stored { text } => {
                let id = self.insert_article(text.doc, text.content_sha256)?;
                self.insert_fingerprint(id, text.fingerprint)?;
                self.insert_signature(id, text.shingles, text.signature)?;
                (Status::Stored, Some(id), self.insert_source(&source(Status::Stored, Some(id), None, None))?)
            }
            Fate::Member { article_id, evidence, body, fingerprint, .. } => {
                let sid = self.insert_source(&source(
                    Status::NearDuplicate,
                    Some(article_id),
                    Some(evidence),
                    None,
                ))?;
                self.insert_member(article_id, Some(sid), &body.join("\n\n"), fingerprint)?;
                (Status::NearDuplicate, Some(article_id), sid)
            }
            Fate::Replaced { article_id, status, evidence, text, reason } => {
                let sid = self.insert_source(&source(status, Some(article_id), Some(evidence), None))?;
                let old_fp = self.fingerprint(article_id)?;
                let old_body = self.article_body(article_id)?;
                self.replace_article_text(article_id, text.doc, text.content_sha256, sid, reason)?;
                self.update_fingerprint(article_id, text.fingerprint, text.shingles, text.signature)?;
                // The old text stays findable: copies of it still reach the article.
                if let (Some(old_fp), Some(old_body)) = (old_fp, old_body) {
                    self.insert_member(article_id, None, &old_body, &old_fp)?;
                }
                (status, Some(article_id), sid)
            }
        };
        Ok(Recorded { status, article_id, source_id, recorded_elsewhere: false })
    }

    fn for_each_index_entry(&self, f: &mut dyn FnMut(i64, &[u8])) -> Result<()> {
        self.for_each_fingerprint(&mut *f)?;
        self.for_each_member_fingerprint(f)
    }

    fn fingerprinted_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Option<Vec<u8>>)>> {
        SqliteStore::fingerprinted_after(self, after, limit)
    }

    fn set_fingerprint(&self, article_id: i64, data: &[u8], _keys: &[u32]) -> Result<()> {
        // The in-memory index is loaded from the stored forms: no band table here.
        SqliteStore::set_fingerprint(self, article_id, data)
    }

    fn update_fingerprint(
        &self,
        article_id: i64,
        data: &[u8],
        shingles: usize,
        signature: &[u8],
    ) -> Result<()> {
        SqliteStore::update_fingerprint(self, article_id, data, shingles, signature)
    }

    fn members_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Vec<String>)>> {
        Ok(SqliteStore::members_after(self, after, limit)?
            .into_iter()
            .map(|(id, b)| (id, paragraphs(&b)))
            .collect())
    }

    fn merge_articles(&mut self, into: i64, from: i64, evidence: crate::store::NearEvidence) -> Result<bool> {
        SqliteStore::merge_articles(self, into, from, &evidence)
    }

    fn set_member_fingerprint(&self, member_id: i64, data: &[u8], _keys: &[u32]) -> Result<()> {
        SqliteStore::set_member_fingerprint(self, member_id, data)
    }

    fn restore_previous_text(
        &mut self,
        id: i64,
        index: &mut dyn FnMut(&[String]) -> crate::store::IndexForm,
    ) -> Result<bool> {
        SqliteStore::restore_previous_text(self, id, index)
    }

    fn take_member_text(
        &mut self,
        id: i64,
        body: &[String],
        content_sha256: &str,
        form: &crate::store::IndexForm,
    ) -> Result<bool> {
        SqliteStore::take_member_text(self, id, body, content_sha256, form)
    }

    fn forget_path(&self, path: &str) -> Result<(u64, u64)> {
        SqliteStore::forget_path(self, path)
    }

    fn forget_status(&self, status: Status) -> Result<u64> {
        SqliteStore::forget_status(self, status)
    }

    fn delete_article(&self, id: i64) -> Result<Option<u64>> {
        SqliteStore::delete_article(self, id)
    }

    fn reindex(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64> {
        SqliteStore::reindex(self, progress)
    }

    fn background_checkpoints(&self) -> Option<u64> {
        SqliteStore::background_checkpoints(self)
    }
}

impl ReadStore for SqliteStore {
    fn location(&self) -> String {
        self.path().display().to_string()
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        SqliteStore::meta_get(self, key)
    }

    fn seen_unchanged(&self, key: &FileKey) -> Result<bool> {
        SqliteStore::seen_unchanged(self, key)
    }

    fn status_unchanged(&self, key: &FileKey) -> Result<Option<Status>> {
        SqliteStore::status_unchanged(self, key)
    }

    fn max_source_id(&self) -> Result<i64> {
        SqliteStore::max_source_id(self)
    }

    fn rejected_since(&self, after: i64, limit: usize) -> Result<(Vec<(String, String)>, u64)> {
        SqliteStore::rejected_since(self, after, limit)
    }

    fn for_each_source(
        &self,
        status: Option<Status>,
        f: &mut dyn FnMut(&SourceRow) -> Result<()>,
    ) -> Result<()> {
        SqliteStore::for_each_source(self, status, f)
    }

    fn counts(&self) -> Result<Counts> {
        SqliteStore::counts(self)
    }

    fn rejection_reasons(&self) -> Result<Vec<(String, u64)>> {
        SqliteStore::rejection_reasons(self)
    }

    fn store_stats(&self, days: u32) -> Result<StoreStats> {
        SqliteStore::store_stats(self, days)
    }

    fn search(
        &self,
        query: &ParsedQuery,
        dates: &DateRange,
        limit: usize,
        limits: &SearchConfig,
    ) -> Result<SearchOutcome> {
        self.search_with(query, dates, limit, limits)
    }

    fn article(&self, id: i64) -> Result<Option<ArticleRow>> {
        SqliteStore::article(self, id)
    }

    fn article_paragraphs(&self, id: i64) -> Result<Option<Vec<String>>> {
        Ok(self.article_body(id)?.map(|b| paragraphs(&b)))
    }

    fn sources_of(&self, article_id: i64) -> Result<Vec<SourceRow>> {
        SqliteStore::sources_of(self, article_id)
    }

    fn revisions(&self, id: i64) -> Result<Vec<Revision>> {
        SqliteStore::revisions(self, id)
    }

    fn merged_into(&self, id: i64) -> Result<Option<i64>> {
        // Readers do not migrate: a database older than the redirects has none.
        if !self.has_table("article_merges")? {
            return Ok(None);
        }
        SqliteStore::merged_into(self, id)
    }

    fn for_each_cluster(
        &self,
        min_size: u64,
        f: &mut dyn FnMut(&ClusterHead, &[SourceRow]) -> Result<()>,
    ) -> Result<()> {
        SqliteStore::for_each_cluster(self, min_size, f)
    }

    fn for_each_article(
        &self,
        dates: &DateRange,
        f: &mut dyn FnMut(&ArticleRow, &[SourceBrief]) -> Result<()>,
    ) -> Result<()> {
        SqliteStore::for_each_article(self, dates, f)
    }
}
