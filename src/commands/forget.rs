//! `news-ingest forget PATH... | --status STATUS`: removes ledger rows so those files
//! are read again by the next `run` (or rescan of `watch`): after raising
//! `input.max_file_size` or fixing a file's permissions, a rejected file would
//! otherwise stay "unchanged".

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;

use crate::cli::Context;
use crate::store::Status;

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// Files as recorded in the ledger (`news-ingest sources` lists them); a path
    /// that exists is also tried in its absolute form.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Forget every file with this fate instead (not `stored`: use `delete ID`).
    #[arg(long, value_name = "STATUS", value_parser = ["duplicate", "near_duplicate", "rejected"], conflicts_with = "paths")]
    pub status: Option<String>,
}

pub fn run(ctx: &Context, args: ForgetArgs) -> Result<ExitCode> {
    if args.paths.is_empty() && args.status.is_none() {
        bail!("say what to forget: one or more PATHs, or --status rejected|duplicate|near_duplicate");
    }
    let mut store = ctx.open_writer()?;
    store.begin()?;
    let (mut removed, mut kept) = (0u64, 0u64);
    if let Some(status) = args.status.as_deref().and_then(Status::parse) {
        removed = store.forget_status(status)?;
    }
    for path in &args.paths {
        let mut forms = vec![path.to_string_lossy().into_owned()];
        if let Ok(abs) = std::fs::canonicalize(path) {
            let abs = abs.to_string_lossy().into_owned();
            if !forms.contains(&abs) {
                forms.push(abs);
            }
        }
        for form in forms {
            let (r, k) = store.forget_path(&form)?;
            removed += r;
            kept += k;
        }
    }
    store.commit()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "forgot {removed} ledger rows; the next run reads those files again")?;
    if kept > 0 {
        writeln!(
            out,
            "kept {kept} rows of files stored as articles (remove an article with `news-ingest delete ID`)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
