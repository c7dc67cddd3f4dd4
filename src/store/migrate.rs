//! `news-ingest migrate --from news.db --to postgresql://…`: moves an SQLite
//! database into an empty PostgreSQL one, row for row (the same article and ledger
//! ids, texts, revisions, members, fingerprints and signatures), and builds the
//! shared near-duplicate band table from the stored fingerprints. One transaction:
//! a failure leaves the target as it was. Read in chunks keyed by id, so memory
//! stays flat on a large database.

use std::path::Path;

use anyhow::{bail, Context, Result};
use postgres::types::ToSql;
use rusqlite::types::Value;

use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use crate::config::{DatabaseConfig, DedupConfig};
use crate::dedup::NearDupIndex;

/// Rows read per chunk.
const CHUNK: i64 = 1000;

/// What was copied.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Moved {
    pub articles: u64,
    pub sources: u64,
    pub members: u64,
    pub revisions: u64,
    pub index_entries: u64,
    /// Where merged articles went (`article_merges`).
    pub merges: u64,
}

/// Calls `f` on every row of `sql` (rows with `id > ?1 … LIMIT ?2`, id first), a
/// chunk at a time.
fn each_chunk(src: &SqliteStore, sql: &str, mut f: impl FnMut(&[Value]) -> Result<()>) -> Result<()> {
    let mut after = 0;
    loop {
        let rows = chunk(src, sql, after)?;
        let Some(next) = rows.last().and_then(|r| int(&r[0])).filter(|&n| n > after) else { return Ok(()) };
        after = next;
        for r in &rows {
            f(r)?;
        }
    }
}

/// One chunk of `sql` (which selects rows with `id > ?1 … LIMIT ?2`, id first).
fn chunk(src: &SqliteStore, sql: &str, after: i64) -> Result<Vec<Vec<Value>>> {
    let mut stmt = src.conn.prepare_cached(sql)?;
    let n = stmt.column_count();
    let rows =
        stmt.query_map(rusqlite::params![after, CHUNK], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(f) => Some(f.to_string()),
        _ => None,
    }
}

fn real(v: &Value) -> Option<f64> {
    match v {
        Value::Real(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

fn blob(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Blob(b) => Some(b.clone()),
        Value::Text(s) => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

/// Copies `from` (SQLite) into `to` (PostgreSQL, no articles or ledger rows yet).
pub fn sqlite_to_postgres(from: &Path, to: &str, cfg: &DatabaseConfig, dedup: &DedupConfig) -> Result<Moved> {
    let near = NearDupIndex::new(dedup);
    // As a writer: an old SQLite database is migrated to the current schema first.
    let src = SqliteStore::open_writer(from, std::time::Duration::from_millis(cfg.busy_timeout_ms))?;
    let dst = PgStore::open_writer(to, cfg)?;
    let mut c = dst.client.borrow_mut();
    let mut tx = c.transaction()?;
    let existing: i64 =
        tx.query_one("SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM sources)", &[])?.get(0);
    if existing > 0 {
        bail!("{} already holds articles or ledger rows: migrate into an empty database", dst.location);
    }
    let mut moved = Moved::default();
    let exec = |tx: &mut postgres::Transaction<'_>, sql: &str, p: &[&(dyn ToSql + Sync)]| -> Result<u64> {
        Ok(tx.execute(sql, p)?)
    };

    each_chunk(&src, "SELECT id, title, published, author, body, captions, content_sha256, ingested_at, url, site_name, lang
             FROM articles WHERE id > ?1 ORDER BY id LIMIT ?2", |r| {
        exec(
            &mut tx,
            "INSERT INTO articles(id, title, published, author, body, captions, content_sha256, ingested_at,
                                  url, site_name, lang)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[&int(&r[0]), &text(&r[1]), &text(&r[2]), &text(&r[3]), &text(&r[4]).unwrap_or_default(),
              &text(&r[5]).unwrap_or_else(|| "[]".into()), &text(&r[6]), &text(&r[7]), &text(&r[8]),
              &text(&r[9]), &text(&r[10])],
        )?;
        moved.articles += 1;
        Ok(())
    })?;
    each_chunk(&src, "SELECT s.id, s.path, s.path_bytes, s.size, s.mtime_ns, s.file_sha256, s.status, s.article_id,
                    s.similarity, s.jaccard, s.containment, s.shared_shingles, s.error, s.processed_at, a.stamp
             FROM sources s LEFT JOIN source_access a ON a.source_id = s.id
             WHERE s.id > ?1 ORDER BY s.id LIMIT ?2", |r| {
        exec(
            &mut tx,
            "INSERT INTO sources(id, path, path_bytes, size, mtime_ns, file_sha256, status, article_id,
                                 similarity, jaccard, containment, shared_shingles, error, processed_at,
                                 access_stamp)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            &[
                &int(&r[0]),
                &text(&r[1]),
                &blob(&r[2]),
                &int(&r[3]),
                &int(&r[4]),
                &text(&r[5]),
                &text(&r[6]),
                &int(&r[7]),
                &real(&r[8]),
                &real(&r[9]),
                &real(&r[10]),
                &int(&r[11]),
                &text(&r[12]),
                &text(&r[13]),
                &int(&r[14]),
            ],
        )?;
        moved.sources += 1;
        Ok(())
    })?;
    // Now that the ledger is there: where each article's text comes from.
    each_chunk(&src, "SELECT id, text_source_id FROM articles WHERE id > ?1 AND text_source_id IS NOT NULL ORDER BY id LIMIT ?2", |r| {
        exec(
            &mut tx,
            "UPDATE articles SET text_source_id = $2 WHERE id = $1",
            &[&int(&r[0]), &int(&r[1])],
        )?;
        Ok(())
    })?;
    each_chunk(&src, "SELECT f.article_id, f.data, s.shingles, s.data FROM fingerprints f
             LEFT JOIN signatures s USING (article_id) WHERE f.article_id > ?1 ORDER BY f.article_id LIMIT ?2", |r| {
        let (id, data) = (int(&r[0]), blob(&r[1]).unwrap_or_default());
        exec(&mut tx, "INSERT INTO fingerprints(article_id, data) VALUES ($1, $2)", &[&id, &data])?;
        if let (Some(n), Some(sig)) = (int(&r[2]), blob(&r[3])) {
            exec(
                &mut tx,
                "INSERT INTO signatures(article_id, shingles, data) VALUES ($1, $2, $3)",
                &[&id, &n, &sig],
            )?;
        }
        index_entry(&mut tx, &near, id, None, &data)?;
        moved.index_entries += 1;
        Ok(())
    })?;
    each_chunk(&src, "SELECT id, article_id, source_id, body, fingerprint FROM article_members WHERE id > ?1 ORDER BY id LIMIT ?2", |r| {
        let (id, article, data) = (int(&r[0]), int(&r[1]), blob(&r[4]).unwrap_or_default());
        exec(
            &mut tx,
            "INSERT INTO article_members(id, article_id, source_id, body, fingerprint) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &article, &int(&r[2]), &text(&r[3]).unwrap_or_default(), &data],
        )?;
        index_entry(&mut tx, &near, article, id, &data)?;
        moved.members += 1;
        moved.index_entries += 1;
        Ok(())
    })?;
    each_chunk(
        &src,
        "SELECT id, article_id, title, published, author, body, captions, content_sha256, text_source_id,
                    replaced_by_source_id, reason, replaced_at
             FROM article_revisions WHERE id > ?1 ORDER BY id LIMIT ?2",
        |r| {
            exec(
                &mut tx,
                "INSERT INTO article_revisions(id, article_id, title, published, author, body, captions,
                 content_sha256, text_source_id, replaced_by_source_id, reason, replaced_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                &[
                    &int(&r[0]),
                    &int(&r[1]),
                    &text(&r[2]),
                    &text(&r[3]),
                    &text(&r[4]),
                    &text(&r[5]).unwrap_or_default(),
                    &text(&r[6]).unwrap_or_else(|| "[]".into()),
                    &text(&r[7]),
                    &int(&r[8]),
                    &int(&r[9]),
                    &text(&r[10]),
                    &text(&r[11]),
                ],
            )?;
            moved.revisions += 1;
            Ok(())
        },
    )?;
    // Where merged articles went (a redirect to an article no longer there, left by
    // a delete without foreign keys, is not carried over).
    each_chunk(
        &src,
        "SELECT from_id, into_id, merged_at FROM article_merges WHERE from_id > ?1 ORDER BY from_id LIMIT ?2",
        |r| {
            let n = tx.execute(
                "INSERT INTO article_merges(from_id, into_id, merged_at)
                 SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM articles WHERE id = $2)",
                &[&int(&r[0]), &int(&r[1]), &text(&r[2])],
            )?;
            moved.merges += n;
            Ok(())
        },
    )?;
    // The near-duplicate parameters the fingerprints were made with travel along.
    let mut stmt = src.conn.prepare("SELECT key, value FROM meta WHERE key = 'dedup_params'")?;
    let params: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    for (k, v) in &params {
        exec(
            &mut tx,
            "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[k, v],
        )?;
    }
    for (table, column) in
        [("articles", "id"), ("sources", "id"), ("article_members", "id"), ("article_revisions", "id")]
    {
        tx.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
        ))?;
    }
    tx.commit().with_context(|| format!("cannot commit the copy into {}", dst.location))?;
    Ok(moved)
}

fn index_entry(
    tx: &mut postgres::Transaction<'_>,
    near: &NearDupIndex,
    article: Option<i64>,
    member: Option<i64>,
    data: &[u8],
) -> Result<()> {
    let keys: Vec<i64> = near
        .persisted_keys(data)
        .map_err(|e| {
            anyhow::anyhow!(
                "the stored fingerprint of article {}: {e}; nothing was copied (a database built with other [dedup] bands is re-banded by a `run` on it first)",
                article.unwrap_or(0)
            )
        })?
        .into_iter()
        .map(i64::from)
        .collect();
    let entry: i64 = tx
        .query_one(
            "INSERT INTO index_entries(article_id, member_id, data) VALUES ($1, $2, $3) RETURNING id",
            &[&article, &member, &data],
        )?
        .get(0);
    tx.execute("INSERT INTO bands(key, entry_id) SELECT unnest($1::bigint[]), $2", &[&keys, &entry])?;
    Ok(())
}
