//! Command-line front end: parses arguments, loads the configuration, and hands off
//! to one module per command in [`crate::commands`].

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, LogFormat, DB_ENV};

#[derive(Debug, Parser)]
#[command(
    name = "news-ingest",
    version,
    about = "Scraped news-article files in, a clean, deduplicated SQLite database out."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Database file (default: NEWS_INGEST_DB, else `database.path` of the config, `news.db`).
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Config file read on top of the built-in defaults (config/default.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format on stderr: text or json (default: `log.format` of the config).
    #[arg(long, global = true, value_name = "FORMAT", value_parser = ["text", "json"])]
    pub log_format: Option<String>,
    /// Colour in logs and human output: auto (only on a terminal, and not when
    /// NO_COLOR is set), always or never.
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Only errors on stderr, no progress bar, no human summary (for scripts;
    /// `--json` output is still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a terminal.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest every input file under PATHs (default: `input.paths`, i.e. seeds/), then exit.
    Run(crate::commands::run::RunArgs),
    /// Clean one file and print the result; touches no database.
    Clean(crate::commands::clean::CleanArgs),
    /// Counts from the database.
    Stats(crate::commands::stats::StatsArgs),
    /// Full-text search over titles and bodies; accents and case do not matter.
    Search(crate::commands::search::SearchArgs),
    /// One article and every file it was seen in.
    Show(crate::commands::show::ShowArgs),
    /// Duplicate clusters: each original article with its exact and near copies.
    Dupes(crate::commands::dupes::DupesArgs),
    /// Every article as one JSON object per line, streamed.
    Export(crate::commands::export::ExportArgs),
    /// Rebuild the full-text search index from the stored articles.
    Reindex(crate::commands::reindex::ReindexArgs),
    /// Copy an SQLite database into an empty PostgreSQL database (--from FILE --to URL).
    Migrate(crate::commands::migrate::MigrateArgs),
    /// Daemon: ingest what is in DIR, then new files as they arrive, until SIGTERM/SIGINT.
    Watch(crate::commands::watch::WatchArgs),
    /// Why two articles (ids) or files were, or were not, merged as near duplicates.
    Why(crate::commands::why::WhyArgs),
    /// Every input file in the ledger with its fate.
    Sources(crate::commands::sources::SourcesArgs),
    /// Remove ledger rows so those files are read again (e.g. rejected ones).
    Forget(crate::commands::forget::ForgetArgs),
    /// Delete articles with their index rows, fingerprints and ledger rows.
    Delete(crate::commands::delete::DeleteArgs),
    /// Print the effective configuration (defaults + --config FILE) as TOML.
    Config(crate::commands::meta::ConfigArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(crate::commands::meta::CompletionsArgs),
    /// Print the man page (roff).
    Man(crate::commands::meta::ManArgs),
}

/// What a command needs from the command line and the config.
pub struct Context {
    pub config: Config,
    /// The `--config` file, if any (the daemon re-reads it on SIGHUP).
    pub config_path: Option<PathBuf>,
    /// The database path after `--db` and `NEWS_INGEST_DB` overrides.
    pub db: PathBuf,
    /// `-q`: no progress bar, no human summary.
    pub quiet: bool,
    /// Colour (bold matches) in human output on stdout.
    pub color_stdout: bool,
}

impl Context {
    pub fn busy_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.config.database.busy_timeout_ms)
    }

    /// The database the command works on.
    pub fn target(&self) -> crate::store::Target {
        crate::store::Target::parse(&self.db)
    }

    /// Opens the database for reading (works while a writer runs).
    pub fn open_reader(&self) -> anyhow::Result<Box<dyn crate::store::ReadStore>> {
        crate::store::open_reader(&self.target(), &self.config.database)
    }

    /// Opens the database for writing with the configured writer settings.
    pub fn open_writer(&self) -> anyhow::Result<Box<dyn crate::store::WriteStore>> {
        crate::store::open_writer(&self.target(), &self.config.database)
    }
}

pub fn main() -> ExitCode {
    // Held back until the daemon's handlers exist (see `block_stop_signals`).
    block_stop_signals(true);
    ensure_standard_fds();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Watch(_)) {
        block_stop_signals(false);
    }
    match run(cli) {
        Ok(code) => code,
        // A reader that stopped reading (`| head`) is a normal end, not an error.
        Err(e) if crate::commands::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Not `eprintln!`: it panics when stderr is a closed pipe.
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Blocks (or unblocks) SIGTERM and SIGINT for the calling thread and the threads it
/// starts from now on. `main` blocks them first thing; every command but `watch`
/// unblocks them at once (default disposition). `watch` unblocks them only once its
/// handlers are installed: a signal that arrives while the daemon starts (opening the
/// database, loading the index) stays pending and becomes a clean stop instead of
/// killing the process with 143. Threads started while blocked keep them blocked, so
/// the signal is delivered to the main thread, whose handler forwards it to the runtime.
pub fn block_stop_signals(blocked: bool) {
    // SAFETY: sigset manipulation on a local set; pthread_sigmask on this thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        let how = if blocked { libc::SIG_BLOCK } else { libc::SIG_UNBLOCK };
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// Opens `/dev/null` on any of the descriptors 0, 1 and 2 that the caller closed
/// (`news-ingest export >&-`). Without this, the first file the program opens gets
/// descriptor 1, and output meant for stdout would be written into it (an input file
/// or the database); with it, output to a closed stdout is discarded and the command
/// ends normally.
fn ensure_standard_fds() {
    for fd in 0..=2 {
        // SAFETY: F_GETFD only queries the descriptor table; open() on a C string
        // literal; a descriptor opened here is deliberately kept for the process's life.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1 {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                if null >= 0 && null != fd {
                    libc::dup2(null, fd);
                    libc::close(null);
                }
            }
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    // Commands about the program itself need no config or database.
    let command = match cli.command {
        Command::Completions(args) => return crate::commands::meta::completions(args),
        Command::Man(args) => return crate::commands::meta::man(args),
        other => other,
    };
    let config = Config::load(cli.global.config.as_deref())?;
    let db = cli
        .global
        .db
        .clone()
        .or_else(|| std::env::var_os(DB_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
        .or_else(|| (!config.database.url.is_empty()).then(|| PathBuf::from(&config.database.url)))
        .unwrap_or_else(|| config.database.path.clone());
    let format = match cli.global.log_format.as_deref() {
        Some("json") => LogFormat::Json,
        Some(_) => LogFormat::Text,
        None => config.log.format,
    };
    if db.is_dir() {
        anyhow::bail!(
            "database {} is a directory: give the path of a database file, e.g. --db {}",
            db.display(),
            db.join("news.db").display()
        );
    }
    let interactive = std::io::stderr().is_terminal();
    let g = &cli.global;
    init_logging(
        format,
        interactive && matches!(command, Command::Run(_)),
        g.quiet,
        g.color.enabled(interactive),
    );
    let ctx = Context {
        config,
        config_path: g.config.clone(),
        db,
        quiet: g.quiet,
        color_stdout: g.color.enabled(std::io::stdout().is_terminal()),
    };
    match command {
        Command::Run(args) => crate::commands::run::run(&ctx, args),
        Command::Clean(args) => crate::commands::clean::run(&ctx, args),
        Command::Stats(args) => crate::commands::stats::run(&ctx, args),
        Command::Search(args) => crate::commands::search::run(&ctx, args),
        Command::Show(args) => crate::commands::show::run(&ctx, args),
        Command::Dupes(args) => crate::commands::dupes::run(&ctx, args),
        Command::Export(args) => crate::commands::export::run(&ctx, args),
        Command::Reindex(args) => crate::commands::reindex::run(&ctx, args),
        Command::Migrate(args) => crate::commands::migrate::run(&ctx, args),
        Command::Watch(args) => crate::commands::watch::run(&ctx, args),
        Command::Why(args) => crate::commands::why::run(&ctx, args),
        Command::Sources(args) => crate::commands::sources::run(&ctx, args),
        Command::Forget(args) => crate::commands::forget::run(&ctx, args),
        Command::Delete(args) => crate::commands::delete::run(&ctx, args),
        Command::Config(args) => crate::commands::meta::config(&ctx, args),
        Command::Completions(args) => crate::commands::meta::completions(args),
        Command::Man(args) => crate::commands::meta::man(args),
    }
}

/// Logs go to stderr. With a progress bar on a terminal only warnings are shown by
/// default, with `-q` only errors; `RUST_LOG` always wins. ANSI colour only when
/// `color` (a terminal, unless `--color`/`NO_COLOR` say otherwise).
fn init_logging(format: LogFormat, progress_bar: bool, quiet: bool, color: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if quiet {
        "error"
    } else if progress_bar {
        "warn"
    } else {
        "info"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.with_writer(std::io::stderr).json().try_init(),
        // Colour on a terminal (or `--color always`): tracing-subscriber escapes
        // control characters in fields itself when it writes ANSI.
        LogFormat::Text if color => builder.with_ansi(true).with_writer(std::io::stderr).try_init(),
        // Text logs carry file names, which may hold terminal escapes: without colour
        // every control character is written escaped.
        LogFormat::Text => builder.with_ansi(false).with_writer(|| EscapingStderr).try_init(),
    };
}

/// stderr with control characters escaped (`\x1b`), except newline and tab: a file
/// named with ESC or BEL sequences cannot drive the terminal through a log line.
/// C1 controls (U+0080-U+009F, two bytes in UTF-8) are escaped as well.
struct EscapingStderr;

impl std::io::Write for EscapingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        while i < buf.len() {
            let b = buf[i];
            if (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f {
                out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
            } else if b == 0xc2 && matches!(buf.get(i + 1), Some(0x80..=0x9f)) {
                out.extend_from_slice(format!("\\u{{{:x}}}", buf[i + 1]).as_bytes());
                i += 1;
            } else {
                out.push(b);
            }
            i += 1;
        }
        std::io::stderr().write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
