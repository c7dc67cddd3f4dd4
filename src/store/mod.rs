//! The store: where articles and the ledger of input files live.
//!
//! All SQL of the project is inside this module. The rest of the program sees the
//! types here and two traits, the store contract:
//!
//! - [`WriteStore`]: the writing side. One file's fate ([`Fate`]) is recorded with
//!   everything that must commit with it ([`WriteStore::record`]), batches are
//!   committed or rolled back, and the dedup lookups of [`Catalog`] read inside the
//!   open batch (they must see its uncommitted rows).
//! - [`ReadStore`]: the reading side: ledger lookups for discovery and the daemon, and
//!   the query commands (stats, search, show, dupes, export, sources).
//!
//! A backend is a sibling module implementing both ([`sqlite`] today); callers get
//! one from [`open_reader`] / [`open_writer`] and never name it. The body storage
//! format (paragraphs joined by a blank line) is the backends' business: the
//! contract speaks in paragraphs.

mod accents;
mod contract;
mod migrate;
pub mod postgres;
mod query;
pub mod sqlite;

use serde::Serialize;

pub use contract::{
    migrate, open_reader, open_writer, Catalog, Fate, IndexForm, KeyLocks, NewText, ReadStore, Recorded,
    Target, WriteStore,
};
pub use migrate::Moved;
pub use query::{fold, snippet, ParsedQuery, Segment};
pub use sqlite::SqliteStore;

/// The stored body format, shared by the backends: paragraphs joined by a blank line.
pub(in crate::store) fn paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n").map(str::to_string).collect()
}

/// What happened to one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Became a new article.
    Stored,
    /// Same normalised body (or same bytes) as an existing article.
    Duplicate,
    /// Near copy of an existing article.
    NearDuplicate,
    /// Not an article; `error` says why.
    Rejected,
    /// A new version of a known path, a near copy of its earlier version: merged into
    /// that article, whose text it became.
    Updated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stored => "stored",
            Status::Duplicate => "duplicate",
            Status::NearDuplicate => "near_duplicate",
            Status::Rejected => "rejected",
            Status::Updated => "updated",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "stored" => Status::Stored,
            "duplicate" => Status::Duplicate,
            "near_duplicate" => Status::NearDuplicate,
            "rejected" => Status::Rejected,
            "updated" => Status::Updated,
            _ => return None,
        })
    }
}

/// Identity of an input file as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey {
    /// The path as given, for display (lossy for non-UTF-8 names).
    pub path: String,
    /// The path's raw bytes (lossless; the key for "have we seen this file").
    pub path_bytes: Vec<u8>,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch (0 when unknown).
    pub mtime_ns: i64,
    /// Mode, owner and group folded into one number: a rejection for a permission
    /// error is a property of these, not of the bytes, and is retried once they change.
    pub access: i64,
}

/// Evidence kept for a near duplicate, so a user can see why two texts were merged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NearEvidence {
    pub jaccard: f64,
    pub containment: f64,
    pub shared_shingles: u64,
}

impl NearEvidence {
    /// The ledger's one-number similarity of a near copy: the larger of the two.
    pub fn similarity(&self) -> f64 {
        self.jaccard.max(self.containment)
    }
}

/// One `sources` row to write.
#[derive(Debug, Clone)]
pub struct NewSource<'a> {
    pub key: &'a FileKey,
    /// Hex SHA-256 of the raw bytes; `None` when the file could not be read.
    pub file_sha256: Option<&'a str>,
    pub status: Status,
    pub article_id: Option<i64>,
    pub similarity: Option<f64>,
    pub evidence: Option<NearEvidence>,
    pub error: Option<&'a str>,
}

/// A source row as read back.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRow {
    pub id: i64,
    pub path: String,
    pub file_sha256: Option<String>,
    pub status: Status,
    pub article_id: Option<i64>,
    pub similarity: Option<f64>,
    pub jaccard: Option<f64>,
    pub containment: Option<f64>,
    pub shared_shingles: Option<i64>,
    pub error: Option<String>,
    pub processed_at: String,
}

/// An article as read back.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleRow {
    pub id: i64,
    pub title: Option<String>,
    pub published: Option<String>,
    pub author: Option<String>,
    pub captions: Vec<String>,
    /// Paragraphs (the stored body split on blank lines).
    pub body: Vec<String>,
    pub content_sha256: String,
    pub ingested_at: String,
    /// Canonical URL, outlet name and language (HTML pages; `None` for text dumps).
    pub url: Option<String>,
    pub site_name: Option<String>,
    pub lang: Option<String>,
    /// The file the text comes from: the first-seen file, or the fuller copy or new
    /// version that replaced its text (`None` on a database older than that record).
    pub text_source: Option<String>,
}

/// An earlier text of an article (`article_revisions`).
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub title: Option<String>,
    pub body: Vec<String>,
    /// `fullest` (a fuller near copy replaced it) or `updated` (a new version of its file).
    pub reason: String,
    pub replaced_at: String,
    /// The file whose text replaced it.
    pub replaced_by: Option<String>,
}

/// Counts for `stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub files: u64,
    pub articles: u64,
    pub exact_duplicates: u64,
    pub near_duplicates: u64,
    pub rejected: u64,
    /// Files merged into their own earlier version (status `updated`).
    pub updated: u64,
    pub last_ingest: Option<String>,
}

/// Inclusive date bounds (`YYYY-MM-DD`) on an article's day: `published` (a
/// `YYYY-MM` date counts as the first of its month), or the date of `ingested_at`
/// when `published` is unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateRange {
    pub since: Option<String>,
    pub until: Option<String>,
}

impl DateRange {
    pub fn is_empty(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }
}

/// One full-text search result, best first. `score` is the relevance: higher is
/// better (the negated bm25 of the title and body, the title weighted higher).
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub id: i64,
    pub title: Option<String>,
    pub published: Option<String>,
    pub score: f64,
    /// An excerpt of the body around the best match, matches marked.
    pub snippet: Vec<Segment>,
}

/// The result of [`SqliteStore::search_with`].
#[derive(Debug, Clone, Default)]
pub struct SearchOutcome {
    pub hits: Vec<SearchHit>,
    /// `Some(n)` when `n` or more articles matched and only the newest `n` were
    /// ranked (`search.rank_window`).
    pub window_full: Option<usize>,
}

/// A source file as shown with its article (`dupes`, `export`).
#[derive(Debug, Clone, Serialize)]
pub struct SourceBrief {
    pub path: String,
    pub status: Status,
    pub similarity: Option<f64>,
}

/// A duplicate cluster: a canonical article and every non-rejected file seen for it.
#[derive(Debug, Clone)]
pub struct ClusterHead {
    pub id: i64,
    pub title: Option<String>,
    pub published: Option<String>,
    /// The canonical article's URL, when its page carried one.
    pub url: Option<String>,
    /// Number of files in the cluster (the original and its copies).
    pub size: u64,
}

/// Extra figures for `stats`.
#[derive(Debug, Clone, Default)]
pub struct StoreStats {
    /// Articles per UTC day of `ingested_at`, oldest first, zero days included.
    pub articles_per_day: Vec<(String, u64)>,
    /// Articles in the full-text index (equals `articles` unless the index is stale).
    pub indexed_articles: u64,
    pub db_bytes: u64,
    pub wal_bytes: u64,
}
