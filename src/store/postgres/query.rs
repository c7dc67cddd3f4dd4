//! The reading side on PostgreSQL: ledger lookups and the query commands, and the
//! translation of a [`ParsedQuery`] into `tsquery` text.
//!
//! Search: each term is matched on the folded vector (its folded words, a phrase
//! with `<->`, the last word a prefix when typed `word*`); a term with words typed
//! with diacritics must also match those words on the accented vector, each as the
//! OR of its tone-placement spellings (`accents::variants`), as on SQLite. The query
//! text is built from the words only (letters and digits), so no input is a syntax
//! error. Ranked by `ts_rank_cd` (title weighted A, body B) over the newest
//! `rank_window` matches, ties by id.

use anyhow::{Context, Result};

use super::{article_from_row, source_from_row, PgStore, ARTICLE_COLUMNS, SOURCE_COLUMNS};
use crate::config::SearchConfig;
use crate::store::accents;
use crate::store::query::{snippet, ParsedQuery, Term};
use crate::store::{
    ArticleRow, ClusterHead, Counts, DateRange, FileKey, ReadStore, Revision, SearchHit, SearchOutcome,
    SourceBrief, SourceRow, Status, StoreStats,
};

/// Articles read per query by `export` (each chunk its own statement).
const EXPORT_CHUNK: i64 = 256;

/// An article's day for date filters, as on SQLite.
const DAY_EXPR: &str = "COALESCE(a.published_day, substr(a.ingested_at, 1, 10))";

/// A word as a `tsquery` lexeme: quoted, so nothing in it is an operator.
fn lexeme(word: &str) -> String {
    format!("'{}'", word.replace('\'', "''").replace('\\', "\\\\"))
}

/// The folded `tsquery` of one term.
fn folded_term(t: &Term) -> Option<String> {
    let mut words: Vec<String> = t.tokens.iter().filter(|w| !w.is_empty()).map(|w| lexeme(w)).collect();
    if t.prefix {
        if let Some(last) = words.last_mut() {
            last.push_str(":*");
        }
    }
    (!words.is_empty()).then(|| format!("({})", words.join(" <-> ")))
}

/// The accented `tsquery` of one term's accented words (each the OR of its spellings).
fn accented_term(t: &Term) -> Option<String> {
    let parts: Vec<String> = t
        .typed
        .iter()
        .zip(&t.accented)
        .filter(|(_, &a)| a)
        .map(|(typed, _)| {
            let mut v = accents::variants(typed);
            if v.is_empty() {
                v.push(typed.clone());
            }
            format!("({})", v.iter().map(|w| lexeme(w)).collect::<Vec<_>>().join(" | "))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

impl PgStore {
    fn search_impl(
        &self,
        query: &ParsedQuery,
        dates: &DateRange,
        limit: usize,
        limits: &SearchConfig,
    ) -> Result<SearchOutcome> {
        let folded: Vec<String> = query.terms.iter().filter_map(folded_term).collect();
        if folded.is_empty() || limit == 0 {
            return Ok(SearchOutcome::default());
        }
        let folded = folded.join(" & ");
        let accented: Vec<String> = query.terms.iter().filter_map(accented_term).collect();
        let accented = (!accented.is_empty()).then(|| accented.join(" & "));
        let window = i64::try_from(limits.rank_window.max(1)).unwrap_or(i64::MAX);
        let failed = || format!("search failed on {}", self.location);
        let rows = self
            .query(
                &format!(
                    "WITH m AS (
                         SELECT a.id, a.search_folded
                         FROM articles a
                         WHERE a.search_folded @@ to_tsquery('simple', $1)
                           AND ($2::text IS NULL OR a.search_accented @@ to_tsquery('simple', $2))
                           AND ($3::text IS NULL OR {DAY_EXPR} >= $3) AND ($4::text IS NULL OR {DAY_EXPR} <= $4)
                         ORDER BY a.id DESC LIMIT $5),
                     r AS (SELECT id, ts_rank_cd(search_folded, to_tsquery('simple', $1)) AS score FROM m
                           ORDER BY 2 DESC, id LIMIT $6)
                     SELECT a.id, a.title, a.published, a.body, r.score::float8, (SELECT count(*) FROM m)
                     FROM r JOIN articles a ON a.id = r.id ORDER BY r.score DESC, a.id"
                ),
                &[&folded, &accented, &dates.since, &dates.until, &window, &(limit.min(i64::MAX as usize) as i64)],
            )
            .with_context(failed)?;
        let mut ranked = 0i64;
        let mut hits = Vec::new();
        for row in &rows {
            let body: String = row.get(3);
            ranked = row.get(5);
            hits.push(SearchHit {
                id: row.get(0),
                title: row.get(1),
                published: row.get(2),
                score: row.get(4),
                snippet: snippet(&body, query, 40),
            });
        }
        Ok(SearchOutcome { hits, window_full: (ranked >= window).then_some(limits.rank_window) })
    }

    fn article_chunk(&self, dates: &DateRange, after: i64) -> Result<Vec<(ArticleRow, Vec<SourceBrief>)>> {
        let rows = self.query(
            &format!(
                "SELECT {ARTICLE_COLUMNS}, {}, s.path, s.status, s.similarity
                 FROM (SELECT * FROM articles a
                       WHERE a.id > $3 AND ($1::text IS NULL OR {DAY_EXPR} >= $1)
                         AND ($2::text IS NULL OR {DAY_EXPR} <= $2)
                       ORDER BY a.id LIMIT $4) AS a
                 LEFT JOIN sources s ON s.article_id = a.id
                 ORDER BY a.id, s.id",
                Self::text_source_expr()
            ),
            &[&dates.since, &dates.until, &after, &EXPORT_CHUNK],
        )?;
        let mut chunk: Vec<(ArticleRow, Vec<SourceBrief>)> = Vec::new();
        for row in &rows {
            let id: i64 = row.get(0);
            if chunk.last().map(|(a, _)| a.id) != Some(id) {
                chunk.push((article_from_row(row), Vec::new()));
            }
            let path: Option<String> = row.get(12);
            let status: Option<String> = row.get(13);
            if let (Some(path), Some(status), Some((_, sources))) =
                (path, status.as_deref().and_then(Status::parse), chunk.last_mut())
            {
                if status != Status::Rejected {
                    sources.push(SourceBrief { path, status, similarity: row.get(14) });
                }
            }
        }
        Ok(chunk)
    }
}

impl ReadStore for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?.map(|r| r.get(0)))
    }

    fn seen_unchanged(&self, key: &FileKey) -> Result<bool> {
        Ok(self.status_unchanged(key)?.is_some())
    }

    fn status_unchanged(&self, key: &FileKey) -> Result<Option<Status>> {
        Ok(self
            .query_opt(
                "SELECT status FROM sources WHERE path_bytes = $1 AND size = $2 AND mtime_ns = $3
                   AND (access_stamp IS NULL OR access_stamp = $4)
                 ORDER BY id DESC LIMIT 1",
                &[&key.path_bytes, &(key.size as i64), &key.mtime_ns, &key.access],
            )?
            .and_then(|r| Status::parse(r.get(0))))
    }

    fn claim(&self, key: &FileKey, lease: std::time::Duration) -> Result<bool> {
        self.claim_impl(key, lease)
    }

    fn release_claims(&self) -> Result<u64> {
        self.release_claims_impl()
    }

    fn max_source_id(&self) -> Result<i64> {
        Ok(self.query_opt("SELECT COALESCE(max(id), 0) FROM sources", &[])?.map(|r| r.get(0)).unwrap_or(0))
    }

    fn rejected_since(&self, after: i64, limit: usize) -> Result<(Vec<(String, String)>, u64)> {
        let total: i64 = self
            .query_opt("SELECT count(*) FROM sources WHERE id > $1 AND status = 'rejected'", &[&after])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        let shown = self
            .query(
                "SELECT path, COALESCE(error, '') FROM sources WHERE id > $1 AND status = 'rejected' ORDER BY id LIMIT $2",
                &[&after, &super::i64_of(limit)],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok((shown, total.max(0) as u64))
    }

    fn for_each_source(
        &self,
        status: Option<Status>,
        f: &mut dyn FnMut(&SourceRow) -> Result<()>,
    ) -> Result<()> {
        // In chunks keyed by id: no statement stays open while `f` writes output.
        let mut after = 0i64;
        loop {
            let rows = self.query(
                &format!(
                    "SELECT {SOURCE_COLUMNS} FROM sources WHERE id > $1 AND ($2::text IS NULL OR status = $2)
                     ORDER BY id LIMIT 1000"
                ),
                &[&after, &status.map(Status::as_str)],
            )?;
            let Some(last) = rows.last() else { return Ok(()) };
            after = last.get(0);
            for r in &rows {
                f(&source_from_row(r))?;
            }
        }
    }

    fn counts(&self) -> Result<Counts> {
        self.counts_impl()
    }

    fn rejection_reasons(&self) -> Result<Vec<(String, u64)>> {
        Ok(self
            .query(
                "SELECT COALESCE(error, ''), count(*) FROM sources WHERE status = 'rejected'
                 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1).max(0) as u64))
            .collect())
    }

    fn store_stats(&self, days: u32) -> Result<StoreStats> {
        let rows = self.query(
            "WITH d AS (SELECT generate_series(
                            (now() AT TIME ZONE 'UTC')::date - ($1::int - 1), (now() AT TIME ZONE 'UTC')::date,
                            interval '1 day')::date AS day)
             SELECT to_char(d.day, 'YYYY-MM-DD'),
                    (SELECT count(*) FROM articles a WHERE substr(a.ingested_at, 1, 10) = to_char(d.day, 'YYYY-MM-DD'))
             FROM d ORDER BY d.day",
            &[&(days.max(1) as i32)],
        )?;
        let articles_per_day = rows.iter().map(|r| (r.get(0), r.get::<_, i64>(1).max(0) as u64)).collect();
        let indexed: i64 = self
            .query_opt("SELECT count(*) FROM articles WHERE search_folded IS NOT NULL", &[])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        let bytes: i64 = self
            .query_opt("SELECT pg_database_size(current_database())", &[])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        Ok(StoreStats {
            articles_per_day,
            indexed_articles: indexed.max(0) as u64,
            db_bytes: bytes.max(0) as u64,
            wal_bytes: 0,
        })
    }

    fn search(
        &self,
        query: &ParsedQuery,
        dates: &DateRange,
        limit: usize,
        limits: &SearchConfig,
    ) -> Result<SearchOutcome> {
        self.search_impl(query, dates, limit, limits)
    }

    fn article(&self, id: i64) -> Result<Option<ArticleRow>> {
        self.article_impl(id)
    }

    fn article_paragraphs(&self, id: i64) -> Result<Option<Vec<String>>> {
        crate::store::Catalog::article_paragraphs(self, id)
    }

    fn sources_of(&self, article_id: i64) -> Result<Vec<SourceRow>> {
        self.sources_of_impl(article_id)
    }

    fn revisions(&self, id: i64) -> Result<Vec<Revision>> {
        self.revisions_impl(id)
    }

    fn merged_into(&self, id: i64) -> Result<Option<i64>> {
        self.merged_into_impl(id)
    }

    fn for_each_cluster(
        &self,
        min_size: u64,
        f: &mut dyn FnMut(&ClusterHead, &[SourceRow]) -> Result<()>,
    ) -> Result<()> {
        let heads: Vec<ClusterHead> = self
            .query(
                "SELECT a.id, a.title, a.published, c.n, a.url
                 FROM (SELECT article_id, count(*) AS n FROM sources
                       WHERE article_id IS NOT NULL GROUP BY article_id HAVING count(*) >= $1) AS c
                 JOIN articles a ON a.id = c.article_id
                 ORDER BY c.n DESC, a.id",
                &[&i64::try_from(min_size).unwrap_or(i64::MAX)],
            )?
            .iter()
            .map(|r| ClusterHead {
                id: r.get(0),
                title: r.get(1),
                published: r.get(2),
                size: r.get::<_, i64>(3).max(0) as u64,
                url: r.get(4),
            })
            .collect();
        for head in heads {
            let mut sources = self.sources_of_impl(head.id)?;
            sources.sort_by_key(|s| (s.status != Status::Stored, s.id));
            f(&head, &sources)?;
        }
        Ok(())
    }

    fn for_each_article(
        &self,
        dates: &DateRange,
        f: &mut dyn FnMut(&ArticleRow, &[SourceBrief]) -> Result<()>,
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
}
