//! Times SQL statements on a database with the bundled SQLite (scratch tool for
//! query tuning): `cargo run --release --example sql_time -- DB 'SQL' ['SQL'...]`.
//! Each statement runs three times; prints the row count and the best time.
fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let db = args.next().ok_or_else(|| anyhow::anyhow!("usage: sql_time DB SQL..."))?;
    let flags = if std::env::var_os("SQL_TIME_RW").is_some() {
        rusqlite::OpenFlags::default()
    } else {
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    let conn = rusqlite::Connection::open_with_flags(&db, flags)?;
    for sql in args {
        let mut best = f64::MAX;
        let mut n = 0;
        let mut first = String::new();
        for _ in 0..3 {
            first.clear();
            let t = std::time::Instant::now();
            let mut stmt = conn.prepare(&sql)?;
            let cols = stmt.column_count();
            let mut rows = stmt.query([])?;
            n = 0;
            while let Some(r) = rows.next()? {
                if n == 0 || sql.starts_with("EXPLAIN") {
                    first += "\n  ";
                    first += &(0..cols)
                        .map(|i| {
                            r.get_ref(i)
                                .map(|v| match v {
                                    rusqlite::types::ValueRef::Text(t) => {
                                        String::from_utf8_lossy(t).into_owned()
                                    }
                                    v => format!("{v:?}"),
                                })
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                        .join(" | ")
                }
                n += 1;
            }
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "{best:9.2} ms {n:7} rows  {sql}\n             first: {}",
            first.chars().take(2000).collect::<String>()
        );
    }
    Ok(())
}
