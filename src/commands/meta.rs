//! Commands about the program itself: `completions SHELL`, `man`, and `config`
//! (the effective configuration as TOML).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, CommandFactory};

use crate::cli::{Cli, Context};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints a shell completion script (e.g. `news-ingest completions bash >
/// /etc/bash_completion.d/news-ingest`).
pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "news-ingest", &mut buf);
    write_stdout(&buf)
}

#[derive(Debug, Args)]
pub struct ManArgs {}

/// Prints the man page (roff): `news-ingest man > news-ingest.1`.
pub fn man(_args: ManArgs) -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    write_stdout(&buf)
}

#[derive(Debug, Args)]
pub struct ConfigArgs {}

/// Prints the effective configuration: the built-in defaults with `--config FILE`
/// merged on top (relative paths already resolved). A bad file never gets here: it
/// fails at load with exit status 2, naming the key and the file.
pub fn config(ctx: &Context, _args: ConfigArgs) -> Result<ExitCode> {
    let text = toml::to_string(&ctx.config)?;
    write_stdout(text.as_bytes())
}

fn write_stdout(bytes: &[u8]) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    super::finish_output(out.write_all(bytes).and_then(|()| out.flush()).map_err(Into::into))
}
