//! SQLite backend: schema, migrations, the single-writer lock and every query.
//!
//! Durability choices (see NOTES.md): WAL with `synchronous=NORMAL` never corrupts
//! and loses at most the last commit on power loss; writes use `BEGIN IMMEDIATE`
//! so a busy database waits `busy_timeout` instead of failing at once when a
//! deferred transaction upgrades to a write.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

mod admin;
mod checkpoint;
mod contract;
mod fts5;
mod query;
mod rank;
mod watch;

use crate::store::{ArticleRow, Counts, FileKey, NewSource, SourceRow, Status};
use crate::Document;

/// Schema migrations, applied in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    // 1: articles, the ledger of input files, fingerprints and metadata.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE articles (
        id             INTEGER PRIMARY KEY,
        title          TEXT,
        published      TEXT,
        author         TEXT,
        body           TEXT NOT NULL,
        captions       TEXT NOT NULL DEFAULT '[]',
        content_sha256 TEXT NOT NULL UNIQUE,
        ingested_at    TEXT NOT NULL
    );
    CREATE TABLE sources (
        id              INTEGER PRIMARY KEY,
        path            TEXT NOT NULL,
        path_bytes      BLOB NOT NULL,
        size            INTEGER NOT NULL,
        mtime_ns        INTEGER NOT NULL,
        file_sha256     TEXT,
        status          TEXT NOT NULL
                        CHECK (status IN ('stored','duplicate','near_duplicate','rejected')),
        article_id      INTEGER REFERENCES articles(id),
        similarity      REAL,
        jaccard         REAL,
        containment     REAL,
        shared_shingles INTEGER,
        error           TEXT,
        processed_at    TEXT NOT NULL,
        CHECK ((status = 'rejected') = (article_id IS NULL))
    );
    CREATE INDEX sources_path ON sources(path_bytes, size, mtime_ns);
    CREATE UNIQUE INDEX sources_path_sha ON sources(path_bytes, file_sha256);
    CREATE INDEX sources_file_sha ON sources(file_sha256);
    CREATE INDEX sources_article ON sources(article_id);
    CREATE TABLE fingerprints (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        data       BLOB NOT NULL
    );
    "#,
    // 2: the full-text index (folded title and body; see `query.rs`), filled from
    // `articles` by `reindex_if_stale` right after migrating; and an index for
    // per-day counts.
    r#"
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE INDEX articles_ingested ON articles(ingested_at);
    INSERT INTO meta(key, value) VALUES ('fts_stale', '1')
        ON CONFLICT(key) DO UPDATE SET value = excluded.value;
    "#,
    // 3: a second, title-only index: its doclists are ~30× shorter than those of
    // `articles_fts`, so `search` can find the best title matches in the whole
    // database cheaply (see `search_with`). Filled by the same reindex.
    r#"
    CREATE VIRTUAL TABLE articles_title_fts USING fts5(
        title, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO meta(key, value) VALUES ('fts_stale', '1')
        ON CONFLICT(key) DO UPDATE SET value = excluded.value;
    "#,
    // 4: each canonical article's MinHash signature and shingle count, so the writer
    // can drop an LSH candidate that cannot pass verification after reading 0.5 KB
    // instead of reading and re-shingling its body. Apart from `fingerprints`, so the
    // start-up load of the band keys reads no more. Articles stored before this
    // migration have none and are verified the old way.
    r#"
    CREATE TABLE signatures (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        shingles   INTEGER NOT NULL,
        data       BLOB NOT NULL
    );
    "#,
    // issue 13: HTML pages carry their canonical URL, the outlet's name and their
    // language; text dumps leave them NULL.
    r#"
    ALTER TABLE articles ADD COLUMN url TEXT;
    ALTER TABLE articles ADD COLUMN site_name TEXT;
    ALTER TABLE articles ADD COLUMN lang TEXT;
    "#,
    // issue 16: the `updated` status (a new version of a known path merged into its
    // article) needs a wider CHECK, which SQLite can only change by rebuilding the
    // table (rows and ids kept, indexes recreated); `articles.text_source_id` names
    // the file an article's text now comes from (NULL: its first-seen file), and
    // `article_revisions` keeps every text an article had before it was replaced
    // (by a fuller copy, or by a new version of its file).
    r#"
    CREATE TABLE sources_rebuilt (
        id              INTEGER PRIMARY KEY,
        path            TEXT NOT NULL,
        path_bytes      BLOB NOT NULL,
        size            INTEGER NOT NULL,
        mtime_ns        INTEGER NOT NULL,
        file_sha256     TEXT,
        status          TEXT NOT NULL
                        CHECK (status IN ('stored','duplicate','near_duplicate','rejected','updated')),
        article_id      INTEGER REFERENCES articles(id),
        similarity      REAL,
        jaccard         REAL,
        containment     REAL,
        shared_shingles INTEGER,
        error           TEXT,
        processed_at    TEXT NOT NULL,
        CHECK ((status = 'rejected') = (article_id IS NULL))
    );
    INSERT INTO sources_rebuilt(id, path, path_bytes, size, mtime_ns, file_sha256, status, article_id,
                                similarity, jaccard, containment, shared_shingles, error, processed_at)
        SELECT id, path, path_bytes, size, mtime_ns, file_sha256, status, article_id,
               similarity, jaccard, containment, shared_shingles, error, processed_at
        FROM sources;
    DROP TABLE sources;
    ALTER TABLE sources_rebuilt RENAME TO sources;
    CREATE INDEX sources_path ON sources(path_bytes, size, mtime_ns);
    CREATE UNIQUE INDEX sources_path_sha ON sources(path_bytes, file_sha256);
    CREATE INDEX sources_file_sha ON sources(file_sha256);
    CREATE INDEX sources_article ON sources(article_id);
    ALTER TABLE articles ADD COLUMN text_source_id INTEGER REFERENCES sources(id);
    CREATE TABLE article_revisions (
        id                    INTEGER PRIMARY KEY,
        article_id            INTEGER NOT NULL REFERENCES articles(id),
        title                 TEXT,
        published             TEXT,
        author                TEXT,
        body                  TEXT NOT NULL,
        captions              TEXT NOT NULL,
        content_sha256        TEXT NOT NULL,
        -- the file the replaced text came from (NULL: the article's first-seen file)
        text_source_id        INTEGER REFERENCES sources(id),
        -- the file whose text replaced it, and why: 'fullest' or 'updated'
        replaced_by_source_id INTEGER NOT NULL REFERENCES sources(id),
        reason                TEXT NOT NULL CHECK (reason IN ('fullest','updated')),
        replaced_at           TEXT NOT NULL
    );
    CREATE INDEX article_revisions_article ON article_revisions(article_id);
    -- the other texts of an article, indexed for near-duplicate detection under its
    -- id: copies merged into it and texts it had before (see dedup/mod.rs)
    CREATE TABLE article_members (
        id          INTEGER PRIMARY KEY,
        article_id  INTEGER NOT NULL REFERENCES articles(id),
        source_id   INTEGER REFERENCES sources(id),
        body        TEXT NOT NULL,
        fingerprint BLOB NOT NULL
    );
    CREATE INDEX article_members_article ON article_members(article_id, id);
    "#,
    // issue 15: a schema stock tools can read (SQLite >= 3.37: Debian 12, Ubuntu 22.04,
    // Python's sqlite3). The contentless `contentless_delete` indexes (SQLite 3.43)
    // become external-content indexes over `articles`, kept in step by triggers that
    // use only built-in functions, so an INSERT, UPDATE or DELETE typed into
    // `sqlite3` or datasette keeps them right too. `articles_fts` is written
    // `content="articles"` (double quotes): that is the form datasette looks for to
    // link it to `articles`. The folded pair indexes the text with `đ` -> `d`
    // (`remove_diacritics 2` strips the rest); the accented pair (`_acc_`) keeps the
    // diacritics, for queries typed with them (see `fts5.rs`). Also: a sortable
    // `published_day` with its `published_precision`, a `clusters` view, and
    // deleting an article deletes what hangs on it. Rebuilt by `reindex_if_stale`.
    r#"
    DROP TABLE IF EXISTS articles_fts;
    DROP TABLE IF EXISTS articles_title_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content="articles", content_rowid="id",
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE articles_title_fts USING fts5(
        title, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE articles_acc_fts USING fts5(
        title, body, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    );
    CREATE VIRTUAL TABLE articles_title_acc_fts USING fts5(
        title, content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    );
    CREATE TRIGGER articles_index_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, replace(replace(replace(replace(new.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), replace(replace(replace(replace(new.body, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_title_fts(rowid, title) VALUES (new.id, replace(replace(replace(replace(new.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_acc_fts(rowid, title, body) VALUES (new.id, replace(replace(new.title, 'ð', 'đ'), 'Ð', 'Đ'), replace(replace(new.body, 'ð', 'đ'), 'Ð', 'Đ'));
        INSERT INTO articles_title_acc_fts(rowid, title) VALUES (new.id, replace(replace(new.title, 'ð', 'đ'), 'Ð', 'Đ'));
    END;
    CREATE TRIGGER articles_index_update AFTER UPDATE OF title, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, replace(replace(replace(replace(old.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), replace(replace(replace(replace(old.body, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_title_fts(articles_title_fts, rowid, title) VALUES ('delete', old.id, replace(replace(replace(replace(old.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_acc_fts(articles_acc_fts, rowid, title, body) VALUES ('delete', old.id, replace(replace(old.title, 'ð', 'đ'), 'Ð', 'Đ'), replace(replace(old.body, 'ð', 'đ'), 'Ð', 'Đ'));
        INSERT INTO articles_title_acc_fts(articles_title_acc_fts, rowid, title) VALUES ('delete', old.id, replace(replace(old.title, 'ð', 'đ'), 'Ð', 'Đ'));
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, replace(replace(replace(replace(new.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), replace(replace(replace(replace(new.body, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_title_fts(rowid, title) VALUES (new.id, replace(replace(replace(replace(new.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_acc_fts(rowid, title, body) VALUES (new.id, replace(replace(new.title, 'ð', 'đ'), 'Ð', 'Đ'), replace(replace(new.body, 'ð', 'đ'), 'Ð', 'Đ'));
        INSERT INTO articles_title_acc_fts(rowid, title) VALUES (new.id, replace(replace(new.title, 'ð', 'đ'), 'Ð', 'Đ'));
    END;
    -- BEFORE: the rows that reference the article go first (foreign keys).
    CREATE TRIGGER articles_delete_dependents BEFORE DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, replace(replace(replace(replace(old.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), replace(replace(replace(replace(old.body, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_title_fts(articles_title_fts, rowid, title) VALUES ('delete', old.id, replace(replace(replace(replace(old.title, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'));
        INSERT INTO articles_acc_fts(articles_acc_fts, rowid, title, body) VALUES ('delete', old.id, replace(replace(old.title, 'ð', 'đ'), 'Ð', 'Đ'), replace(replace(old.body, 'ð', 'đ'), 'Ð', 'Đ'));
        INSERT INTO articles_title_acc_fts(articles_title_acc_fts, rowid, title) VALUES ('delete', old.id, replace(replace(old.title, 'ð', 'đ'), 'Ð', 'Đ'));
        DELETE FROM fingerprints WHERE article_id = old.id;
        DELETE FROM signatures WHERE article_id = old.id;
        DELETE FROM article_members WHERE article_id = old.id;
        DELETE FROM article_revisions WHERE article_id = old.id;
        DELETE FROM sources WHERE article_id = old.id;
    END;
    ALTER TABLE articles ADD COLUMN published_day TEXT;
    ALTER TABLE articles ADD COLUMN published_precision TEXT;
    UPDATE articles SET published_day = CASE WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN published || '-01' WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN published END, published_precision = CASE WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN 'month' WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN 'day' END;
    CREATE TRIGGER articles_published_day AFTER INSERT ON articles
    WHEN new.published_day IS NOT (CASE WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN new.published || '-01' WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN new.published END) OR new.published_precision IS NOT (CASE WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN 'month' WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN 'day' END) BEGIN
        UPDATE articles SET published_day = (CASE WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN new.published || '-01' WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN new.published END), published_precision = (CASE WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN 'month' WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN 'day' END)
        WHERE id = new.id;
    END;
    CREATE TRIGGER articles_published_day_update AFTER UPDATE OF published ON articles BEGIN
        UPDATE articles SET published_day = (CASE WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN new.published || '-01' WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN new.published END), published_precision = (CASE WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN 'month' WHEN new.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN 'day' END)
        WHERE id = new.id;
    END;
    CREATE INDEX articles_published_day ON articles(published_day);
    CREATE VIEW clusters AS
        SELECT a.id AS article_id, a.title, a.published, a.published_day,
               (SELECT count(*) FROM sources c WHERE c.article_id = a.id) AS files,
               s.id AS source_id, s.path, s.status, s.similarity, s.jaccard, s.containment,
               s.processed_at
        FROM articles a JOIN sources s ON s.article_id = a.id;
    INSERT INTO meta(key, value) VALUES ('fts_stale', '1')
        ON CONFLICT(key) DO UPDATE SET value = excluded.value;
    "#,
    // issue 14: the ledger records canonical (absolute, resolved) paths from now on.
    // Rows written before with a path as typed (`in/a.txt`, `./a.txt`) are flagged so
    // the writer can recognise those files instead of ingesting them a second time
    // (see `seen_same_bytes`).
    // Also: rejections for permission errors record the file's mode/owner stamp, and
    // are no longer "seen" once it changes (`seen_unchanged`).
    // (A table of its own rather than a column, so the migration can run again.)
    r#"
    CREATE TABLE IF NOT EXISTS source_access (
        source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
        stamp     INTEGER NOT NULL
    );
    INSERT INTO meta(key, value)
        SELECT 'legacy_relative_paths',
               CASE WHEN EXISTS (SELECT 1 FROM sources WHERE substr(path, 1, 1) <> '/') THEN '1' ELSE '0' END
        WHERE true
        ON CONFLICT(key) DO UPDATE SET value = excluded.value;
    "#,
    // Where a merged article went (as in the PostgreSQL schema): a fate recorded on
    // a merged id lands on the survivor, and `show` of a merged id names it. An id
    // SQLite hands out again (the highest id, merged away) is a new article: its
    // old redirect goes.
    r#"
    CREATE TABLE IF NOT EXISTS article_merges (
        from_id   INTEGER PRIMARY KEY,
        into_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        merged_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS article_merges_into ON article_merges(into_id);
    CREATE TRIGGER IF NOT EXISTS articles_merge_id_reused AFTER INSERT ON articles BEGIN
        DELETE FROM article_merges WHERE from_id = new.id;
    END;
    "#,
];

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

/// SQL for the sortable day of a `published` value: `YYYY-MM` → its first day,
/// `YYYY-MM-DD` as it is, anything else NULL (the same expression is in the schema).
fn published_day(x: &str) -> String {
    format!(
        "(CASE WHEN {x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN {x} || '-01' \
         WHEN {x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN {x} END)"
    )
}

/// SQL for the precision of a `published` value: `month`, `day` or NULL.
fn published_precision(x: &str) -> String {
    format!(
        "(CASE WHEN {x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN 'month' \
         WHEN {x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN 'day' END)"
    )
}

/// A connection to the news database.
pub struct SqliteStore {
    /// Background WAL checkpoints, if started; declared before `conn` so it stops
    /// (and closes its connection) before the writer's connection closes.
    checkpointer: Option<checkpoint::Checkpointer>,
    /// Visible to sibling files of `store/` that add query methods in their own
    /// `impl SqliteStore` blocks; nothing outside `store/` touches SQL.
    pub(in crate::store) conn: Connection,
    path: PathBuf,
    /// Held by writers for as long as they live: one writer per database.
    _lock: Option<WriterLock>,
    in_tx: bool,
    /// The ledger holds paths recorded as typed, from before canonical paths.
    legacy_paths: bool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database for writing, migrating its schema and
    /// taking the single-writer lock.
    pub fn open_writer(path: &Path, busy_timeout: Duration) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                bail!(
                    "cannot create database {}: directory {} does not exist",
                    path.display(),
                    dir.display()
                );
            }
        }
        let lock = WriterLock::acquire(path)?;
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open database {} for writing", path.display()))?;
        // SQLite silently opens a file it cannot write read-only; say so now rather
        // than failing at the first insert.
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            bail!(
                "database {} is read-only (file permissions or a read-only filesystem): news-ingest run needs to write to it; use --db for another database (read-only commands such as `stats` keep working)",
                path.display()
            );
        }
        let mut store = SqliteStore {
            checkpointer: None,
            conn,
            path: path.to_path_buf(),
            _lock: Some(lock),
            in_tx: false,
            legacy_paths: false,
        };
        store.configure(busy_timeout)?;
        store
            .conn
            .execute_batch(Self::WRITER_PRAGMAS)
            .with_context(|| format!("cannot configure database {}", path.display()))?;
        store
            .migrate()
            .with_context(|| format!("cannot update the schema of database {}", path.display()))?;
        store.legacy_paths = store.meta_get("legacy_relative_paths")?.as_deref() == Some("1");
        store
            .reindex_if_stale()
            .with_context(|| format!("cannot build the full-text index of database {}", path.display()))?;
        Ok(store)
    }

    /// Opens an existing database for reading only (works while a writer runs).
    pub fn open_reader(path: &Path, busy_timeout: Duration) -> Result<SqliteStore> {
        if !path.exists() {
            bail!("database {} does not exist: run `news-ingest run` first, or pass --db", path.display());
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open database {}", path.display()))?;
        conn.busy_timeout(busy_timeout)?;
        check_is_database(&conn, path)?;
        rank::register(&conn).with_context(|| format!("cannot open database {}", path.display()))?;
        let store = SqliteStore {
            checkpointer: None,
            conn,
            path: path.to_path_buf(),
            _lock: None,
            in_tx: false,
            legacy_paths: false,
        };
        let version = store.schema_version()?;
        if version > MIGRATIONS.len() as i64 {
            bail!(
                "database {} has schema version {version}, newer than this news-ingest understands ({}): upgrade news-ingest",
                path.display(),
                MIGRATIONS.len()
            );
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writer-only tuning, measured on the vietnews run (`benches/e2e.sh`): a 16 MiB
    /// page cache (the 2 MiB default spilled pages mid-transaction; callers may set
    /// more with [`Self::set_cache_mib`]) and a WAL checkpoint every 10,000 pages
    /// instead of 1,000 (a page rewritten by several batches is copied back once)
    /// cut the run's CPU time by about a fifth.
    const WRITER_PRAGMAS: &'static str = "PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=10000;";

    /// Sets this connection's page cache size (MiB).
    pub fn set_cache_mib(&self, mib: u64) -> Result<()> {
        let kib = i64::try_from(mib.saturating_mul(1024)).unwrap_or(i64::MAX);
        self.conn
            .execute_batch(&format!("PRAGMA cache_size=-{kib};"))
            .with_context(|| format!("cannot set the page cache of {}", self.path.display()))
    }

    /// Moves WAL checkpoints to a background thread (see `checkpoint.rs`): it copies
    /// the WAL back once it holds `pages` pages. Writers only.
    pub fn checkpoint_in_background(&mut self, pages: u32) -> Result<()> {
        if self._lock.is_none() {
            bail!("background checkpoints need a writer ({})", self.path.display());
        }
        self.checkpointer = None;
        self.checkpointer = Some(checkpoint::Checkpointer::start(&mut self.conn, &self.path, pages)?);
        Ok(())
    }

    /// Background checkpoints that copied pages back so far (`None` when they are
    /// not running).
    pub fn background_checkpoints(&self) -> Option<u64> {
        self.checkpointer.as_ref().map(|c| c.done())
    }

    /// Checkpoints on the writer's own thread once the WAL holds `pages` pages
    /// (SQLite's default behaviour; `0` turns automatic checkpoints off).
    pub fn checkpoint_inline(&mut self, pages: u32) -> Result<()> {
        self.checkpointer = None;
        self.conn
            .execute_batch(&format!("PRAGMA wal_autocheckpoint={pages};"))
            .with_context(|| format!("cannot configure checkpoints of {}", self.path.display()))
    }

    fn configure(&mut self, busy_timeout: Duration) -> Result<()> {
        let ctx = || format!("cannot configure database {}", self.path.display());
        self.conn.busy_timeout(busy_timeout).with_context(ctx)?;
        check_is_database(&self.conn, &self.path)?;
        self.conn
            .execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            .with_context(ctx)?;
        rank::register(&self.conn).with_context(ctx)?;
        Ok(())
    }

    fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<()> {
        let current = self.schema_version()?;
        if current > MIGRATIONS.len() as i64 {
            bail!(
                "database {} has schema version {current}, newer than this news-ingest understands ({}): upgrade news-ingest",
                self.path.display(),
                MIGRATIONS.len()
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let version = i + 1;
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)
                .with_context(|| format!("schema migration {version} failed on {}", self.path.display()))?;
            tx.pragma_update(None, "user_version", version as i64)?;
            tx.commit().with_context(|| {
                format!("cannot write to database {} (read-only or disk full?)", self.path.display())
            })?;
        }
        Ok(())
    }

    // ---- transactions -------------------------------------------------------------

    /// Starts a write transaction (`BEGIN IMMEDIATE`), unless one is open.
    pub fn begin(&mut self) -> Result<()> {
        if !self.in_tx {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .with_context(|| {
                    format!(
                        "cannot start a write transaction on {} (another program may hold a write lock; database.busy_timeout_ms sets how long to wait)",
                        self.path.display()
                    )
                })?;
            self.in_tx = true;
        }
        Ok(())
    }

    /// Commits the open transaction, if any. On failure the transaction is rolled
    /// back, so nothing of the batch is half-written.
    pub fn commit(&mut self) -> Result<()> {
        if self.in_tx {
            self.in_tx = false;
            if let Err(e) = self.conn.execute_batch("COMMIT") {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e).with_context(|| {
                    format!("cannot commit to database {} (disk full or read-only?)", self.path.display())
                });
            }
        }
        Ok(())
    }

    /// Rolls back the open transaction, if any.
    pub fn rollback(&mut self) {
        if self.in_tx {
            self.in_tx = false;
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    // ---- metadata -----------------------------------------------------------------

    pub fn meta_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    // ---- the ledger ---------------------------------------------------------------

    /// True when this path was already recorded with this size and mtime: the cheap
    /// check that lets a re-run skip a file without reading it.
    ///
    /// A rejection for a permission error counts only while the file's mode, owner
    /// and group are those it was rejected with: after a `chmod` it is read again.
    pub fn seen_unchanged(&self, key: &FileKey) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM sources s WHERE path_bytes = ?1 AND size = ?2 AND mtime_ns = ?3
               AND NOT EXISTS (SELECT 1 FROM source_access a WHERE a.source_id = s.id AND a.stamp <> ?4)
             LIMIT 1",
        )?;
        Ok(stmt.exists(params![key.path_bytes, key.size as i64, key.mtime_ns, key.access])?)
    }

    /// True when this path was already recorded with these bytes. Refreshes the
    /// recorded size and mtime so the next cheap check skips the file.
    ///
    /// On a database from before canonical paths (`legacy_relative_paths` in `meta`),
    /// a row with the same bytes whose relative path is a suffix of this canonical
    /// path (`in/a.txt` of `/data/in/a.txt`) is taken to be this file: it is
    /// rewritten to the canonical path, so the file is neither ingested again nor
    /// read again by the next run. (Two directories holding the same bytes under the
    /// same relative name cannot be told apart from such a row; the first one seen
    /// inherits it.)
    pub fn seen_same_bytes(&self, key: &FileKey, file_sha256: &str) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE sources SET size = ?3, mtime_ns = ?4 WHERE path_bytes = ?1 AND file_sha256 = ?2",
            )?
            .execute(params![key.path_bytes, file_sha256, key.size as i64, key.mtime_ns])?;
        if n > 0 {
            return Ok(true);
        }
        if !self.legacy_paths || !key.path_bytes.starts_with(b"/") {
            return Ok(false);
        }
        let mut stmt =
            self.conn.prepare_cached("SELECT id, path_bytes FROM sources WHERE file_sha256 = ?1")?;
        let rows = stmt.query_map([file_sha256], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut legacy = None;
        for row in rows {
            let (id, old) = row?;
            if legacy_suffix_of(&old, &key.path_bytes) {
                legacy = Some(id);
                break;
            }
        }
        let Some(id) = legacy else { return Ok(false) };
        self.conn
            .prepare_cached(
                "UPDATE sources SET path = ?2, path_bytes = ?3, size = ?4, mtime_ns = ?5 WHERE id = ?1",
            )?
            .execute(params![id, key.path, key.path_bytes, key.size as i64, key.mtime_ns])?;
        Ok(true)
    }

    /// The first recorded fate of these bytes under any path:
    /// `(article_id, error)`, one of which is set.
    ///
    /// The lowest id is picked here rather than with `ORDER BY id LIMIT 1`: SQLite
    /// marks that form as depending on its bound value, so every reuse from the
    /// statement cache re-prepared it (about 2 % of a run's CPU time).
    pub fn fate_of_bytes(&self, file_sha256: &str) -> Result<Option<(Option<i64>, Option<String>)>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT id, article_id, error FROM sources WHERE file_sha256 = ?1")?;
        let mut rows = stmt.query([file_sha256])?;
        let mut first: Option<(i64, Option<i64>, Option<String>)> = None;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            if first.as_ref().map_or(true, |(f, _, _)| id < *f) {
                first = Some((id, r.get(1)?, r.get(2)?));
            }
        }
        Ok(first.map(|(_, article_id, error)| (article_id, error)))
    }

    /// The article whose normalised body has this hash.
    pub fn article_by_content(&self, content_sha256: &str) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM articles WHERE content_sha256 = ?1")?;
        Ok(stmt.query_row([content_sha256], |r| r.get(0)).optional()?)
    }

    /// Inserts a new article and returns its id. The schema's triggers add it to the
    /// full-text indexes in the same statement (so the index never disagrees with
    /// `articles`, whoever writes).
    pub fn insert_article(&self, doc: &Document, content_sha256: &str) -> Result<i64> {
        let captions = serde_json::to_string(&doc.captions)?;
        let body = doc.body_text();
        let mut stmt = self.conn.prepare_cached(&format!(
            "INSERT INTO articles(title, published, author, body, captions, content_sha256, url, site_name,
                                  lang, ingested_at, published_day, published_precision)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, {NOW}, {}, {})",
            published_day("?2"),
            published_precision("?2")
        ))?;
        stmt.execute(params![
            doc.title,
            doc.published,
            doc.author,
            body,
            captions,
            content_sha256,
            doc.url,
            doc.site_name,
            doc.lang
        ])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The article whose text comes from an earlier version of this path (its latest
    /// recorded version belongs to that article, and the article's text is from a
    /// file at this path): new bytes there may be an update of it.
    pub fn article_with_text_from(&self, path_bytes: &[u8]) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT article_id FROM sources WHERE path_bytes = ?1 AND article_id IS NOT NULL
             ORDER BY id DESC LIMIT 1",
        )?;
        let Some(id) = stmt.query_row([path_bytes], |r| r.get::<_, i64>(0)).optional()? else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.path_bytes FROM articles a
             JOIN sources s ON s.id = COALESCE(a.text_source_id,
                 (SELECT id FROM sources WHERE article_id = a.id AND status = 'stored' ORDER BY id LIMIT 1))
             WHERE a.id = ?1",
        )?;
        let from: Option<Vec<u8>> = stmt.query_row([id], |r| r.get(0)).optional()?;
        Ok((from.as_deref() == Some(path_bytes)).then_some(id))
    }

    /// Gives article `id` a new text (title, body, captions; `published` and `author`
    /// when the new document has them), from the file recorded as source row
    /// `source_id`: the old text goes to `article_revisions` with `reason`
    /// (`"fullest"` or `"updated"`) and the schema's triggers re-index the article.
    /// Inside the caller's transaction; the caller updates the fingerprint and
    /// signature with it.
    pub fn replace_article_text(
        &self,
        id: i64,
        doc: &Document,
        content_sha256: &str,
        source_id: i64,
        reason: &str,
    ) -> Result<()> {
        if self.article(id)?.is_none() {
            bail!("article {id} vanished from {} while its text was being replaced", self.path.display());
        }
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO article_revisions(article_id, title, published, author, body, captions,
                     content_sha256, text_source_id, replaced_by_source_id, reason, replaced_at)
                 SELECT id, title, published, author, body, captions, content_sha256, text_source_id,
                        ?2, ?3, {NOW}
                 FROM articles WHERE id = ?1"
            ))?
            .execute(params![id, source_id, reason])?;
        let captions = serde_json::to_string(&doc.captions)?;
        self.conn
            .prepare_cached(
                "UPDATE articles SET title = ?2, published = COALESCE(?3, published),
                     author = COALESCE(?4, author), body = ?5, captions = ?6, content_sha256 = ?7,
                     text_source_id = ?8
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                doc.title,
                doc.published,
                doc.author,
                doc.body_text(),
                captions,
                content_sha256,
                source_id
            ])?;
        Ok(())
    }

    /// [`crate::store::WriteStore::restore_previous_text`], in the caller's
    /// transaction.
    pub fn restore_previous_text(
        &self,
        id: i64,
        index: &mut dyn FnMut(&[String]) -> crate::store::IndexForm,
    ) -> Result<bool> {
        // The revision the current text's file replaced, unless another article now
        // has its body (the restored text must stay unique).
        let revision: Option<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT r.id, r.body FROM article_revisions r JOIN articles a ON a.id = r.article_id
                 WHERE a.id = ?1 AND r.replaced_by_source_id = a.text_source_id AND r.reason = 'fullest'
                   AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.content_sha256 = r.content_sha256
                                   AND o.id <> a.id)
                 ORDER BY r.id DESC LIMIT 1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((revision, body)) = revision else { return Ok(false) };
        let form = index(&crate::store::paragraphs(&body));
        // The current text stays findable, as a member under its file.
        self.keep_text_as_member(id)?;
        self.conn
            .prepare_cached(
                "UPDATE articles SET title = r.title, published = r.published, author = r.author,
                     body = r.body, captions = r.captions, content_sha256 = r.content_sha256,
                     text_source_id = r.text_source_id
                 FROM article_revisions r WHERE r.id = ?2 AND articles.id = ?1",
            )?
            .execute(params![id, revision])?;
        self.update_fingerprint(id, &form.fingerprint, form.shingles, &form.signature)?;
        self.conn.prepare_cached("DELETE FROM article_revisions WHERE id = ?1")?.execute([revision])?;
        Ok(true)
    }

    /// Keeps article `id`'s current text findable as a member under its file, before
    /// another text takes its place.
    fn keep_text_as_member(&self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO article_members(article_id, source_id, body, fingerprint)
                 SELECT a.id, a.text_source_id, a.body, f.data FROM articles a
                 JOIN fingerprints f ON f.article_id = a.id WHERE a.id = ?1",
            )?
            .execute([id])?;
        Ok(())
    }

    /// [`crate::store::WriteStore::take_member_text`].
    pub fn take_member_text(
        &self,
        id: i64,
        body: &[String],
        content_sha256: &str,
        form: &crate::store::IndexForm,
    ) -> Result<bool> {
        let member: Option<(i64, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT m.id, m.source_id FROM article_members m WHERE m.article_id = ?1 AND m.body = ?2
                   AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.content_sha256 = ?3)
                 ORDER BY m.id DESC LIMIT 1",
            )?
            .query_row(params![id, body.join("\n\n"), content_sha256], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((member, source)) = member else { return Ok(false) };
        // The current text stays findable, as a member under its file.
        self.keep_text_as_member(id)?;
        self.conn
            .prepare_cached(
                "UPDATE articles SET body = m.body, content_sha256 = ?3, text_source_id = ?4
                 FROM article_members m WHERE m.id = ?2 AND articles.id = ?1",
            )?
            .execute(params![id, member, content_sha256, source])?;
        self.update_fingerprint(id, &form.fingerprint, form.shingles, &form.signature)?;
        self.conn.prepare_cached("DELETE FROM article_members WHERE id = ?1")?.execute([member])?;
        Ok(true)
    }

    /// Earlier texts of an article, oldest first: (title, body, reason, replaced_at).
    pub fn revisions(&self, id: i64) -> Result<Vec<crate::store::Revision>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.title, r.body, r.reason, r.replaced_at, s.path
             FROM article_revisions r LEFT JOIN sources s ON s.id = r.replaced_by_source_id
             WHERE r.article_id = ?1 ORDER BY r.id",
        )?;
        let rows = stmt.query_map([id], |r| {
            let body: String = r.get(1)?;
            Ok(crate::store::Revision {
                title: r.get(0)?,
                body: crate::store::paragraphs(&body),
                reason: r.get(2)?,
                replaced_at: r.get(3)?,
                replaced_by: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records one input file's fate.
    pub fn insert_source(&self, s: &NewSource<'_>) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "INSERT INTO sources(path, path_bytes, size, mtime_ns, file_sha256, status, article_id,
                                 similarity, jaccard, containment, shared_shingles, error, processed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, {NOW})"
        ))?;
        // A permission error is a property of the file's mode and owner, not of its
        // bytes: remember them, so a change lets the file be read again.
        let access = s
            .error
            .filter(|e| e.contains("Permission denied") || e.contains("Operation not permitted"))
            .map(|_| s.key.access);
        stmt.execute(params![
            s.key.path,
            s.key.path_bytes,
            s.key.size as i64,
            s.key.mtime_ns,
            s.file_sha256,
            s.status.as_str(),
            s.article_id,
            s.similarity,
            s.evidence.map(|e| e.jaccard),
            s.evidence.map(|e| e.containment),
            s.evidence.map(|e| e.shared_shingles as i64),
            s.error,
        ])?;
        let id = self.conn.last_insert_rowid();
        if let Some(stamp) = access {
            self.conn
                .prepare_cached("INSERT INTO source_access(source_id, stamp) VALUES (?1, ?2)")?
                .execute(params![id, stamp])?;
        }
        Ok(id)
    }

    /// Stores an article's near-duplicate fingerprint (opaque bytes from `dedup`).
    /// Stores a canonical article's MinHash signature and shingle count (see
    /// migration 4).
    pub fn insert_signature(&self, article_id: i64, shingles: usize, data: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO signatures(article_id, shingles, data) VALUES (?1, ?2, ?3)")?
            .execute(params![article_id, i64::try_from(shingles).unwrap_or(i64::MAX), data])?;
        Ok(())
    }

    /// A canonical article's shingle count and signature bytes, if stored.
    pub fn signature(&self, article_id: i64) -> Result<Option<(usize, Vec<u8>)>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT shingles, data FROM signatures WHERE article_id = ?1")?;
        Ok(stmt
            .query_row([article_id], |r| Ok((usize::try_from(r.get::<_, i64>(0)?).unwrap_or(0), r.get(1)?)))
            .optional()?)
    }

    pub fn insert_fingerprint(&self, article_id: i64, data: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO fingerprints(article_id, data) VALUES (?1, ?2)")?
            .execute(params![article_id, data])?;
        Ok(())
    }

    /// Records another text of article `id` (a copy merged into it, from ledger row
    /// `source_id`, or a text it had before: `None`) with its fingerprint.
    pub fn insert_member(
        &self,
        article_id: i64,
        source_id: Option<i64>,
        body: &str,
        fingerprint: &[u8],
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO article_members(article_id, source_id, body, fingerprint) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![article_id, source_id, body, fingerprint])?;
        Ok(())
    }

    /// The newest `limit` member texts of an article (paragraphs joined by a blank line).
    pub fn member_bodies(&self, article_id: i64, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM article_members WHERE article_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows =
            stmt.query_map(params![article_id, i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Streams every member's fingerprint with its article id (index rebuild at start-up).
    pub fn for_each_member_fingerprint(&self, mut f: impl FnMut(i64, &[u8])) -> Result<()> {
        let mut stmt =
            self.conn.prepare("SELECT article_id, fingerprint FROM article_members ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            f(id, row.get_ref(1)?.as_blob()?);
        }
        Ok(())
    }

    // ---- re-banding (see pipeline::writer::check_dedup_params) ---------------------

    /// Up to `limit` indexed articles with ids above `after`, in id order, each with
    /// its stored MinHash signature (`None`: stored before the `signatures` table).
    pub fn fingerprinted_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Option<Vec<u8>>)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.article_id, s.data FROM fingerprints f LEFT JOIN signatures s USING (article_id)
             WHERE f.article_id > ?1 ORDER BY f.article_id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces an article's band keys only (its signature is unchanged).
    pub fn set_fingerprint(&self, article_id: i64, data: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE fingerprints SET data = ?2 WHERE article_id = ?1")?
            .execute(params![article_id, data])?;
        Ok(())
    }

    /// Up to `limit` members with ids above `after`, in id order: (member id, body).
    pub fn members_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM article_members WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let rows = stmt.query_map(params![after, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces a member's band keys.
    /// See `WriteStore::merge_articles`.
    pub fn merge_articles(&self, into: i64, from: i64, ev: &crate::store::NearEvidence) -> Result<bool> {
        let live: i64 = self.conn.query_row(
            "SELECT count(*) FROM articles WHERE id IN (?1, ?2) AND ?1 <> ?2",
            params![into, from],
            |r| r.get(0),
        )?;
        if live != 2 {
            return Ok(false);
        }
        self.conn.execute(
            "UPDATE article_members SET article_id = ?1 WHERE article_id = ?2",
            params![into, from],
        )?;
        self.conn.execute(
            "INSERT INTO article_members(article_id, source_id, body, fingerprint)
             SELECT ?1, a.text_source_id, a.body, f.data FROM articles a JOIN fingerprints f ON f.article_id = a.id
             WHERE a.id = ?2",
            params![into, from],
        )?;
        self.conn.execute(
            "UPDATE article_revisions SET article_id = ?1 WHERE article_id = ?2",
            params![into, from],
        )?;
        self.conn.execute(
            "UPDATE sources SET status = 'near_duplicate', similarity = ?2, jaccard = ?3, containment = ?4,
             shared_shingles = ?5 WHERE article_id = ?1 AND status = 'stored'",
            params![from, ev.similarity(), ev.jaccard, ev.containment, ev.shared_shingles as i64],
        )?;
        self.conn.execute("UPDATE sources SET article_id = ?1 WHERE article_id = ?2", params![into, from])?;
        // The text-source link would point at a ledger row that now belongs to `into`.
        self.conn.execute("UPDATE articles SET text_source_id = NULL WHERE id = ?1", [from])?;
        // Where `from` went, for writers and readers that still name it (one hop: the
        // rows that led to `from` lead to `into` now).
        self.conn
            .execute("UPDATE article_merges SET into_id = ?1 WHERE into_id = ?2", params![into, from])?;
        self.conn.execute(
            &format!(
                "INSERT OR REPLACE INTO article_merges(from_id, into_id, merged_at) VALUES (?2, ?1, {NOW})"
            ),
            params![into, from],
        )?;
        // The delete trigger removes its search rows, fingerprint and signature (its
        // files, members and revisions were moved above).
        self.conn.execute("DELETE FROM articles WHERE id = ?1", [from])?;
        Ok(true)
    }

    /// Whether the schema has table `name` (a reader may open an older database).
    pub fn has_table(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
            .exists([name])?)
    }

    /// The live article that article `id` was merged into, if it was.
    pub fn merged_into(&self, id: i64) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.into_id FROM article_merges m JOIN articles a ON a.id = m.into_id WHERE m.from_id = ?1",
        )?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
    }

    pub fn set_member_fingerprint(&self, member_id: i64, data: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE article_members SET fingerprint = ?2 WHERE id = ?1")?
            .execute(params![member_id, data])?;
        Ok(())
    }

    /// An article's stored near-duplicate fingerprint.
    pub fn fingerprint(&self, article_id: i64) -> Result<Option<Vec<u8>>> {
        let mut stmt = self.conn.prepare_cached("SELECT data FROM fingerprints WHERE article_id = ?1")?;
        Ok(stmt.query_row([article_id], |r| r.get(0)).optional()?)
    }

    /// Replaces an article's fingerprint and signature (its text was replaced).
    pub fn update_fingerprint(
        &self,
        article_id: i64,
        data: &[u8],
        shingles: usize,
        signature: &[u8],
    ) -> Result<()> {
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO fingerprints(article_id, data) VALUES (?1, ?2)")?
            .execute(params![article_id, data])?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO signatures(article_id, shingles, data) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![article_id, i64::try_from(shingles).unwrap_or(i64::MAX), signature])?;
        Ok(())
    }

    /// Streams every stored fingerprint, in id order (index rebuild at start-up).
    pub fn for_each_fingerprint(&self, mut f: impl FnMut(i64, &[u8])) -> Result<()> {
        let mut stmt = self.conn.prepare("SELECT article_id, data FROM fingerprints ORDER BY article_id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let data = row.get_ref(1)?.as_blob()?;
            f(id, data);
        }
        Ok(())
    }

    /// The stored body of an article (paragraphs joined by a blank line).
    pub fn article_body(&self, id: i64) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached("SELECT body FROM articles WHERE id = ?1")?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
    }

    // ---- reading ------------------------------------------------------------------

    pub fn counts(&self) -> Result<Counts> {
        let mut c = Counts::default();
        let mut stmt = self.conn.prepare("SELECT status, COUNT(*) FROM sources GROUP BY status")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let status: String = row.get(0)?;
            let n: i64 = row.get(1)?;
            let n = n as u64;
            c.files += n;
            match Status::parse(&status) {
                Some(Status::Stored) => {}
                Some(Status::Duplicate) => c.exact_duplicates += n,
                Some(Status::NearDuplicate) => c.near_duplicates += n,
                Some(Status::Rejected) => c.rejected += n,
                Some(Status::Updated) => c.updated += n,
                None => {}
            }
        }
        c.articles = self.conn.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))? as u64;
        c.last_ingest = self
            .conn
            .query_row("SELECT MAX(processed_at) FROM sources", [], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(c)
    }

    /// Rejection reasons with their counts, most frequent first.
    pub fn rejection_reasons(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT COALESCE(error, ''), COUNT(*) FROM sources WHERE status = 'rejected'
             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn article(&self, id: i64) -> Result<Option<ArticleRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT a.id, a.title, a.published, a.author, a.captions, a.body, a.content_sha256,
                    a.ingested_at, {}, a.url, a.site_name, a.lang
             FROM articles a WHERE a.id = ?1",
            self.text_source_expr()?
        ))?;
        Ok(stmt.query_row([id], article_from_row).optional()?)
    }

    /// SQL for the path of the file an article `a`'s text comes from: the file that
    /// replaced it last, else its first-seen (`stored`) file; NULL on a database
    /// whose schema predates `text_source_id` (readers do not migrate).
    pub(in crate::store) fn text_source_expr(&self) -> Result<&'static str> {
        let has: bool = self.conn.query_row(
            "SELECT COUNT(*) FROM pragma_table_info('articles') WHERE name = 'text_source_id'",
            [],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        Ok(if has {
            "COALESCE((SELECT path FROM sources WHERE id = a.text_source_id),
                      (SELECT path FROM sources WHERE article_id = a.id AND status = 'stored'
                       ORDER BY id LIMIT 1))"
        } else {
            "(SELECT path FROM sources WHERE article_id = a.id AND status = 'stored' ORDER BY id LIMIT 1)"
        })
    }

    pub fn sources_of(&self, article_id: i64) -> Result<Vec<SourceRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, path, file_sha256, status, article_id, similarity, jaccard, containment,
                    shared_shingles, error, processed_at
             FROM sources WHERE article_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([article_id], source_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All sources, in id order (used by tests and `export`).
    pub fn all_sources(&self) -> Result<Vec<SourceRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, path, file_sha256, status, article_id, similarity, jaccard, containment,
                    shared_shingles, error, processed_at
             FROM sources ORDER BY id",
        )?;
        let rows = stmt.query_map([], source_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn article_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArticleRow> {
    let captions: String = r.get(4)?;
    let body: String = r.get(5)?;
    Ok(ArticleRow {
        id: r.get(0)?,
        title: r.get(1)?,
        published: r.get(2)?,
        author: r.get(3)?,
        captions: serde_json::from_str(&captions).unwrap_or_default(),
        body: crate::store::paragraphs(&body),
        content_sha256: r.get(6)?,
        ingested_at: r.get(7)?,
        text_source: r.get(8)?,
        url: r.get(9)?,
        site_name: r.get(10)?,
        lang: r.get(11)?,
    })
}

pub(super) fn source_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceRow> {
    let status: String = r.get(3)?;
    Ok(SourceRow {
        id: r.get(0)?,
        path: r.get(1)?,
        file_sha256: r.get(2)?,
        status: Status::parse(&status).unwrap_or(Status::Rejected),
        article_id: r.get(4)?,
        similarity: r.get(5)?,
        jaccard: r.get(6)?,
        containment: r.get(7)?,
        shared_shingles: r.get(8)?,
        error: r.get(9)?,
        processed_at: r.get(10)?,
    })
}

/// An exclusive `flock` on `<db>.lock`, so a second writer gets a clear error
/// instead of waiting or interleaving. Released by the OS when the process dies,
/// so a crash never leaves a stale lock behind.
struct WriterLock {
    _file: File,
    _inode: InodeLock,
}

impl WriterLock {
    /// The lock sits next to the real database file: `db` with its symbolic links
    /// resolved, so `--db link.db` and `--db real.db` (or `./real.db`, or the same file
    /// from another directory) take the same lock.
    fn acquire(db: &Path) -> Result<WriterLock> {
        let real = real_path(db);
        let mut lock_path = real.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .with_context(|| {
                format!("cannot create lock file {} (is the directory writable?)", lock_path.display())
            })?;
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a file descriptor we own; no memory is shared.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let holder = std::fs::read_to_string(&lock_path).unwrap_or_default();
            bail!(
                "database {} is in use by another news-ingest writer{}: stop it first, or use --db for another database (read-only commands such as `stats` and `search` keep working)",
                db.display(),
                if holder.trim().is_empty() { String::new() } else { format!(" (pid {})", holder.trim()) }
            );
        }
        file.set_len(0)?;
        let _ = write!(file, "{}", std::process::id());
        // Names can differ for one file (hard links, bind mounts): the database file
        // itself, by device and inode, is locked too.
        let inode = InodeLock::acquire(db, &real)?;
        Ok(WriterLock { _file: file, _inode: inode })
    }
}

/// Descriptors of database files this process has locked, by (device, inode), with
/// whether a writer holds it now. They are never closed: closing any descriptor of a
/// file drops every POSIX lock the process holds on it, SQLite's own included (a
/// reader's, in this process, would be lost); SQLite keeps its descriptors for the
/// same reason. One descriptor per database file the process ever wrote.
static INODE_LOCKS: std::sync::Mutex<Vec<(u64, u64, File, bool)>> = std::sync::Mutex::new(Vec::new());

/// The writer's lock on the database file's inode: an open-file-description lock on
/// one byte far past anything SQLite locks (its locks are byte ranges near 1 GiB), so
/// it never blocks SQLite's readers, and conflicts between processes whatever name
/// each opened the file by.
struct InodeLock {
    /// None for a file this process cannot write (nothing to protect).
    key: Option<(u64, u64)>,
}

impl InodeLock {
    /// The byte locked (`i64::MAX - 1`: no database reaches it).
    const BYTE: i64 = i64::MAX - 1;

    fn acquire(db: &Path, real: &Path) -> Result<InodeLock> {
        use std::os::unix::fs::MetadataExt;
        use std::os::unix::io::AsRawFd;
        let in_use = || {
            anyhow::anyhow!(
                "database {} is in use by another news-ingest writer (the same file, perhaps under another name: a hard link or a bind mount): stop it first, or use --db for another database (read-only commands such as `stats` and `search` keep working)",
                db.display()
            )
        };
        // SQLite takes an empty file as a new database: create it to have an inode.
        if let Err(e) = OpenOptions::new().write(true).create_new(true).open(real) {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                return Err(e).with_context(|| format!("cannot create database {}", db.display()));
            }
        }
        let meta =
            std::fs::metadata(real).with_context(|| format!("cannot examine database {}", db.display()))?;
        let mut locks = INODE_LOCKS.lock().unwrap_or_else(|e| e.into_inner());
        let mut key = (meta.dev(), meta.ino());
        let at = match locks.iter().position(|l| (l.0, l.1) == key) {
            Some(i) => i,
            None => {
                // Read and write: a write lock needs a descriptor open for writing. A
                // file this process cannot write is refused further on, with the reason.
                let file = match OpenOptions::new().read(true).write(true).open(real) {
                    Ok(f) => f,
                    Err(e)
                        if matches!(
                            e.raw_os_error(),
                            Some(libc::EACCES) | Some(libc::EPERM) | Some(libc::EROFS)
                        ) =>
                    {
                        return Ok(InodeLock { key: None });
                    }
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot open database {}", db.display()))
                    }
                };
                let m =
                    file.metadata().with_context(|| format!("cannot examine database {}", db.display()))?;
                // Replaced between the two looks: the descriptor decides.
                key = (m.dev(), m.ino());
                match locks.iter().position(|l| (l.0, l.1) == key) {
                    Some(i) => {
                        // Kept open too (see INODE_LOCKS): never closed.
                        std::mem::forget(file);
                        i
                    }
                    None => {
                        locks.push((key.0, key.1, file, false));
                        locks.len() - 1
                    }
                }
            }
        };
        let entry = &mut locks[at];
        if entry.3 {
            return Err(in_use());
        }
        if !set_byte_lock(entry.2.as_raw_fd(), true) {
            return Err(in_use());
        }
        entry.3 = true;
        Ok(InodeLock { key: Some(key) })
    }
}

impl Drop for InodeLock {
    fn drop(&mut self) {
        let mut locks = INODE_LOCKS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = locks.iter_mut().find(|l| Some((l.0, l.1)) == self.key) {
            use std::os::unix::io::AsRawFd;
            set_byte_lock(entry.2.as_raw_fd(), false);
            entry.3 = false;
        }
    }
}

/// Takes (without waiting) or releases the write lock on [`InodeLock::BYTE`] of `fd`:
/// an open-file-description lock where Linux has them, else `flock` on the file.
fn set_byte_lock(fd: std::os::unix::io::RawFd, lock: bool) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: an all-zero flock struct is valid; fcntl reads it and fd is ours.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = if lock { libc::F_WRLCK } else { libc::F_UNLCK } as libc::c_short;
        fl.l_whence = libc::SEEK_SET as libc::c_short;
        fl.l_start = InodeLock::BYTE;
        fl.l_len = 1;
        // SAFETY: F_OFD_SETLK with a valid flock struct on a descriptor we own.
        unsafe { libc::fcntl(fd, libc::F_OFD_SETLK, &fl) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let op = if lock { libc::LOCK_EX | libc::LOCK_NB } else { libc::LOCK_UN };
        // SAFETY: flock on a descriptor we own.
        unsafe { libc::flock(fd, op) == 0 }
    }
}

/// True when `old`, a path recorded relative to wherever an old run started
/// (`in/a.txt`, `./a.txt`), names the file at the canonical path `canonical`.
fn legacy_suffix_of(old: &[u8], canonical: &[u8]) -> bool {
    if old.starts_with(b"/") {
        return false;
    }
    let mut rel = old;
    while let Some(rest) = rel.strip_prefix(b"./") {
        rel = rest;
    }
    if rel.is_empty() || rel.split(|&b| b == b'/').any(|part| part == b"..") {
        return false;
    }
    canonical.len() > rel.len()
        && canonical.ends_with(rel)
        && canonical[canonical.len() - rel.len() - 1] == b'/'
}

/// Reads the schema once so that a file which is not a SQLite database (or a
/// damaged, truncated one) is reported as such, before anything else fails on it
/// with a misleading message (registering the ranking function was the first to
/// touch the schema and said "no FTS5").
fn check_is_database(conn: &Connection, path: &Path) -> Result<()> {
    let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) else {
        return Ok(());
    };
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => bail!(
            "{} is not a SQLite database (SQLite: {e}): it is another kind of file, or a database whose header is damaged; check --db / NEWS_INGEST_DB / database.path",
            path.display()
        ),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => bail!(
            "database {} is damaged or truncated (SQLite: {e}): restore it from a backup, or use --db for another database",
            path.display()
        ),
        _ => Err(e).with_context(|| format!("cannot read the schema of database {}", path.display())),
    }
}

/// `path` with every symbolic link resolved, also when the final file does not exist
/// yet (a dangling link to a database SQLite is about to create): the directory is
/// canonicalised and a final link is followed by hand, at most 40 times (the kernel's
/// limit). Falls back to the path as given when its directory cannot be resolved.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        let dir = match current.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(d) => d.to_path_buf(),
            None => PathBuf::from("."),
        };
        let Some(name) = current.file_name().map(|n| n.to_os_string()) else { return current };
        let Ok(dir) = std::fs::canonicalize(&dir) else { return current };
        let joined = dir.join(&name);
        match std::fs::read_link(&joined) {
            Ok(target) => current = dir.join(target),
            Err(_) => return joined,
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> FileKey {
        FileKey { path: path.into(), path_bytes: path.as_bytes().to_vec(), size: 1, mtime_ns: 1, access: 0 }
    }

    fn rejected<'a>(key: &'a FileKey, sha: &'a str, error: &'a str) -> NewSource<'a> {
        NewSource {
            key,
            file_sha256: Some(sha),
            status: Status::Rejected,
            article_id: None,
            similarity: None,
            evidence: None,
            error: Some(error),
        }
    }

    /// The writer asks these for every file: none may be re-prepared on reuse from
    /// the statement cache (`ORDER BY ... LIMIT` was, costing ~2 % of a run's CPU).
    #[test]
    fn hot_path_statements_are_not_reprepared() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open_writer(&dir.path().join("t.db"), Duration::from_secs(1)).unwrap();
        store.begin().unwrap();
        let (a, b) = (key("a"), key("b"));
        store.insert_source(&rejected(&a, "s1", "first")).unwrap();
        store.insert_source(&rejected(&b, "s1", "second")).unwrap();
        for i in 0..5 {
            assert_eq!(store.fate_of_bytes("s1").unwrap(), Some((None, Some("first".to_string()))));
            assert_eq!(store.fate_of_bytes(&format!("none{i}")).unwrap(), None);
            assert!(!store.seen_same_bytes(&key("c"), "s1").unwrap());
            assert_eq!(store.article_by_content("x").unwrap(), None);
        }
        store.commit().unwrap();
        for sql in [
            "SELECT id, article_id, error FROM sources WHERE file_sha256 = ?1",
            "UPDATE sources SET size = ?3, mtime_ns = ?4 WHERE path_bytes = ?1 AND file_sha256 = ?2",
            "SELECT id FROM articles WHERE content_sha256 = ?1",
        ] {
            let stmt = store.conn.prepare_cached(sql).unwrap();
            // The same cached statement the methods used (not a fresh one).
            assert!(stmt.get_status(rusqlite::StatementStatus::Run) >= 5, "{sql}");
            assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0, "{sql}");
        }
    }

    /// The checkpoint thread copies the WAL back while the writer keeps writing, so
    /// the database file grows before the writer closes. (How large the WAL gets
    /// depends on thread timing, so it is not asserted: a bound flaked in CI.)
    #[test]
    fn background_checkpoints_copy_the_wal_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let mut store = SqliteStore::open_writer(&db, Duration::from_secs(1)).unwrap();
        store.checkpoint_in_background(50).unwrap();
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let wal = dir.path().join("t.db-wal");
        let start = size(&db);
        for batch in 0..20 {
            store.begin().unwrap();
            for i in 0..50 {
                let k = key(&format!("{batch}/{i}"));
                store.insert_source(&rejected(&k, &format!("{batch}-{i}"), &"x".repeat(500))).unwrap();
            }
            if let Err(e) = store.commit() {
                panic!("{e:#}");
            }
        }
        // The thread runs on its own clock: give it up to 10 s to catch up.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while store.background_checkpoints() == Some(0) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(size(&db) > start, "nothing was checkpointed while the writer was open");
        assert!(store.background_checkpoints().unwrap() > 0, "the checkpoints ran on the writer");
        drop(store);
        assert_eq!(size(&wal), 0, "the WAL is checkpointed and removed on close");
        let reader = SqliteStore::open_reader(&db, Duration::from_secs(1)).unwrap();
        assert_eq!(reader.counts().unwrap().rejected, 1000);
    }

    /// The FTS5 merge setting reaches both indexes (FTS5 keeps it in `<table>_config`).
    #[test]
    fn fts_automerge_is_stored_in_both_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_writer(&dir.path().join("t.db"), Duration::from_secs(1)).unwrap();
        store.set_fts_automerge(16).unwrap();
        assert!(store.set_fts_automerge(1).is_err() && store.set_fts_automerge(17).is_err());
        for table in ["articles_fts_config", "articles_title_fts_config"] {
            let v: i64 = store
                .conn
                .query_row(&format!("SELECT v FROM {table} WHERE k = 'automerge'"), [], |r| r.get(0))
                .unwrap();
            assert_eq!(v, 16, "{table}");
        }
    }
}
