//! The SQLite side of the query commands: bounded FTS5 search, clusters, export,
//! statistics (the backend-neutral query language is `store::query`).

use anyhow::{bail, Context, Result};
use rusqlite::{params, OptionalExtension};

use crate::config::SearchConfig;

use super::fts5::Plan;
use super::rank::RANK_FN;
use super::SqliteStore;
use crate::store::query::{snippet, ParsedQuery};
/// bm25 weights of the FTS columns (title, body).
const TITLE_WEIGHT: f64 = 4.0;
const BODY_WEIGHT: f64 = 1.0;
/// The full-text indexes (see `fts5.rs`), and whether each is a folded one.
const FTS_TABLES: [(&str, bool); 4] = [
    ("articles_fts", true),
    ("articles_title_fts", true),
    ("articles_acc_fts", false),
    ("articles_title_acc_fts", false),
];

/// SQL for a column as the folded indexes take it (`đ` → `d`; the schema's triggers
/// use the same expression).
fn d_fold_sql(col: &str) -> String {
    format!("replace(replace(replace(replace({col}, 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D')")
}

/// SQL for a column as the accented indexes take it (`ð` → `đ`).
fn acc_sql(col: &str) -> String {
    format!("replace(replace({col}, 'ð', 'đ'), 'Ð', 'Đ')")
}
/// Meta key set while the index must be rebuilt from `articles` (after migration 2).
pub(super) const FTS_STALE_KEY: &str = "fts_stale";

/// An article's day for date filters: `published` (`YYYY-MM` → first of the month),
/// else the date of `ingested_at`.
const DAY_EXPR: &str = "COALESCE(CASE WHEN length(a.published) = 7 THEN a.published || '-01' \
                        ELSE a.published END, substr(a.ingested_at, 1, 10))";

/// Articles read per short read transaction by `export` (see `for_each_article`).
const EXPORT_CHUNK: i64 = 256;

use crate::store::{
    ArticleRow, ClusterHead, DateRange, SearchHit, SearchOutcome, SourceBrief, Status, StoreStats,
};

// ---- the store --------------------------------------------------------------------

impl SqliteStore {
    /// Rebuilds the full-text indexes from `articles` in one transaction; returns the
    /// number of articles indexed. Needs a writer. (FTS5's own `'rebuild'` command
    /// would index the text without the `đ` → `d` of the folded indexes: use this.)
    pub fn reindex(&mut self, mut progress: impl FnMut(u64)) -> Result<u64> {
        self.begin()?;
        let result = (|| -> Result<u64> {
            for (table, _) in FTS_TABLES {
                self.conn.execute(&format!("INSERT INTO {table}({table}) VALUES ('delete-all')"), [])?;
            }
            let newest: i64 =
                self.conn.query_row("SELECT COALESCE(max(id), 0) FROM articles", [], |r| r.get(0))?;
            let mut n = 0u64;
            let mut from = 0i64;
            while from < newest {
                let to = from.saturating_add(10_000);
                for (table, fold) in FTS_TABLES {
                    let f = |col: &str| if fold { d_fold_sql(col) } else { acc_sql(col) };
                    let sql = if table.contains("title") {
                        format!("INSERT INTO {table}(rowid, title) SELECT id, {} FROM articles WHERE id > ?1 AND id <= ?2", f("title"))
                    } else {
                        format!(
                            "INSERT INTO {table}(rowid, title, body) SELECT id, {}, {} FROM articles WHERE id > ?1 AND id <= ?2",
                            f("title"),
                            f("body")
                        )
                    };
                    self.conn.execute(&sql, params![from, to])?;
                }
                n += self
                    .conn
                    .query_row(
                        "SELECT count(*) FROM articles WHERE id > ?1 AND id <= ?2",
                        params![from, to],
                        |r| r.get::<_, i64>(0),
                    )?
                    .max(0) as u64;
                progress(n);
                from = to;
            }
            self.conn.execute("DELETE FROM meta WHERE key = ?1", [FTS_STALE_KEY])?;
            Ok(n)
        })();
        match result {
            Ok(n) => {
                self.commit()?;
                self.optimize_index()?;
                Ok(n)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    /// Merges the index's segments into one: faster queries after a big load.
    pub fn optimize_index(&self) -> Result<()> {
        self.conn
            .execute_batch(
                &FTS_TABLES
                    .iter()
                    .map(|(t, _)| format!("INSERT INTO {t}({t}) VALUES ('optimize');"))
                    .collect::<String>(),
            )
            .with_context(|| format!("cannot optimise the search index of {}", self.path().display()))?;
        Ok(())
    }

    /// How many segments of one size FTS5 lets accumulate before merging them
    /// (its `automerge` option, stored in the index; FTS5's default is 4). Each
    /// merge rewrites the postings, so a larger value means less writing per article
    /// on a growing store, and at most that many segments per level for a query.
    pub fn set_fts_automerge(&self, segments: u32) -> Result<()> {
        if !(2..=16).contains(&segments) {
            bail!("FTS5 automerge must be between 2 and 16, got {segments}");
        }
        self.conn
            .execute_batch(
                &FTS_TABLES
                    .iter()
                    .map(|(t, _)| format!("INSERT INTO {t}({t}, rank) VALUES ('automerge', {segments});"))
                    .collect::<String>(),
            )
            .with_context(|| format!("cannot configure the search index of {}", self.path().display()))
    }

    /// After migration 2 on a database with articles: build the index once.
    pub(super) fn reindex_if_stale(&mut self) -> Result<()> {
        if self.meta_get(FTS_STALE_KEY)?.is_some() {
            let n = self.reindex(|_| {})?;
            if n > 0 {
                tracing::info!(articles = n, "built the full-text search index");
            }
        }
        Ok(())
    }

    /// Fails with advice when the database has no usable search index.
    fn check_index(&self) -> Result<()> {
        // The accented index is the newest part of the schema's search tables.
        let current = self
            .conn
            .query_row("SELECT 1 FROM sqlite_master WHERE name = 'articles_acc_fts'", [], |_| Ok(()))
            .optional()?
            .is_some();
        if !current {
            bail!(
                "database {} has no search index yet: run `news-ingest reindex` (or any `news-ingest run`) once to build it",
                self.path().display()
            );
        }
        if self.meta_get(FTS_STALE_KEY)?.is_some() {
            bail!("the search index of {} is incomplete: run `news-ingest reindex`", self.path().display());
        }
        Ok(())
    }

    /// Full-text search, best match first, with the default [`SearchConfig`].
    pub fn search(&self, query: &ParsedQuery, dates: &DateRange, limit: usize) -> Result<Vec<SearchHit>> {
        Ok(self.search_with(query, dates, limit, &SearchConfig::default())?.hits)
    }

    /// Full-text search, best match first (bm25, title weighted 4:1).
    ///
    /// The work is bounded, whatever the database size:
    /// 1. each phrase's document frequency is counted over the newest `idf_sample`
    ///    articles, giving the IDFs (see `rank.rs` for why not the built-in `bm25`);
    /// 2. the `title_pool` best title matches are found in the title-only index;
    /// 3. the newest `rank_window` matches are ranked with `ni_bm25` while the
    ///    doclists are walked newest first (when fewer match, all are ranked), and so
    ///    are the title matches older than that window: a strong title match is
    ///    found however old it is.
    ///
    /// With a date range, the window holds the newest matches inside the range.
    pub fn search_with(
        &self,
        query: &ParsedQuery,
        dates: &DateRange,
        limit: usize,
        limits: &SearchConfig,
    ) -> Result<SearchOutcome> {
        self.check_index()?;
        if query.is_empty() || limit == 0 {
            return Ok(SearchOutcome::default());
        }
        let plan = Plan::of(query);
        let fts = plan.expr();
        let table = plan.index.table();
        // ?3 and ?4 are the date bounds; every statement below names them.
        let (join, mut filter) = if dates.is_empty() {
            (String::new(), "AND ?3 IS NULL AND ?4 IS NULL".to_string())
        } else {
            (
                // CROSS JOIN: walk the index first (newest first), never `articles`.
                format!("CROSS JOIN articles a ON a.id = {table}.rowid"),
                format!("AND (?3 IS NULL OR {DAY_EXPR} >= ?3) AND (?4 IS NULL OR {DAY_EXPR} <= ?4)"),
            )
        };
        // A mixed query ("hội dam") is ranked on the folded index and kept to the rows
        // whose accented index has its accented words.
        if plan.accented_filter.is_some() {
            filter.push_str(&format!(
                " AND {table}.rowid IN (SELECT rowid FROM articles_acc_fts WHERE articles_acc_fts MATCH ?8)"
            ));
        }
        let failed = || "full-text search failed";
        let window = i64::try_from(limits.rank_window.max(1)).unwrap_or(i64::MAX);
        // 2. IDFs over the newest idf_sample articles.
        let newest: i64 = self
            .conn
            .prepare_cached(&format!("SELECT COALESCE(max(id), 0) FROM {table}_docsize"))?
            .query_row([], |r| r.get(0))?;
        let sample_floor = newest.saturating_sub(i64::try_from(limits.idf_sample).unwrap_or(i64::MAX));
        let rows: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM {table}_docsize WHERE id > ?1"))?
            .query_row([sample_floor], |r| r.get(0))?;
        let mut term_idfs = Vec::with_capacity(plan.terms.len() + plan.bigrams.len());
        for term in plan.scored() {
            let t = term.idf_index.table();
            let hits: i64 = self
                .conn
                .prepare_cached(&format!("SELECT count(*) FROM {t} WHERE {t} MATCH ?1 AND rowid > ?2"))?
                .query_row(params![term.idf_expr, sample_floor], |r| r.get(0))
                .with_context(failed)?;
            term_idfs.push(super::rank::idf(rows as f64, hits as f64));
        }
        // Every spelling of a term (an OR group) counts with the term's IDF; the
        // repeated first term of the bigram group counts nothing.
        let idfs: Vec<f64> = plan.phrase_terms().map(|i| i.map_or(0.0, |i| term_idfs[i])).collect();
        // 3. The best title matches in the whole database, by the title index's
        // own bm25 (its doclists are short, so this stays cheap).
        let pool: Vec<i64> = if limits.title_pool == 0 {
            Vec::new()
        } else {
            let title = plan.index.title_table();
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT rowid FROM {title} WHERE {title} MATCH ?1
                 ORDER BY bm25({title}), rowid LIMIT ?2"
            ))?;
            let pool_limit = i64::try_from(limits.title_pool).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![fts, pool_limit], |r| r.get(0)).with_context(failed)?;
            rows.collect::<rusqlite::Result<_>>().with_context(failed)?
        };
        let pool = serde_json::to_string(&pool)?;
        // 4. Rank the window (one pass over the doclists, newest first: the inner
        // query stops after `window` matches) and the title matches older than it,
        // then keep the best `limit`.
        // One BLOB of IDFs (see `rank.rs`): any number of phrases, one argument.
        let rank = format!("{RANK_FN}({table}, {TITLE_WEIGHT:.1}, {BODY_WEIGHT:.1}, ?7)");
        let sql = format!(
            "WITH w AS MATERIALIZED (
                 SELECT {table}.rowid AS id, {rank} AS score
                 FROM {table} {join}
                 WHERE {table} MATCH ?1 {filter}
                 ORDER BY {table}.rowid DESC LIMIT ?5),
             t AS MATERIALIZED (
                 SELECT {table}.rowid AS id, {rank} AS score
                 FROM {table} {join}
                 WHERE {table} MATCH ?1 {filter}
                   AND {table}.rowid IN (SELECT value FROM json_each(?6))
                   AND {table}.rowid < (SELECT min(id) FROM w)),
             c AS (SELECT id, score FROM w UNION ALL SELECT id, score FROM t)
             SELECT a.id, a.title, a.published, a.body, f.score, (SELECT count(*) FROM w)
             FROM (SELECT id, score FROM c ORDER BY score, id LIMIT ?2) AS f
             JOIN articles a ON a.id = f.id
             ORDER BY f.score, a.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut values: Vec<rusqlite::types::Value> = vec![
            fts.into(),
            limit.into(),
            dates.since.clone().into(),
            dates.until.clone().into(),
            window.into(),
            pool.into(),
        ];
        values.push(idfs.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>().into());
        if let Some(f) = &plan.accented_filter {
            values.push(f.clone().into());
        }
        let mut rows = stmt.query(rusqlite::params_from_iter(values)).with_context(failed)?;
        let mut ranked = 0i64;
        let mut hits = Vec::new();
        while let Some(row) = rows.next().with_context(failed)? {
            let body: String = row.get(3)?;
            let score: f64 = row.get(4)?;
            ranked = row.get(5)?;
            hits.push(SearchHit {
                id: row.get(0)?,
                title: row.get(1)?,
                published: row.get(2)?,
                score: -score,
                snippet: snippet(&body, query, 40),
            });
        }
        Ok(SearchOutcome { hits, window_full: (ranked >= window).then_some(limits.rank_window) })
    }

    // ---- duplicate clusters -------------------------------------------------------

    /// Duplicate clusters with at least `min_size` files, largest first; `f` gets
    /// each cluster's head and its files (the original first). One cluster in memory
    /// at a time.
    pub fn for_each_cluster(
        &self,
        min_size: u64,
        mut f: impl FnMut(&ClusterHead, &[super::SourceRow]) -> Result<()>,
    ) -> Result<()> {
        let mut heads = self.conn.prepare(
            "SELECT a.id, a.title, a.published, c.n, a.url
             FROM (SELECT article_id, COUNT(*) AS n FROM sources
                   WHERE article_id IS NOT NULL GROUP BY article_id HAVING COUNT(*) >= ?1) AS c
             JOIN articles a ON a.id = c.article_id
             ORDER BY c.n DESC, a.id",
        )?;
        // The heads are collected first (small rows), so no read transaction stays
        // open while clusters are printed (a paused pipe would pin the WAL); each
        // cluster's files are then one short read of their own.
        let heads: Vec<ClusterHead> = heads
            .query_map([i64::try_from(min_size).unwrap_or(i64::MAX)], |row| {
                Ok(ClusterHead {
                    id: row.get(0)?,
                    title: row.get(1)?,
                    published: row.get(2)?,
                    size: row.get::<_, i64>(3)?.max(0) as u64,
                    url: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for head in heads {
            let mut sources = self.sources_of(head.id)?;
            // The original first, then copies in the order they were seen.
            sources.sort_by_key(|s| (s.status != Status::Stored, s.id));
            f(&head, &sources)?;
        }
        Ok(())
    }

    // ---- export -------------------------------------------------------------------

    /// Every article (optionally within `dates`) in id order with its non-rejected
    /// source files, one article in memory at a time.
    ///
    /// Read in chunks of [`EXPORT_CHUNK`] articles keyed by id, each chunk its own
    /// short read transaction that ends before `f` sees its articles: a reader that
    /// stalls (`export | slow-consumer`, a paused pipe) holds no snapshot, so the
    /// writer's checkpoints can keep resetting the WAL. Articles committed while the
    /// export runs with a higher id than the last chunk read are included.
    pub fn for_each_article(
        &self,
        dates: &DateRange,
        mut f: impl FnMut(&ArticleRow, &[SourceBrief]) -> Result<()>,
    ) -> Result<()> {
        let mut after = i64::MIN;
        loop {
            let chunk = self.article_chunk(dates, after)?;
            let Some(last) = chunk.last() else { return Ok(()) };
            after = last.0.id;
            for (a, sources) in &chunk {
                f(a, sources)?;
            }
        }
    }

    fn article_chunk(&self, dates: &DateRange, after: i64) -> Result<Vec<(ArticleRow, Vec<SourceBrief>)>> {
        let text_source = self.text_source_expr()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT a.id, a.title, a.published, a.author, a.captions, a.body, a.content_sha256,
                    a.ingested_at, s.path, s.status, s.similarity, a.url, a.site_name, a.lang,
                    {text_source}
             FROM (SELECT * FROM articles a
                   WHERE a.id > ?3
                     AND (?1 IS NULL OR {DAY_EXPR} >= ?1) AND (?2 IS NULL OR {DAY_EXPR} <= ?2)
                   ORDER BY a.id LIMIT ?4) AS a
             LEFT JOIN sources s ON s.article_id = a.id
             ORDER BY a.id, s.id"
        ))?;
        let mut rows = stmt.query(params![dates.since, dates.until, after, EXPORT_CHUNK])?;
        let mut chunk: Vec<(ArticleRow, Vec<SourceBrief>)> = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if chunk.last().map(|(a, _)| a.id) != Some(id) {
                let captions: String = row.get(4)?;
                let body: String = row.get(5)?;
                chunk.push((
                    ArticleRow {
                        id,
                        title: row.get(1)?,
                        published: row.get(2)?,
                        author: row.get(3)?,
                        captions: serde_json::from_str(&captions).unwrap_or_default(),
                        body: crate::store::paragraphs(&body),
                        content_sha256: row.get(6)?,
                        ingested_at: row.get(7)?,
                        url: row.get(11)?,
                        site_name: row.get(12)?,
                        lang: row.get(13)?,
                        text_source: row.get(14)?,
                    },
                    Vec::new(),
                ));
            }
            let path: Option<String> = row.get(8)?;
            let status: Option<String> = row.get(9)?;
            if let (Some(path), Some(status), Some((_, sources))) =
                (path, status.as_deref().and_then(Status::parse), chunk.last_mut())
            {
                sources.push(SourceBrief { path, status, similarity: row.get(10)? });
            }
        }
        Ok(chunk)
    }

    // ---- statistics -----------------------------------------------------------------

    /// Articles per day (UTC, by `ingested_at`) for the last `days` days, the index
    /// size and the database's size on disk.
    pub fn store_stats(&self, days: u32) -> Result<StoreStats> {
        let mut stats = StoreStats::default();
        let mut stmt = self.conn.prepare(
            "WITH RECURSIVE days(d, n) AS (
                 SELECT date('now', printf('-%d days', ?1 - 1)), 1
                 UNION ALL SELECT date(d, '+1 day'), n + 1 FROM days WHERE n < ?1)
             SELECT d, (SELECT COUNT(*) FROM articles
                        WHERE ingested_at >= d AND ingested_at < date(d, '+1 day'))
             FROM days ORDER BY d",
        )?;
        let rows = stmt
            .query_map([days.max(1)], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?;
        stats.articles_per_day = rows.collect::<rusqlite::Result<_>>()?;
        let has_index: bool = self
            .conn
            .query_row("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts_docsize'", [], |_| Ok(true))
            .optional()?
            .unwrap_or(false);
        if has_index {
            stats.indexed_articles = self
                .conn
                .query_row("SELECT COUNT(*) FROM articles_fts_docsize", [], |r| r.get::<_, i64>(0))?
                .max(0) as u64;
        }
        let size = |suffix: &str| {
            let mut p = self.path().as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        };
        stats.db_bytes = size("");
        stats.wal_bytes = size("-wal");
        Ok(stats)
    }

    /// True when an article with this id exists.
    pub fn article_exists(&self, id: i64) -> Result<bool> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM articles WHERE id = ?1")?.exists([id])?)
    }
}
