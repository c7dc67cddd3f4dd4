//! The PostgreSQL store: one database shared by workers on several hosts.
//!
//! Same contract as the SQLite store (`store::contract`), with what sharing needs:
//! - **Several writers.** No single-writer lock. Before deciding a text, a writer
//!   takes `pg_advisory_xact_lock` on the text's LSH band keys, de-duplicated and
//!   sorted, waiting only for keys above every key its batch holds (keys below are
//!   tried; when another writer has one, the batch commits first: no wait cycle, so
//!   no "deadlock detected"), then reads the shared band table (`bands`,
//!   the truth) for entries other writers added, verifies in Rust and writes; READ
//!   COMMITTED, so each statement after the lock wait sees what the holder
//!   committed. Exact duplicates by `INSERT … ON CONFLICT (content_sha256)`.
//!   A batch holds at most `max_batch_locks` keys (PostgreSQL's lock table is
//!   `max_locks_per_transaction` × `max_connections`).
//! - **Claims.** Workers reading one directory claim each file before reading it
//!   (`claims`, a lease per file); the claim is settled with the file's ledger row,
//!   re-checked against the ledger after it is taken (its statement may have waited
//!   for the worker that just recorded the file), and a worker gives all of its
//!   claims back when its pipeline has drained (stop, restart, reload).
//! - **Search.** Stored `tsvector`s (folded with `unaccent`, and accented) with GIN
//!   indexes, ranked by `ts_rank_cd`; the same query language as SQLite (`query.rs`).
//!
//! Client: the `postgres` crate (the blocking face of tokio-postgres), one owned
//! connection per store: the pipeline's writer is a blocking thread already.

mod query;
mod schema;
mod tls;

use std::cell::RefCell;
use std::collections::HashSet;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use postgres::{Client, NoTls, Row};

use crate::config::DatabaseConfig;
use crate::store::paragraphs;
use crate::store::{
    ArticleRow, Catalog, Counts, Fate, FileKey, KeyLocks, NewText, Recorded, Revision, SourceRow, Status,
    WriteStore,
};
use crate::Document;

/// `processed_at` / `ingested_at` in the SQLite store's format (UTC, milliseconds).
const NOW: &str = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

/// The advisory lock key under which workers migrate the schema one at a time.
const MIGRATION_LOCK: i64 = 0x6e65_7773_5f69_6e67; // "news_ing"

/// Keys are locked in this namespace (high bits), apart from other applications'.
const KEY_LOCK_SPACE: i64 = 0x4e49 << 32;

/// A connection to a news database on a PostgreSQL server.
pub struct PgStore {
    pub(in crate::store) client: RefCell<Client>,
    /// The URL without its password, for messages.
    pub(in crate::store) location: String,
    in_tx: bool,
    /// Band keys locked by the open transaction (released at its end).
    locked: HashSet<u32>,
    max_batch_locks: usize,
    /// Index entries this writer has in memory (loaded or written by it).
    known_entries: RefCell<HashSet<i64>>,
    /// This process, as named in `claims`.
    worker: String,
}

/// A client error with what the server or the TLS layer said (the error's own
/// `Display` is only "db error" or "error performing TLS handshake").
fn error_text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The URL as shown: the password replaced.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, rest),
    };
    match auth {
        Some(a) => match a.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => format!("{scheme}://{a}@{host}"),
        },
        None => url.to_string(),
    }
}

fn i64_of(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PgStore {
    /// Connects for writing: creates or migrates the schema.
    pub fn open_writer(url: &str, cfg: &DatabaseConfig) -> Result<PgStore> {
        let mut store = Self::connect(url, cfg)?;
        store
            .migrate()
            .with_context(|| format!("cannot create or update the schema of {}", store.location))?;
        Ok(store)
    }

    /// Connects for reading: the schema must exist and be one this build understands.
    pub fn open_reader(url: &str, cfg: &DatabaseConfig) -> Result<PgStore> {
        let store = Self::connect(url, cfg)?;
        let version = store.schema_version()?;
        let known = schema::MIGRATIONS.len() as i64;
        if version == 0 {
            bail!(
                "database {} has no news-ingest tables yet: run `news-ingest run` first, or pass --db",
                store.location
            );
        }
        if version > known {
            bail!(
                "database {} has schema version {version}, newer than this news-ingest understands ({known}): upgrade news-ingest",
                store.location
            );
        }
        Ok(store)
    }

    /// The applied migrations (0: none, no `meta` table).
    fn schema_version(&self) -> Result<i64> {
        let exists: bool = self.c().query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?.get(0);
        if !exists {
            return Ok(0);
        }
        Ok(self
            .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
            .and_then(|r| r.get::<_, String>(0).parse().ok())
            .unwrap_or(0))
    }

    fn connect(url: &str, cfg: &DatabaseConfig) -> Result<PgStore> {
        let location = redact(url);
        let tls = tls::parse(url);
        let mut pg: postgres::Config = tls.url.parse().with_context(|| {
            format!("cannot read the PostgreSQL URL {location} (postgresql://user@host:port/dbname)")
        })?;
        pg.application_name("news-ingest");
        pg.connect_timeout(Duration::from_millis(cfg.busy_timeout_ms.clamp(1000, 60_000)));
        let connected = match pg.get_ssl_mode() {
            postgres::config::SslMode::Disable => pg.connect(NoTls),
            _ => {
                pg.connect(tls::connector(&tls).with_context(|| format!("cannot set up TLS for {location}"))?)
            }
        };
        let client = connected.map_err(|e| {
            anyhow!("cannot connect to PostgreSQL database {location}: {} (is the server running, and does the database exist? news-ingest creates its tables, not the database)", error_text(&e))
        })?;
        Ok(PgStore {
            client: RefCell::new(client),
            location,
            in_tx: false,
            locked: HashSet::new(),
            max_batch_locks: cfg.pg_max_batch_locks.max(1),
            known_entries: RefCell::new(HashSet::new()),
            worker: format!(
                "{}:{}",
                std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
                std::process::id()
            ),
        })
    }

    fn c(&self) -> std::cell::RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    fn migrate(&mut self) -> Result<()> {
        let mut c = self.c();
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        let exists: bool = tx.query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?.get(0);
        if !exists {
            tx.batch_execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")?;
        }
        let version: i64 = tx
            .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
            .and_then(|r| r.get::<_, String>(0).parse().ok())
            .unwrap_or(0);
        if version == schema::MIGRATIONS.len() as i64 {
            return Ok(());
        }
        let known = schema::MIGRATIONS.len() as i64;
        if version > known {
            bail!("schema version {version} is newer than this news-ingest understands ({known}): upgrade news-ingest");
        }
        for (i, m) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(m).with_context(|| format!("migration {}", i + 1))?;
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&known.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn query(&self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<Vec<Row>> {
        Ok(self.c().query(sql, params)?)
    }

    fn query_opt(&self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<Option<Row>> {
        Ok(self.c().query_opt(sql, params)?)
    }

    /// Keeps article `id`'s current text findable as a member under its file, before
    /// another text takes its place.
    fn keep_text_as_member(&self, id: i64) -> Result<()> {
        self.execute(
            "INSERT INTO article_members(article_id, source_id, body, fingerprint)
             SELECT a.id, a.text_source_id, a.body, f.data FROM articles a
             JOIN fingerprints f ON f.article_id = a.id WHERE a.id = $1",
            &[&id],
        )?;
        Ok(())
    }

    fn execute(&self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64> {
        Ok(self.c().execute(sql, params)?)
    }

    fn insert_source(
        &self,
        key: &FileKey,
        file_sha256: Option<&str>,
        status: Status,
        article_id: Option<i64>,
        evidence: Option<crate::store::NearEvidence>,
        error: Option<&str>,
    ) -> Result<i64> {
        let similarity = match status {
            Status::Duplicate => Some(1.0),
            _ => evidence.map(|e| e.similarity()),
        };
        let access = error
            .filter(|e| e.contains("Permission denied") || e.contains("Operation not permitted"))
            .map(|_| key.access);
        let row = self.c().query_one(
            &format!(
                "INSERT INTO sources(path, path_bytes, size, mtime_ns, file_sha256, status, article_id,
                                     similarity, jaccard, containment, shared_shingles, error, processed_at,
                                     access_stamp)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, {NOW}, $13) RETURNING id"
            ),
            &[
                &key.path,
                &key.path_bytes,
                &(key.size as i64),
                &key.mtime_ns,
                &file_sha256,
                &status.as_str(),
                &article_id,
                &similarity,
                &evidence.map(|e| e.jaccard),
                &evidence.map(|e| e.containment),
                &evidence.map(|e| e.shared_shingles as i64),
                &error,
                &access,
            ],
        )?;
        // The file's claim is settled with its ledger row.
        self.execute("DELETE FROM claims WHERE path_bytes = $1", &[&key.path_bytes])?;
        Ok(row.get(0))
    }

    /// Adds an index entry of article `id` with its band keys.
    fn insert_entry(&self, id: i64, member: Option<i64>, data: &[u8], keys: &[u32]) -> Result<()> {
        let row = self.c().query_one(
            "INSERT INTO index_entries(article_id, member_id, data) VALUES ($1, $2, $3) RETURNING id",
            &[&id, &member, &data],
        )?;
        let entry: i64 = row.get(0);
        let keys: Vec<i64> = keys.iter().map(|&k| i64::from(k)).collect();
        self.execute("INSERT INTO bands(key, entry_id) SELECT unnest($1::bigint[]), $2", &[&keys, &entry])?;
        self.known_entries.borrow_mut().insert(entry);
        Ok(())
    }

    fn insert_member(&self, id: i64, source: Option<i64>, body: &str, data: &[u8]) -> Result<i64> {
        let row = self.c().query_one(
            "INSERT INTO article_members(article_id, source_id, body, fingerprint) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&id, &source, &body, &data],
        )?;
        Ok(row.get(0))
    }

    /// Inserts a new article, or finds that another writer stored this body first.
    fn insert_article(&self, text: &NewText<'_>) -> Result<Option<i64>> {
        let d = text.doc;
        let captions = serde_json::to_string(&d.captions)?;
        let row = self.query_opt(
            &format!(
                "INSERT INTO articles(title, published, author, body, captions, content_sha256, url, site_name,
                                      lang, ingested_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {NOW})
                 ON CONFLICT (content_sha256) DO NOTHING RETURNING id"
            ),
            &[&d.title, &d.published, &d.author, &d.body_text(), &captions, &text.content_sha256, &d.url, &d.site_name, &d.lang],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn replace_text(
        &self,
        id: i64,
        doc: &Document,
        text: &NewText<'_>,
        source: i64,
        reason: &str,
    ) -> Result<()> {
        let n = self.execute(
            &format!(
                "INSERT INTO article_revisions(article_id, title, published, author, body, captions,
                     content_sha256, text_source_id, replaced_by_source_id, reason, replaced_at)
                 SELECT id, title, published, author, body, captions, content_sha256, text_source_id, $2, $3, {NOW}
                 FROM articles WHERE id = $1"
            ),
            &[&id, &source, &reason],
        )?;
        if n == 0 {
            bail!("article {id} vanished from {} while its text was being replaced", self.location);
        }
        let captions = serde_json::to_string(&doc.captions)?;
        self.execute(
            "UPDATE articles SET title = $2, published = COALESCE($3, published), author = COALESCE($4, author),
                 body = $5, captions = $6, content_sha256 = $7, text_source_id = $8
             WHERE id = $1",
            &[&id, &doc.title, &doc.published, &doc.author, &doc.body_text(), &captions, &text.content_sha256, &source],
        )?;
        Ok(())
    }

    fn text_source_expr() -> &'static str {
        "COALESCE((SELECT path FROM sources WHERE id = a.text_source_id),
                  (SELECT path FROM sources WHERE article_id = a.id AND status = 'stored' ORDER BY id LIMIT 1))"
    }
}

const SOURCE_COLUMNS: &str = "id, path, file_sha256, status, article_id, similarity, jaccard, containment,
                              shared_shingles, error, processed_at";

fn source_from_row(r: &Row) -> SourceRow {
    let status: String = r.get(3);
    SourceRow {
        id: r.get(0),
        path: r.get(1),
        file_sha256: r.get(2),
        status: Status::parse(&status).unwrap_or(Status::Rejected),
        article_id: r.get(4),
        similarity: r.get(5),
        jaccard: r.get(6),
        containment: r.get(7),
        shared_shingles: r.get(8),
        error: r.get(9),
        processed_at: r.get(10),
    }
}

const ARTICLE_COLUMNS: &str = "a.id, a.title, a.published, a.author, a.captions, a.body, a.content_sha256,
                               a.ingested_at, a.url, a.site_name, a.lang";

/// An article row from [`ARTICLE_COLUMNS`] followed by the text source's path.
fn article_from_row(r: &Row) -> ArticleRow {
    let captions: String = r.get(4);
    let body: String = r.get(5);
    ArticleRow {
        id: r.get(0),
        title: r.get(1),
        published: r.get(2),
        author: r.get(3),
        captions: serde_json::from_str(&captions).unwrap_or_default(),
        body: paragraphs(&body),
        content_sha256: r.get(6),
        ingested_at: r.get(7),
        url: r.get(8),
        site_name: r.get(9),
        lang: r.get(10),
        text_source: r.get(11),
    }
}

impl PgStore {
    /// The live article that article `id` was merged into, if it was.
    pub(super) fn merged_into_impl(&self, id: i64) -> Result<Option<i64>> {
        Ok(self
            .query_opt(
                "SELECT m.into_id FROM article_merges m JOIN articles a ON a.id = m.into_id WHERE m.from_id = $1",
                &[&id],
            )?
            .map(|r| r.get(0)))
    }

    /// [`WriteStore::record`] without its savepoint.
    fn record_file(&mut self, key: &FileKey, file_sha256: Option<&str>, fate: Fate<'_>) -> Result<Recorded> {
        let (status, article_id, source_id) = match fate {
            Fate::Rejected { reason } => (
                Status::Rejected,
                None,
                self.insert_source(key, file_sha256, Status::Rejected, None, None, Some(reason))?,
            ),
            Fate::Duplicate { article_id } => (
                Status::Duplicate,
                article_id,
                self.insert_source(key, file_sha256, Status::Duplicate, article_id, None, None)?,
            ),
            Fate::Stored { text } => match self.insert_article(&text)? {
                Some(id) => {
                    self.execute(
                        "INSERT INTO fingerprints(article_id, data) VALUES ($1, $2)",
                        &[&id, &text.fingerprint],
                    )?;
                    self.execute(
                        "INSERT INTO signatures(article_id, shingles, data) VALUES ($1, $2, $3)",
                        &[&id, &i64_of(text.shingles), &text.signature],
                    )?;
                    self.insert_entry(id, None, text.fingerprint, text.keys)?;
                    (
                        Status::Stored,
                        Some(id),
                        self.insert_source(key, file_sha256, Status::Stored, Some(id), None, None)?,
                    )
                }
                // Another writer stored the same body first (the key locks make this
                // rare: identical bodies have identical keys).
                None => {
                    let id = self.article_by_content(text.content_sha256)?;
                    (
                        Status::Duplicate,
                        id,
                        self.insert_source(key, file_sha256, Status::Duplicate, id, None, None)?,
                    )
                }
            },
            Fate::Member { article_id, evidence, body, fingerprint, keys } => {
                let sid = self.insert_source(
                    key,
                    file_sha256,
                    Status::NearDuplicate,
                    Some(article_id),
                    Some(evidence),
                    None,
                )?;
                let member = self.insert_member(article_id, Some(sid), &body.join("\n\n"), fingerprint)?;
                self.insert_entry(article_id, Some(member), fingerprint, keys)?;
                (Status::NearDuplicate, Some(article_id), sid)
            }
            Fate::Replaced { article_id, status, evidence, text, reason } => {
                let sid =
                    self.insert_source(key, file_sha256, status, Some(article_id), Some(evidence), None)?;
                let old = self.query_opt(
                    "SELECT a.body, f.data FROM articles a JOIN fingerprints f ON f.article_id = a.id WHERE a.id = $1",
                    &[&article_id],
                )?;
                self.replace_text(article_id, text.doc, &text, sid, reason)?;
                self.update_fingerprint(article_id, text.fingerprint, text.shingles, text.signature)?;
                // The old text stays findable (its index entry stays); it becomes a member.
                if let Some(old) = old {
                    let (body, data): (String, Vec<u8>) = (old.get(0), old.get(1));
                    self.insert_member(article_id, None, &body, &data)?;
                }
                self.insert_entry(article_id, None, text.fingerprint, text.keys)?;
                (status, Some(article_id), sid)
            }
        };
        Ok(Recorded { status, article_id, source_id, recorded_elsewhere: false })
    }
}

/// A foreign-key violation: a row named an article that is not there (any more).
fn is_missing_article(e: &anyhow::Error) -> bool {
    e.downcast_ref::<postgres::Error>()
        .and_then(|e| e.as_db_error())
        .is_some_and(|d| *d.code() == postgres::error::SqlState::FOREIGN_KEY_VIOLATION)
}

/// A unique violation of the ledger's (path, bytes) key: the file is recorded.
fn is_ledger_conflict(e: &anyhow::Error) -> bool {
    e.downcast_ref::<postgres::Error>().and_then(|e| e.as_db_error()).is_some_and(|d| {
        *d.code() == postgres::error::SqlState::UNIQUE_VIOLATION && d.constraint() == Some("sources_path_sha")
    })
}

impl Catalog for PgStore {
    fn fate_of_bytes(&self, file_sha256: &str) -> Result<Option<(Option<i64>, Option<String>)>> {
        Ok(self
            .query_opt(
                "SELECT article_id, error FROM sources WHERE file_sha256 = $1 ORDER BY id LIMIT 1",
                &[&file_sha256],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn article_by_content(&self, content_sha256: &str) -> Result<Option<i64>> {
        Ok(self
            .query_opt("SELECT id FROM articles WHERE content_sha256 = $1", &[&content_sha256])?
            .map(|r| r.get(0)))
    }

    fn article_with_text_from(&self, path_bytes: &[u8]) -> Result<Option<i64>> {
        let Some(row) = self.query_opt(
            "SELECT article_id FROM sources WHERE path_bytes = $1 AND article_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            &[&path_bytes],
        )?
        else {
            return Ok(None);
        };
        let id: i64 = row.get(0);
        let from: Option<Vec<u8>> = self
            .query_opt(
                "SELECT s.path_bytes FROM articles a
                 JOIN sources s ON s.id = COALESCE(a.text_source_id,
                     (SELECT id FROM sources WHERE article_id = a.id AND status = 'stored' ORDER BY id LIMIT 1))
                 WHERE a.id = $1",
                &[&id],
            )?
            .map(|r| r.get(0));
        Ok((from.as_deref() == Some(path_bytes)).then_some(id))
    }

    fn article_paragraphs(&self, id: i64) -> Result<Option<Vec<String>>> {
        Ok(self.query_opt("SELECT body FROM articles WHERE id = $1", &[&id])?.map(|r| paragraphs(r.get(0))))
    }

    fn signature(&self, id: i64) -> Result<Option<(usize, Vec<u8>)>> {
        Ok(self
            .query_opt("SELECT shingles, data FROM signatures WHERE article_id = $1", &[&id])?
            .map(|r| (usize::try_from(r.get::<_, i64>(0)).unwrap_or(0), r.get(1))))
    }

    fn member_paragraphs(&self, id: i64, limit: usize) -> Result<Vec<Vec<String>>> {
        Ok(self
            .query(
                "SELECT body FROM article_members WHERE article_id = $1 ORDER BY id DESC LIMIT $2",
                &[&id, &i64_of(limit)],
            )?
            .iter()
            .map(|r| paragraphs(r.get(0)))
            .collect())
    }
}

impl WriteStore for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn as_catalog(&self) -> &dyn Catalog {
        self
    }

    fn begin(&mut self) -> Result<()> {
        if !self.in_tx {
            self.c().batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")?;
            self.in_tx = true;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.in_tx {
            self.in_tx = false;
            self.locked.clear();
            if let Err(e) = self.c().batch_execute("COMMIT") {
                let _ = self.c().batch_execute("ROLLBACK");
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn rollback(&mut self) {
        if self.in_tx {
            self.in_tx = false;
            self.locked.clear();
            let _ = self.c().batch_execute("ROLLBACK");
        }
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?.map(|r| r.get(0)))
    }

    fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn seen_same_bytes(&self, key: &FileKey, file_sha256: &str) -> Result<bool> {
        let n = self.execute(
            "UPDATE sources SET size = $3, mtime_ns = $4 WHERE path_bytes = $1 AND file_sha256 = $2",
            &[&key.path_bytes, &file_sha256, &(key.size as i64), &key.mtime_ns],
        )?;
        if n > 0 {
            self.execute("DELETE FROM claims WHERE path_bytes = $1", &[&key.path_bytes])?;
        }
        Ok(n > 0)
    }

    fn record(&mut self, key: &FileKey, file_sha256: Option<&str>, fate: Fate<'_>) -> Result<Recorded> {
        // One file's rows are all or nothing inside the batch: when another worker
        // recorded the same file first (its claim ran out on this one), they are
        // undone and the batch goes on.
        self.c().batch_execute("SAVEPOINT news_ingest_file")?;
        let mut result = self.record_file(key, file_sha256, fate);
        if let (Err(e), Some(gone)) = (&result, fate.article()) {
            // The article was merged away by another writer after this one decided
            // on it (the foreign key waited for that merge to commit): the file goes
            // to the article it was merged into.
            if is_missing_article(e) {
                self.c().batch_execute("ROLLBACK TO SAVEPOINT news_ingest_file")?;
                let into = self.merged_into_impl(gone)?;
                tracing::debug!(path = %key.path, from = gone, into = ?into, "article merged away meanwhile");
                result = match into {
                    Some(into) => self.record_file(key, file_sha256, fate.onto(into)),
                    None => Err(anyhow::anyhow!(
                        "article {gone} is gone (deleted, not merged) while {} was being recorded onto it",
                        key.path
                    )),
                };
            }
        }
        match result {
            Ok(r) => {
                self.c().batch_execute("RELEASE SAVEPOINT news_ingest_file")?;
                Ok(r)
            }
            Err(e) if is_ledger_conflict(&e) => {
                self.c().batch_execute("ROLLBACK TO SAVEPOINT news_ingest_file")?;
                tracing::debug!(path = %key.path, "recorded by another worker first");
                Ok(Recorded {
                    status: Status::Duplicate,
                    article_id: None,
                    source_id: 0,
                    recorded_elsewhere: true,
                })
            }
            Err(e) => Err(e),
        }
    }

    fn for_each_index_entry(&self, f: &mut dyn FnMut(i64, &[u8])) -> Result<()> {
        let rows = self.query("SELECT id, article_id, data FROM index_entries ORDER BY id", &[])?;
        let mut known = self.known_entries.borrow_mut();
        for r in &rows {
            known.insert(r.get(0));
            let data: &[u8] = r.get(2);
            f(r.get(1), data);
        }
        Ok(())
    }

    fn lock_keys(&mut self, keys: &[u32]) -> Result<KeyLocks> {
        let mut new: Vec<u32> = keys.iter().copied().filter(|k| !self.locked.contains(k)).collect();
        new.sort_unstable();
        new.dedup();
        // A writer only ever waits for keys above every key it holds, so no two
        // writers wait on each other in a cycle (one text's keys are sorted; a batch
        // of texts is not). Keys below are tried without waiting; when another writer
        // has one, the batch commits first and the keys are taken again in order.
        let highest = self.locked.iter().max().copied();
        let split = highest.map_or(0, |h| new.partition_point(|&k| k < h));
        let (below, above) = new.split_at(split);
        if !below.is_empty() {
            let tried: Vec<i64> = below.iter().map(|&k| KEY_LOCK_SPACE | i64::from(k)).collect();
            let got: i64 = self
                .c()
                .query_one(
                    "SELECT count(*) FILTER (WHERE pg_try_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k",
                    &[&tried],
                )?
                .get(0);
            if got < tried.len() as i64 {
                // Those taken are held until the commit, which the writer now does.
                return Ok(KeyLocks::CommitFirst);
            }
        }
        if !above.is_empty() {
            let lock_keys: Vec<i64> = above.iter().map(|&k| KEY_LOCK_SPACE | i64::from(k)).collect();
            self.execute(
                "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) AS s",
                &[&lock_keys],
            )?;
        }
        self.locked.extend(new);
        let all: Vec<i64> = keys.iter().map(|&k| i64::from(k)).collect();
        let rows = self.query(
            "SELECT DISTINCT e.id, e.article_id, e.data FROM bands b JOIN index_entries e ON e.id = b.entry_id
             WHERE b.key = ANY($1)",
            &[&all],
        )?;
        let mut known = self.known_entries.borrow_mut();
        Ok(KeyLocks::Held(
            rows.iter()
                .filter(|r| known.insert(r.get::<_, i64>(0)))
                .map(|r| (r.get::<_, i64>(1), r.get::<_, Vec<u8>>(2)))
                .collect(),
        ))
    }

    fn batch_full(&self) -> bool {
        self.locked.len() >= self.max_batch_locks
    }

    fn fingerprinted_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Option<Vec<u8>>)>> {
        Ok(self
            .query(
                "SELECT f.article_id, s.data FROM fingerprints f LEFT JOIN signatures s USING (article_id)
                 WHERE f.article_id > $1 ORDER BY f.article_id LIMIT $2",
                &[&after, &i64_of(limit)],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn set_fingerprint(&self, article_id: i64, data: &[u8], keys: &[u32]) -> Result<()> {
        self.execute("UPDATE fingerprints SET data = $2 WHERE article_id = $1", &[&article_id, &data])?;
        // The shared index is what writers load and lock on: the current text's entry
        // (and the entries of earlier texts, which are members and get theirs back in
        // `set_member_fingerprint`) is replaced under the new band keys.
        self.execute(
            "DELETE FROM index_entries WHERE article_id = $1 AND member_id IS NULL",
            &[&article_id],
        )?;
        self.insert_entry(article_id, None, data, keys)
    }

    fn update_fingerprint(
        &self,
        article_id: i64,
        data: &[u8],
        shingles: usize,
        signature: &[u8],
    ) -> Result<()> {
        self.execute(
            "INSERT INTO fingerprints(article_id, data) VALUES ($1, $2)
             ON CONFLICT (article_id) DO UPDATE SET data = excluded.data",
            &[&article_id, &data],
        )?;
        self.execute(
            "INSERT INTO signatures(article_id, shingles, data) VALUES ($1, $2, $3)
             ON CONFLICT (article_id) DO UPDATE SET shingles = excluded.shingles, data = excluded.data",
            &[&article_id, &i64_of(shingles), &signature],
        )?;
        Ok(())
    }

    fn members_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Vec<String>)>> {
        Ok(self
            .query(
                "SELECT id, body FROM article_members WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &i64_of(limit)],
            )?
            .iter()
            .map(|r| (r.get(0), paragraphs(r.get(1))))
            .collect())
    }

    fn merge_articles(&mut self, into: i64, from: i64, ev: crate::store::NearEvidence) -> Result<bool> {
        // Both rows locked first (in id order): a writer that is adding a file or a
        // member to `from` holds a key-share lock on it until it commits, so this
        // waits for it and then moves its rows too (the statements below see its
        // commit), instead of the delete cascading over them. A writer that comes
        // after waits for this commit and then finds `from` gone (a foreign-key
        // error: its batch is rolled back and read again).
        let live: i64 = self
            .query_opt(
                "SELECT count(*) FROM (SELECT id FROM articles WHERE id = ANY($1) AND $2 ORDER BY id FOR UPDATE) AS a",
                &[&vec![into, from], &(into != from)],
            )?
            .map_or(0, |r| r.get(0));
        if live != 2 {
            return Ok(false);
        }
        self.execute("UPDATE article_members SET article_id = $1 WHERE article_id = $2", &[&into, &from])?;
        let member = self.query_opt(
            "INSERT INTO article_members(article_id, source_id, body, fingerprint)
             SELECT $1, a.text_source_id, a.body, f.data FROM articles a JOIN fingerprints f ON f.article_id = a.id
             WHERE a.id = $2 RETURNING id",
            &[&into, &from],
        )?;
        // The index entries move too; the one of `from`'s current text becomes its
        // member's entry (re-banding rewrites entries per member).
        if let Some(m) = member {
            let mid: i64 = m.get(0);
            self.execute(
                "UPDATE index_entries SET member_id = $2 WHERE article_id = $1 AND member_id IS NULL",
                &[&from, &mid],
            )?;
        }
        self.execute("UPDATE index_entries SET article_id = $1 WHERE article_id = $2", &[&into, &from])?;
        self.execute("UPDATE article_revisions SET article_id = $1 WHERE article_id = $2", &[&into, &from])?;
        self.execute(
            "UPDATE sources SET status = 'near_duplicate', similarity = $2, jaccard = $3, containment = $4,
             shared_shingles = $5 WHERE article_id = $1 AND status = 'stored'",
            &[&from, &ev.similarity(), &ev.jaccard, &ev.containment, &(ev.shared_shingles as i64)],
        )?;
        self.execute("UPDATE sources SET article_id = $1 WHERE article_id = $2", &[&into, &from])?;
        self.execute("UPDATE articles SET text_source_id = NULL WHERE id = $1", &[&from])?;
        // Where `from` went, for writers that decided on it before this commit (see
        // `record`) and for readers (one hop).
        self.execute("UPDATE article_merges SET into_id = $1 WHERE into_id = $2", &[&into, &from])?;
        self.execute(
            &format!(
                "INSERT INTO article_merges(from_id, into_id, merged_at) VALUES ($2, $1, {NOW})
                 ON CONFLICT (from_id) DO UPDATE SET into_id = excluded.into_id, merged_at = excluded.merged_at"
            ),
            &[&into, &from],
        )?;
        self.execute("DELETE FROM articles WHERE id = $1", &[&from])?;
        Ok(true)
    }

    fn restore_previous_text(
        &mut self,
        id: i64,
        index: &mut dyn FnMut(&[String]) -> crate::store::IndexForm,
    ) -> Result<bool> {
        // The revision the current text's file replaced, unless another article now
        // has its body (the restored text must stay unique). The article row is
        // locked first, as by a merge.
        let Some(row) = self.query_opt(
            "SELECT r.id, r.body FROM article_revisions r
             JOIN (SELECT id, text_source_id FROM articles WHERE id = $1 FOR UPDATE) a ON a.id = r.article_id
             WHERE r.replaced_by_source_id = a.text_source_id AND r.reason = 'fullest'
               AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.content_sha256 = r.content_sha256 AND o.id <> a.id)
             ORDER BY r.id DESC LIMIT 1",
            &[&id],
        )?
        else {
            return Ok(false);
        };
        let (revision, body): (i64, String) = (row.get(0), row.get(1));
        let form = index(&paragraphs(&body));
        // The current text stays findable, as a member under its file (its index
        // entry stays, as when it replaced the text it now gives back).
        self.keep_text_as_member(id)?;
        self.execute(
            "UPDATE articles SET title = r.title, published = r.published, author = r.author,
                 body = r.body, captions = r.captions, content_sha256 = r.content_sha256,
                 text_source_id = r.text_source_id
             FROM article_revisions r WHERE r.id = $2 AND articles.id = $1",
            &[&id, &revision],
        )?;
        self.update_fingerprint(id, &form.fingerprint, form.shingles, &form.signature)?;
        self.insert_entry(id, None, &form.fingerprint, &form.keys)?;
        self.execute("DELETE FROM article_revisions WHERE id = $1", &[&revision])?;
        Ok(true)
    }

    fn take_member_text(
        &mut self,
        id: i64,
        body: &[String],
        content_sha256: &str,
        form: &crate::store::IndexForm,
    ) -> Result<bool> {
        // The article row is locked first, as by a merge.
        let Some(row) = self.query_opt(
            "SELECT m.id, m.source_id FROM article_members m
             JOIN (SELECT id FROM articles WHERE id = $1 FOR UPDATE) a ON a.id = m.article_id
             WHERE m.body = $2 AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.content_sha256 = $3)
             ORDER BY m.id DESC LIMIT 1",
            &[&id, &body.join("\n\n"), &content_sha256],
        )?
        else {
            return Ok(false);
        };
        let (member, source): (i64, Option<i64>) = (row.get(0), row.get(1));
        // The current text stays findable, as a member under its file (its index
        // entry stays); the member's entry becomes the text's before the member goes.
        self.keep_text_as_member(id)?;
        self.execute("UPDATE index_entries SET member_id = NULL WHERE member_id = $1", &[&member])?;
        self.execute(
            "UPDATE articles SET body = m.body, content_sha256 = $3, text_source_id = $4
             FROM article_members m WHERE m.id = $2 AND articles.id = $1",
            &[&id, &member, &content_sha256, &source],
        )?;
        self.update_fingerprint(id, &form.fingerprint, form.shingles, &form.signature)?;
        self.execute("DELETE FROM article_members WHERE id = $1", &[&member])?;
        Ok(true)
    }

    fn set_member_fingerprint(&self, member_id: i64, data: &[u8], keys: &[u32]) -> Result<()> {
        let Some(row) = self.query_opt(
            "UPDATE article_members SET fingerprint = $2 WHERE id = $1 RETURNING article_id",
            &[&member_id, &data],
        )?
        else {
            return Ok(());
        };
        self.execute("DELETE FROM index_entries WHERE member_id = $1", &[&member_id])?;
        self.insert_entry(row.get(0), Some(member_id), data, keys)
    }

    fn forget_path(&self, path: &str) -> Result<(u64, u64)> {
        let kept: i64 = self
            .query_opt("SELECT count(*) FROM sources WHERE path = $1 AND status = 'stored'", &[&path])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        let n = self.execute("DELETE FROM sources WHERE path = $1 AND status <> 'stored'", &[&path])?;
        Ok((n, kept.max(0) as u64))
    }

    fn forget_status(&self, status: Status) -> Result<u64> {
        if status == Status::Stored {
            bail!("stored files are the articles' own records: use `news-ingest delete ID` to remove an article");
        }
        self.execute("DELETE FROM sources WHERE status = $1", &[&status.as_str()])
    }

    fn delete_article(&self, id: i64) -> Result<Option<u64>> {
        let files: i64 = self
            .query_opt("SELECT count(*) FROM sources WHERE article_id = $1", &[&id])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        // Foreign keys cascade: ledger rows, fingerprint, signature, members,
        // revisions and index entries go with the article.
        let n = self.execute("DELETE FROM articles WHERE id = $1", &[&id])?;
        Ok((n > 0).then_some(files.max(0) as u64))
    }

    fn reindex(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64> {
        // The trigger recomputes both tsvectors on an update of title or body.
        let n = self.execute("UPDATE articles SET title = title, body = body", &[])?;
        progress(n);
        Ok(n)
    }
}

impl PgStore {
    fn counts_impl(&self) -> Result<Counts> {
        let mut c = Counts::default();
        for row in self.query("SELECT status, count(*) FROM sources GROUP BY status", &[])? {
            let status: String = row.get(0);
            let n = row.get::<_, i64>(1).max(0) as u64;
            c.files += n;
            match Status::parse(&status) {
                Some(Status::Duplicate) => c.exact_duplicates += n,
                Some(Status::NearDuplicate) => c.near_duplicates += n,
                Some(Status::Rejected) => c.rejected += n,
                Some(Status::Updated) => c.updated += n,
                _ => {}
            }
        }
        c.articles = self
            .query_opt("SELECT count(*) FROM articles", &[])?
            .map(|r| r.get::<_, i64>(0).max(0) as u64)
            .unwrap_or(0);
        c.last_ingest = self.query_opt("SELECT max(processed_at) FROM sources", &[])?.and_then(|r| r.get(0));
        Ok(c)
    }

    fn article_impl(&self, id: i64) -> Result<Option<ArticleRow>> {
        Ok(self
            .query_opt(
                &format!(
                    "SELECT {ARTICLE_COLUMNS}, {} FROM articles a WHERE a.id = $1",
                    Self::text_source_expr()
                ),
                &[&id],
            )?
            .map(|r| article_from_row(&r)))
    }

    fn sources_of_impl(&self, article_id: i64) -> Result<Vec<SourceRow>> {
        Ok(self
            .query(
                &format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE article_id = $1 ORDER BY id"),
                &[&article_id],
            )?
            .iter()
            .map(source_from_row)
            .collect())
    }

    fn revisions_impl(&self, id: i64) -> Result<Vec<Revision>> {
        Ok(self
            .query(
                "SELECT r.title, r.body, r.reason, r.replaced_at, s.path
                 FROM article_revisions r LEFT JOIN sources s ON s.id = r.replaced_by_source_id
                 WHERE r.article_id = $1 ORDER BY r.id",
                &[&id],
            )?
            .iter()
            .map(|r| Revision {
                title: r.get(0),
                body: paragraphs(r.get(1)),
                reason: r.get(2),
                replaced_at: r.get(3),
                replaced_by: r.get(4),
            })
            .collect())
    }

    fn claim_impl(&self, key: &FileKey, lease: Duration) -> Result<bool> {
        let secs = lease.as_secs_f64();
        let row = self.query_opt(
            "INSERT INTO claims(path_bytes, worker, expires_at)
             SELECT $1, $2, now() + make_interval(secs => $3)
             WHERE NOT EXISTS (SELECT 1 FROM sources WHERE path_bytes = $1 AND size = $4 AND mtime_ns = $5)
             ON CONFLICT (path_bytes) DO UPDATE SET worker = excluded.worker, expires_at = excluded.expires_at
                 WHERE claims.expires_at < now() OR claims.worker = excluded.worker
             RETURNING worker",
            &[&key.path_bytes, &self.worker, &secs, &(key.size as i64), &key.mtime_ns],
        )?;
        if row.is_none() {
            return Ok(false);
        }
        // The statement's snapshot predates a commit it may have waited for: the
        // worker whose claim it replaced may have just recorded the file. A new
        // statement sees that commit; give the claim back rather than read the file
        // a second time.
        let recorded = self
            .query_opt(
                "SELECT 1 FROM sources WHERE path_bytes = $1 AND size = $2 AND mtime_ns = $3 LIMIT 1",
                &[&key.path_bytes, &(key.size as i64), &key.mtime_ns],
            )?
            .is_some();
        if recorded {
            self.execute(
                "DELETE FROM claims WHERE path_bytes = $1 AND worker = $2",
                &[&key.path_bytes, &self.worker],
            )?;
        }
        Ok(!recorded)
    }

    fn release_claims_impl(&self) -> Result<u64> {
        self.execute("DELETE FROM claims WHERE worker = $1", &[&self.worker])
    }
}
