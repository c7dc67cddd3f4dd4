//! `news-ingest delete ID...`: removes articles with everything tied to them.
//!
//! The schema's triggers remove an article's full-text rows, fingerprint and
//! signature and the ledger rows of every file seen for it (the original and its
//! copies), so the next `run` reads those files again if they are still there: the
//! first copy read becomes the article. Delete or move the files first to keep a
//! story out for good.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;

use crate::cli::Context;

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Article ids (`news-ingest search` and `show` print them).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<i64>,
}

pub fn run(ctx: &Context, args: DeleteArgs) -> Result<ExitCode> {
    let mut store = ctx.open_writer()?;
    store.begin()?;
    let mut lines = Vec::new();
    for &id in &args.ids {
        match store.delete_article(id)? {
            Some(files) => {
                lines.push(format!("deleted article {id} and the ledger rows of its {files} files"))
            }
            None => {
                store.rollback();
                bail!("no article {id} in {}: nothing was deleted", ctx.target());
            }
        }
    }
    store.commit()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(ExitCode::SUCCESS)
}
