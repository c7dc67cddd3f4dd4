//! The store contract: what the pipeline and the commands may ask of a database,
//! whatever the backend. Written once here; every backend implements it and passes
//! the same test suite (`tests/store_contract.rs`).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{
    ArticleRow, ClusterHead, Counts, DateRange, FileKey, NearEvidence, ParsedQuery, Revision, SearchOutcome,
    SourceBrief, SourceRow, Status, StoreStats,
};
use crate::config::{DatabaseConfig, DedupConfig, SearchConfig};
use crate::Document;

/// Which database a command works on, from `--db`, `NEWS_INGEST_DB` or
/// `database.path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite file (the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL database: `postgresql://user@host:port/dbname` (or `postgres://`;
    /// libpq's `?host=/socket/dir` for a Unix socket).
    Postgres(String),
}

impl Target {
    /// Reads a `--db` value.
    pub fn parse(value: &Path) -> Target {
        match value.to_str() {
            Some(s) if s.starts_with("postgresql://") || s.starts_with("postgres://") => {
                Target::Postgres(s.to_string())
            }
            _ => Target::Sqlite(value.to_path_buf()),
        }
    }

    /// The SQLite file, for commands that work beside it (the daemon's lock, `stats`'
    /// file sizes); `None` for a server database.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Target::Sqlite(p) => Some(p),
            Target::Postgres(_) => None,
        }
    }
}

impl fmt::Display for Target {
    /// The database as named in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sqlite(p) => write!(f, "{}", p.display()),
            Target::Postgres(url) => write!(f, "{}", super::postgres::redact(url)),
        }
    }
}

/// Opens a database for reading (works while a writer runs).
pub fn open_reader(target: &Target, cfg: &DatabaseConfig) -> Result<Box<dyn ReadStore>> {
    match target {
        Target::Sqlite(path) => Ok(Box::new(super::SqliteStore::open_reader(
            path,
            std::time::Duration::from_millis(cfg.busy_timeout_ms),
        )?)),
        Target::Postgres(url) => Ok(Box::new(super::postgres::PgStore::open_reader(url, cfg)?)),
    }
}

/// Opens (creating and migrating if needed) a database for writing, with the
/// configured writer settings.
pub fn open_writer(target: &Target, cfg: &DatabaseConfig) -> Result<Box<dyn WriteStore>> {
    match target {
        Target::Sqlite(path) => Ok(Box::new(super::SqliteStore::open_configured_writer(path, cfg)?)),
        Target::Postgres(url) => Ok(Box::new(super::postgres::PgStore::open_writer(url, cfg)?)),
    }
}

/// Copies an SQLite database into an empty PostgreSQL one (`news-ingest migrate`).
pub fn migrate(
    from: &Target,
    to: &Target,
    cfg: &DatabaseConfig,
    dedup: &DedupConfig,
) -> Result<super::Moved> {
    match (from, to) {
        (Target::Sqlite(path), Target::Postgres(url)) => {
            if !path.exists() {
                anyhow::bail!("database {} does not exist", path.display());
            }
            super::migrate::sqlite_to_postgres(path, url, cfg, dedup)
        }
        _ => anyhow::bail!(
            "migrate copies an SQLite file into a PostgreSQL database: --from FILE --to postgresql://… (got {from} to {to})"
        ),
    }
}

/// The text of a new article, or the new text of an existing one.
#[derive(Debug, Clone, Copy)]
pub struct NewText<'a> {
    pub doc: &'a Document,
    pub content_sha256: &'a str,
    /// The near-duplicate index entry (`NearDupIndex::persisted_form`) and the band
    /// keys it holds (a shared store indexes and locks on them).
    pub fingerprint: &'a [u8],
    pub keys: &'a [u32],
    /// Shingle count and MinHash signature bytes (the verification prefilter).
    pub shingles: usize,
    pub signature: &'a [u8],
}

/// A text's near-duplicate index entry and verification signature, as in
/// [`NewText`] (for a text the store already holds).
#[derive(Debug, Clone, Default)]
pub struct IndexForm {
    pub fingerprint: Vec<u8>,
    pub keys: Vec<u32>,
    pub shingles: usize,
    pub signature: Vec<u8>,
}

/// One input file's fate, with everything that commits with it.
#[derive(Debug, Clone, Copy)]
pub enum Fate<'a> {
    /// Not an article (or bytes already rejected elsewhere): `reason` says why.
    Rejected { reason: &'a str },
    /// Same bytes or same normalised body as `article_id` (`None`: the same bytes
    /// were recorded before without an article).
    Duplicate { article_id: Option<i64> },
    /// A new article.
    Stored { text: NewText<'a> },
    /// A near copy of `article_id` that keeps the article's text: the copy is kept as
    /// one of the article's members (body and index entry), so copies of it find it.
    Member {
        article_id: i64,
        evidence: NearEvidence,
        body: &'a [String],
        fingerprint: &'a [u8],
        keys: &'a [u32],
    },
    /// A near copy (`status` = `NearDuplicate`, the fullest text wins) or a new version
    /// of the file the text came from (`Updated`) whose text becomes the article's:
    /// the old text becomes a revision (with `reason`) and a member.
    Replaced { article_id: i64, status: Status, evidence: NearEvidence, text: NewText<'a>, reason: &'a str },
}

impl<'a> Fate<'a> {
    /// The existing article this fate adds the file to (`Stored` makes one).
    pub fn article(&self) -> Option<i64> {
        match *self {
            Fate::Duplicate { article_id } => article_id,
            Fate::Member { article_id, .. } | Fate::Replaced { article_id, .. } => Some(article_id),
            Fate::Rejected { .. } | Fate::Stored { .. } => None,
        }
    }

    /// The same fate on article `id` (the one its article was merged into). A text
    /// that was to replace the merged article's becomes a member of `id`: it was judged
    /// fuller than the merged article's text, not than `id`'s, and the fullest text of
    /// `id` is kept.
    pub fn onto(self, id: i64) -> Fate<'a> {
        match self {
            Fate::Duplicate { .. } => Fate::Duplicate { article_id: Some(id) },
            Fate::Member { evidence, body, fingerprint, keys, .. } => {
                Fate::Member { article_id: id, evidence, body, fingerprint, keys }
            }
            Fate::Replaced { evidence, text, .. } => Fate::Member {
                article_id: id,
                evidence,
                body: &text.doc.body,
                fingerprint: text.fingerprint,
                keys: text.keys,
            },
            other => other,
        }
    }
}

/// What [`WriteStore::record`] recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The recorded status: as asked, except that a backend shared by several writers
    /// may find that another writer stored the same body first (`Stored` becomes
    /// `Duplicate`).
    pub status: Status,
    pub article_id: Option<i64>,
    /// The file's ledger row.
    pub source_id: i64,
    /// Nothing was recorded: another writer recorded this file (same path, same
    /// bytes) first, e.g. after this worker's claim on it ran out (`status` and
    /// `article_id` are then meaningless).
    pub recorded_elsewhere: bool,
}

/// The lookups of the dedup decision (`dedup::decide`). Inside a writer they read
/// the open batch, uncommitted rows included.
pub trait Catalog {
    /// The fate of the same raw bytes seen under any path: `Some((article, error))`.
    fn fate_of_bytes(&self, file_sha256: &str) -> Result<Option<(Option<i64>, Option<String>)>>;
    /// The article whose normalised body has this hash.
    fn article_by_content(&self, content_sha256: &str) -> Result<Option<i64>>;
    /// The article whose text came from an earlier version of this path.
    fn article_with_text_from(&self, path_bytes: &[u8]) -> Result<Option<i64>>;
    /// An article's paragraphs.
    fn article_paragraphs(&self, id: i64) -> Result<Option<Vec<String>>>;
    /// A canonical article's shingle count and signature bytes, if stored.
    fn signature(&self, id: i64) -> Result<Option<(usize, Vec<u8>)>>;
    /// The newest `limit` member texts of an article, as paragraphs.
    fn member_paragraphs(&self, id: i64, limit: usize) -> Result<Vec<Vec<String>>>;
}

/// The writing side of a store. One writer per process; the backend says whether
/// several may share a database.
pub trait WriteStore: Catalog + Send {
    /// The database as named in messages.
    fn location(&self) -> String;
    /// This store's dedup lookups (inside the open batch).
    fn as_catalog(&self) -> &dyn Catalog;

    /// Starts a batch unless one is open.
    fn begin(&mut self) -> Result<()>;
    /// Commits the open batch (no-op without one).
    fn commit(&mut self) -> Result<()>;
    /// Rolls the open batch back (no-op without one); never fails.
    fn rollback(&mut self);

    fn meta_get(&self, key: &str) -> Result<Option<String>>;
    fn meta_set(&self, key: &str, value: &str) -> Result<()>;

    /// Whether this path was recorded with these bytes (size, mtime or not).
    fn seen_same_bytes(&self, key: &FileKey, file_sha256: &str) -> Result<bool>;

    /// Records one file's fate (`file_sha256`: `None` when it could not be read) in
    /// the open batch, with the article rows, index rows and revisions it implies.
    ///
    /// A fate naming an article that a merge has removed (another writer of a shared
    /// store merged it away after this writer's decision) lands on the article it was
    /// merged into (`article_merges`), as [`Fate::onto`] says; `Recorded::article_id`
    /// names that article.
    fn record(&mut self, key: &FileKey, file_sha256: Option<&str>, fate: Fate<'_>) -> Result<Recorded>;

    /// Every stored index entry, `(article id, persisted fingerprint)`: articles
    /// first, then members (the index rebuild at start-up).
    fn for_each_index_entry(&self, f: &mut dyn FnMut(i64, &[u8])) -> Result<()>;

    // ---- re-banding (`pipeline::writer::check_dedup_params`) ----
    /// Up to `limit` indexed articles with ids above `after`, with their signatures.
    fn fingerprinted_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Option<Vec<u8>>)>>;
    /// Replaces the band keys of an article's current text (re-banding): its stored
    /// form `data`, and where the store keeps a shared band table (PostgreSQL), the
    /// text's index entry under `keys`.
    fn set_fingerprint(&self, article_id: i64, data: &[u8], keys: &[u32]) -> Result<()>;
    /// Replaces an article's index entry and signature.
    fn update_fingerprint(
        &self,
        article_id: i64,
        data: &[u8],
        shingles: usize,
        signature: &[u8],
    ) -> Result<()>;
    /// Up to `limit` members with ids above `after`: (member id, paragraphs).
    fn members_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Vec<String>)>>;
    /// Replaces a member's band keys (as [`Self::set_fingerprint`] for a member).
    fn set_member_fingerprint(&self, member_id: i64, data: &[u8], keys: &[u32]) -> Result<()>;

    /// Merges article `from` into `into`, in the open batch (`dedup.merge_articles`:
    /// one story that arrived as two articles). `from`'s files, members and
    /// revisions move to `into`; its text becomes a member of `into` (still indexed,
    /// under the file it came from); its first file (`stored`) becomes a near duplicate
    /// of `into` with `evidence`; then `from` is deleted (its search rows with it).
    /// `Ok(false)` when either article is gone (nothing changed).
    fn merge_articles(&mut self, into: i64, from: i64, evidence: NearEvidence) -> Result<bool>;

    /// Gives article `id` back the text it had before its current text replaced it
    /// as the fuller copy, in the open batch: that text turned out to hold two stories
    /// (a page with the next article glued on; `dedup.glued_min_share`). The revision
    /// the current text's file replaced becomes the article's text again (title,
    /// dates, byline, body, captions, text source) and leaves the history; the current
    /// text becomes a member under its file (still indexed: copies of the page still
    /// find the article). `index(paragraphs)` gives the restored text's index entry
    /// and signature. `Ok(false)`, nothing changed: the current text replaced none
    /// (it is the first-seen file's, or came as an update of its own path), or another
    /// article has the restored text's body.
    fn restore_previous_text(
        &mut self,
        id: i64,
        index: &mut dyn FnMut(&[String]) -> IndexForm,
    ) -> Result<bool>;

    /// Makes member `body` of article `id` the article's text, in the open batch: the
    /// current text turned out to hold two stories and has no earlier text to give back
    /// (a page with the next article glued on that came before the first story's own
    /// copy, which became a member; [`WriteStore::restore_previous_text`] found nothing).
    /// The member's body, `content_sha256`, index entry and signature (`form`) become
    /// the article's, its file the text source; title, dates, byline and captions stay
    /// (the glued page's, which are the first story's: the second is the one glued on);
    /// the current text becomes a member under its file, still indexed. `Ok(false)`,
    /// nothing changed: the article has no such member, or another article has that body.
    fn take_member_text(
        &mut self,
        id: i64,
        body: &[String],
        content_sha256: &str,
        form: &IndexForm,
    ) -> Result<bool>;

    // ---- corrections (`forget`, `delete`, `reindex`) ----
    /// Forgets the ledger rows of a path: (removed, kept because they hold an article).
    fn forget_path(&self, path: &str) -> Result<(u64, u64)>;
    /// Forgets every ledger row with this status (not `stored`).
    fn forget_status(&self, status: Status) -> Result<u64>;
    /// Deletes an article with everything tied to it: `None` when there is none,
    /// else the number of ledger rows removed.
    fn delete_article(&self, id: i64) -> Result<Option<u64>>;
    /// Rebuilds the full-text index; returns the number of articles indexed.
    fn reindex(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64>;

    /// Called before deciding a text with these LSH band keys. A store shared by
    /// several writers locks the keys until the batch ends (two writers never decide
    /// overlapping texts at once, so neither misses the other's article) and returns
    /// the index entries other writers added under them since this writer last
    /// looked, `(article id, persisted fingerprint)`, for the in-memory index.
    /// [`KeyLocks::CommitFirst`]: the keys cannot be taken without risking a
    /// deadlock with another writer; commit the batch and call again.
    fn lock_keys(&mut self, _keys: &[u32]) -> Result<KeyLocks> {
        Ok(KeyLocks::Held(Vec::new()))
    }

    /// Whether the open batch should be committed before the next file (a shared
    /// store bounds the locks one transaction holds).
    fn batch_full(&self) -> bool {
        false
    }

    /// Background WAL checkpoints so far (a progress figure), when the backend has them.
    fn background_checkpoints(&self) -> Option<u64> {
        None
    }
}

/// What [`WriteStore::lock_keys`] did.
#[derive(Debug)]
pub enum KeyLocks {
    /// The keys are locked until the batch ends; the index entries other writers
    /// added under them, `(article id, persisted fingerprint)`.
    Held(Vec<(i64, Vec<u8>)>),
    /// Some keys sort below keys the batch already holds and another writer has
    /// them: waiting could close a cycle, so the batch must commit first (its locks
    /// go), then the keys are taken in order.
    CommitFirst,
}

/// The reading side of a store.
pub trait ReadStore: Send {
    /// The database as named in messages.
    fn location(&self) -> String;
    fn meta_get(&self, key: &str) -> Result<Option<String>>;

    // ---- the ledger, for discovery and the daemon ----
    /// Whether this path was recorded with this size and mtime.
    fn seen_unchanged(&self, key: &FileKey) -> Result<bool>;
    /// The recorded status of this path with this size and mtime.
    fn status_unchanged(&self, key: &FileKey) -> Result<Option<Status>>;
    /// Takes this file for this process before it is read, for `lease`: `false` when
    /// another live worker has it. Stores with one writer always say `true`; a shared
    /// store's claim is settled with the file's ledger row, and a claim whose worker
    /// died is taken over once its lease ends.
    fn claim(&self, _key: &FileKey, _lease: std::time::Duration) -> Result<bool> {
        Ok(true)
    }

    /// Gives up every claim this process holds: called once its pipeline has
    /// drained (shutdown, restart, reload), when none of its files is in flight, so
    /// other workers take those files at once instead of after the lease. Returns
    /// how many claims were released.
    fn release_claims(&self) -> Result<u64> {
        Ok(0)
    }

    /// The newest ledger row id (0 for none).
    fn max_source_id(&self) -> Result<i64>;
    /// Rejected files recorded after ledger row `after`: up to `limit` (path,
    /// reason), and how many there are.
    fn rejected_since(&self, after: i64, limit: usize) -> Result<(Vec<(String, String)>, u64)>;
    /// Every ledger row (with this status), in id order.
    fn for_each_source(
        &self,
        status: Option<Status>,
        f: &mut dyn FnMut(&SourceRow) -> Result<()>,
    ) -> Result<()>;

    // ---- the query commands ----
    fn counts(&self) -> Result<Counts>;
    fn rejection_reasons(&self) -> Result<Vec<(String, u64)>>;
    fn store_stats(&self, days: u32) -> Result<StoreStats>;
    fn search(
        &self,
        query: &ParsedQuery,
        dates: &DateRange,
        limit: usize,
        limits: &SearchConfig,
    ) -> Result<SearchOutcome>;
    fn article(&self, id: i64) -> Result<Option<ArticleRow>>;
    fn article_paragraphs(&self, id: i64) -> Result<Option<Vec<String>>>;
    fn sources_of(&self, article_id: i64) -> Result<Vec<SourceRow>>;
    fn revisions(&self, id: i64) -> Result<Vec<Revision>>;
    /// The live article that article `id` was merged into (`None`: never merged, or
    /// the survivor is gone too).
    fn merged_into(&self, id: i64) -> Result<Option<i64>>;
    /// Clusters of at least `min_size` files, largest first.
    fn for_each_cluster(
        &self,
        min_size: u64,
        f: &mut dyn FnMut(&ClusterHead, &[SourceRow]) -> Result<()>,
    ) -> Result<()>;
    /// Every article in id order (within `dates`), with its files.
    fn for_each_article(
        &self,
        dates: &DateRange,
        f: &mut dyn FnMut(&ArticleRow, &[SourceBrief]) -> Result<()>,
    ) -> Result<()>;
}
