//! `ni_bm25`: FTS5's bm25 with the inverse document frequencies given by the caller.
//!
//! # Why not the built-in `bm25()`
//! The built-in function computes each phrase's IDF on its first call by walking the
//! phrase's whole doclist (`xQueryPhrase` over every row that contains it). On a
//! million articles the folded syllables people search for ("bo", "cong", "an") are
//! in a large share of the rows, so that walk alone cost 15–60 ms per query before a
//! single row was ranked (measured with `examples/sql_time.rs` on the search bench
//! database). `ni_bm25` is the same formula (k1 = 1.2, b = 0.75, per-column weights,
//! document length from the index) with the IDFs passed in as arguments; `search`
//! estimates them from a sample of the newest rows (see `query.rs`), exactly when the
//! database is no larger than the sample.
//!
//! Usage: `ni_bm25(articles_fts, w_title, w_body, idf_0, ..., idf_{n-1})` with one IDF
//! per query phrase, in the order the phrases appear in the MATCH expression, or
//! `ni_bm25(articles_fts, w_title, w_body, idfs)` with `idfs` a BLOB of n
//! little-endian f64s (no limit on the number of phrases; `search` uses this form).
//! Registered per connection through the `fts5_api` pointer (the documented way:
//! `SELECT fts5(?1)` with a bound pointer of type "fts5_api_ptr").

use std::ffi::{c_int, c_void};
use std::ptr;

use anyhow::{bail, Result};
use rusqlite::ffi;
use rusqlite::Connection;

/// Name of the ranking function in SQL.
pub(super) const RANK_FN: &str = "ni_bm25";

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Columns of `articles_fts` (title, body): the first `COLUMNS` arguments after the
/// table are their weights.
const COLUMNS: usize = 2;

/// The IDF of a phrase found in `hits` of `rows` rows, as FTS5's bm25 computes it
/// (floored at 1e-6, so a phrase in more than half the rows still counts a little).
pub(super) fn idf(rows: f64, hits: f64) -> f64 {
    let v = ((rows - hits + 0.5) / (hits + 0.5)).ln();
    if v <= 0.0 {
        1e-6
    } else {
        v
    }
}

/// Registers `ni_bm25` on `conn` (once per connection).
pub(super) fn register(conn: &Connection) -> Result<()> {
    // SAFETY: `conn.handle()` is a live connection for the duration of this call; the
    // statement is finalized before returning; `api` is written by SQLite during the
    // step and only read afterwards; the function pointer has the signature FTS5
    // expects and no user data is attached.
    unsafe {
        let db = conn.handle();
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        let sql = c"SELECT fts5(?1)";
        if ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, ptr::null_mut()) != ffi::SQLITE_OK {
            bail!("this SQLite has no FTS5 (cannot prepare SELECT fts5(?1))");
        }
        let mut api: *mut ffi::fts5_api = ptr::null_mut();
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        if api.is_null() || (*api).iVersion < 2 {
            bail!("this SQLite's FTS5 API is missing or too old");
        }
        let Some(create) = (*api).xCreateFunction else { bail!("FTS5 API without xCreateFunction") };
        let name = c"ni_bm25";
        if create(api, name.as_ptr(), ptr::null_mut(), Some(ni_bm25), None) != ffi::SQLITE_OK {
            bail!("cannot register the {RANK_FN} ranking function");
        }
    }
    Ok(())
}

/// Reports `msg` as the SQL error of the current call.
unsafe fn fail(ctx: *mut ffi::sqlite3_context, msg: &std::ffi::CStr) {
    ffi::sqlite3_result_error(ctx, msg.as_ptr(), -1);
}

/// The FTS5 auxiliary function (see the module doc for its arguments).
unsafe extern "C" fn ni_bm25(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_val: c_int,
    ap_val: *mut *mut ffi::sqlite3_value,
) {
    let api = &*api;
    let (Some(phrase_count), Some(inst_count), Some(inst), Some(column_size), Some(row_count), Some(total)) =
        (api.xPhraseCount, api.xInstCount, api.xInst, api.xColumnSize, api.xRowCount, api.xColumnTotalSize)
    else {
        return fail(ctx, c"ni_bm25: incomplete FTS5 API");
    };
    let n_val = usize::try_from(n_val).unwrap_or(0);
    let args: &[*mut ffi::sqlite3_value] =
        if n_val == 0 || ap_val.is_null() { &[] } else { std::slice::from_raw_parts(ap_val, n_val) };
    let n_phrase = usize::try_from(phrase_count(fts)).unwrap_or(0);
    // The IDFs come either as one BLOB of little-endian f64s (what `search` passes:
    // a SQL function takes at most 127 arguments, a query may have a thousand
    // phrases) or as one REAL argument per phrase.
    let blob: Option<&[u8]> =
        if args.len() == COLUMNS + 1 && ffi::sqlite3_value_type(args[COLUMNS]) == ffi::SQLITE_BLOB {
            let len = usize::try_from(ffi::sqlite3_value_bytes(args[COLUMNS])).unwrap_or(0);
            let ptr = ffi::sqlite3_value_blob(args[COLUMNS]).cast::<u8>();
            if len != n_phrase * 8 || (len > 0 && ptr.is_null()) {
                return fail(ctx, c"ni_bm25: the IDF blob must hold one f64 per phrase");
            }
            Some(if len == 0 { &[] } else { std::slice::from_raw_parts(ptr, len) })
        } else {
            None
        };
    if blob.is_none() && args.len() != COLUMNS + n_phrase {
        return fail(ctx, c"ni_bm25: expects the column weights and one IDF per phrase");
    }
    let idf_at = |i: usize| match blob {
        Some(b) => {
            let mut le = [0u8; 8];
            le.copy_from_slice(&b[i * 8..i * 8 + 8]);
            f64::from_le_bytes(le)
        }
        None => ffi::sqlite3_value_double(args[COLUMNS + i]),
    };
    let weight = |c: usize| ffi::sqlite3_value_double(args[c]);
    // Average document length (FTS5 keeps these totals in memory per statement).
    let (mut rows, mut tokens) = (0i64, 0i64);
    if row_count(fts, &mut rows) != ffi::SQLITE_OK || total(fts, -1, &mut tokens) != ffi::SQLITE_OK {
        return fail(ctx, c"ni_bm25: cannot read the index totals");
    }
    let avgdl = if rows > 0 { (tokens as f64 / rows as f64).max(1.0) } else { 1.0 };
    // Weighted frequency of each phrase in this row.
    let mut stack = [0f64; 16];
    let mut heap = Vec::new();
    let freq: &mut [f64] = if n_phrase <= stack.len() {
        &mut stack[..n_phrase]
    } else {
        heap.resize(n_phrase, 0.0);
        &mut heap
    };
    let mut n_inst: c_int = 0;
    if inst_count(fts, &mut n_inst) != ffi::SQLITE_OK {
        return fail(ctx, c"ni_bm25: cannot read the phrase instances");
    }
    for i in 0..n_inst {
        let (mut ip, mut ic, mut io) = (0, 0, 0);
        if inst(fts, i, &mut ip, &mut ic, &mut io) != ffi::SQLITE_OK {
            return fail(ctx, c"ni_bm25: cannot read a phrase instance");
        }
        let (Ok(ip), Ok(ic)) = (usize::try_from(ip), usize::try_from(ic)) else { continue };
        if ip < n_phrase {
            freq[ip] += if ic < COLUMNS { weight(ic) } else { 1.0 };
        }
    }
    let mut n_tok: c_int = 0;
    if column_size(fts, -1, &mut n_tok) != ffi::SQLITE_OK {
        return fail(ctx, c"ni_bm25: cannot read the row's size");
    }
    let d = f64::from(n_tok);
    let mut score = 0.0;
    for (i, &f) in freq.iter().enumerate() {
        let idf = idf_at(i);
        score += idf * (f * (K1 + 1.0)) / (f + K1 * (1.0 - B + B * d / avgdl));
    }
    ffi::sqlite3_result_double(ctx, -score);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a small table with exact IDFs, `ni_bm25` equals the built-in `bm25`.
    #[test]
    fn equals_builtin_bm25_with_exact_idf() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(title, body);
             INSERT INTO t(rowid, title, body) VALUES
               (1, 'hoi dam cap cao', 'hai ben hoi dam ve kinh te va hoi nhap'),
               (2, 'kinh te', 'tang truong kinh te quy mot hoi nghi'),
               (3, 'the thao', 'bong da viet nam thang dam'),
               (4, 'hoi nghi', 'hoi nghi ban ve kinh te so hoi dam'),
               (5, 'khac', 'mot bai khong lien quan');",
        )
        .unwrap();
        let rows: f64 = 5.0;
        for (q, phrases) in [
            ("\"hoi\" \"dam\"", vec!["\"hoi\"", "\"dam\""]),
            ("\"kinh te\"", vec!["\"kinh te\""]),
            ("\"hoi\" \"kinh\"*", vec!["\"hoi\"", "\"kinh\"*"]),
        ] {
            let idfs: Vec<f64> = phrases
                .iter()
                .map(|p| {
                    let hits: f64 = conn
                        .query_row("SELECT count(*) FROM t WHERE t MATCH ?1", [p], |r| r.get::<_, i64>(0))
                        .unwrap() as f64;
                    idf(rows, hits)
                })
                .collect();
            let args: String = idfs.iter().map(|v| format!(", {v:e}")).collect();
            let sql = format!(
                "SELECT rowid, bm25(t, 4.0, 1.0), ni_bm25(t, 4.0, 1.0{args}) FROM t WHERE t MATCH ?1 ORDER BY rowid"
            );
            let mut stmt = conn.prepare(&sql).unwrap();
            let got: Vec<(i64, f64, f64)> = stmt
                .query_map([q], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            assert!(!got.is_empty(), "{q}");
            for (id, builtin, ours) in got {
                assert!((builtin - ours).abs() < 1e-9, "{q} row {id}: bm25 {builtin} vs ni_bm25 {ours}");
            }
        }
        // The BLOB form gives the same scores, for any number of phrases.
        let q = "\"hoi\" \"dam\"";
        let blob: Vec<u8> = [0.5f64, 1.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        let (a, b): (f64, f64) = conn
            .query_row(
                "SELECT ni_bm25(t, 4.0, 1.0, 0.5, 1.5), ni_bm25(t, 4.0, 1.0, ?2) FROM t WHERE t MATCH ?1 LIMIT 1",
                rusqlite::params![q, blob],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        // A wrong argument count is an SQL error, not a crash.
        let err = conn
            .query_row("SELECT ni_bm25(t, 4.0) FROM t WHERE t MATCH 'hoi'", [], |r| r.get::<_, f64>(0))
            .unwrap_err();
        assert!(err.to_string().contains("one IDF per phrase"), "{err}");
    }
}
