//! One module per command. Commands read and present; the work lives in the
//! pipeline stages and the store.

pub mod clean;
pub mod delete;
pub mod dupes;
pub mod export;
pub mod forget;
pub mod meta;
pub mod metrics;
pub mod migrate;
pub mod reindex;
pub mod run;
pub mod search;
pub mod show;
pub mod sources;
pub mod stats;
pub mod watch;
pub mod why;

use std::io::{self, IsTerminal};
use std::process::ExitCode;

/// Parses a `--since`/`--until` value: a real calendar date written `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<String, String> {
    let bad = || format!("invalid date {s:?}: expected YYYY-MM-DD, e.g. 2024-03-15");
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
        let part = &s[r];
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days {
        return Err(bad());
    }
    Ok(s.to_string())
}

/// Builds a date range, refusing one that ends before it starts.
pub fn date_range(since: Option<String>, until: Option<String>) -> anyhow::Result<crate::store::DateRange> {
    if let (Some(s), Some(u)) = (&since, &until) {
        if s > u {
            anyhow::bail!("--since {s} is after --until {u}: nothing can match");
        }
    }
    Ok(crate::store::DateRange { since, until })
}

/// Columns available for human output: the terminal's width when stdout is one,
/// else `COLUMNS`, else 100.
pub fn output_width() -> usize {
    if io::stdout().is_terminal() {
        // SAFETY: TIOCGWINSZ fills a winsize struct we own.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
        if rc == 0 && ws.ws_col > 0 {
            return usize::from(ws.ws_col).max(20);
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .unwrap_or(100)
        .max(20)
}

/// `s` with every control character (C0, DEL, C1: ESC, BEL, backspace, ...) written
/// as a visible escape (`\u{1b}`), so text from outside (file names, titles) can
/// never drive the terminal. Tabs and newlines are kept; JSON output is escaped by
/// serde and does not need this.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// At most `width` characters of `s` (one line, control characters escaped), with
/// `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    let s = escape_controls(&s.replace(['\n', '\r', '\t'], " ")).into_owned();
    if s.chars().count() <= width {
        return s;
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Standard output, buffered, for a command's results. Write with `write!`/`writeln!`
/// and `?` (never `println!`, which panics when the pipe is closed or the disk is
/// full); a closed pipe then surfaces as a `BrokenPipe` error that [`finish_output`]
/// and `cli::main` turn into a quiet exit 0.
pub fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::with_capacity(1 << 16, io::stdout().lock())
}

/// A note for the user on stderr. Not `eprintln!`, which panics when stderr is a
/// closed pipe: a note that cannot be shown is dropped.
pub fn note(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(io::stderr(), "{msg}");
}

/// At most `width` characters of a path, cut in the middle so the file name stays:
/// `/srv/news/…/2024/05/article.txt`.
pub fn truncate_middle(s: &str, width: usize) -> String {
    let s = escape_controls(&s.replace(['\n', '\r', '\t'], " ")).into_owned();
    let n = s.chars().count();
    if n <= width {
        return s;
    }
    let width = width.max(3);
    let name = s.rsplit('/').next().unwrap_or(&s);
    let name_len = name.chars().count();
    // Keep the whole file name when it fits with a little of the start.
    let tail = if name_len + 4 <= width { name_len } else { (width - 1) / 2 };
    let head = width - 1 - tail;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// Ends a command whose output went to stdout: a closed pipe (`| head`) is a normal
/// way for a reader to stop, not an error.
pub fn finish_output(result: anyhow::Result<()>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if is_broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e),
    }
}

/// True when `e` is (or wraps) a write to a closed pipe, also inside a serde_json
/// error (whose `source()` skips the `io::Error` itself).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
            || c.downcast_ref::<csv::Error>().is_some_and(
                |e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe),
            )
    })
}

#[cfg(test)]
mod tests {
    use super::truncate_middle;

    #[test]
    fn paths_are_cut_in_the_middle_keeping_the_file_name() {
        let p = "/srv/news/inbox/2024/05/very/deep/folder/000_634d2d9314a48930.txt";
        let t = truncate_middle(p, 40);
        assert_eq!(t.chars().count(), 40);
        assert!(t.ends_with("000_634d2d9314a48930.txt") && t.starts_with("/srv/") && t.contains('…'), "{t}");
        assert_eq!(truncate_middle("short.txt", 40), "short.txt");
        assert_eq!(truncate_middle(p, 10).chars().count(), 10);
    }
}
