//! What a run did, for the end-of-run report and the daemon's periodic log line.

use std::time::Duration;

use serde::Serialize;

use crate::store::Status;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Files whose fate this run recorded (stored + duplicates + near + rejected).
    pub files: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub near_duplicates: u64,
    /// New versions of known paths merged into their article.
    pub updated: u64,
    pub rejected: u64,
    /// Articles whose text was replaced (by a fuller copy or a new version).
    pub replaced: u64,
    /// Articles merged into another (one story that had arrived as two:
    /// `dedup.merge_articles`); their first file now counts as a near duplicate.
    pub merged: u64,
    /// Files already in the ledger with the same bytes: nothing to do.
    pub unchanged: u64,
    /// Files that disappeared between discovery and reading.
    pub vanished: u64,
    /// Directory entries discovery could not list or examine (unreadable
    /// directories, over-long paths): the files under them were not processed.
    pub unlisted: u64,
    pub seconds: f64,
}

impl Summary {
    pub fn count(&mut self, status: Status) {
        self.files += 1;
        match status {
            Status::Stored => self.stored += 1,
            Status::Duplicate => self.duplicates += 1,
            Status::NearDuplicate => self.near_duplicates += 1,
            Status::Rejected => self.rejected += 1,
            Status::Updated => self.updated += 1,
        }
    }

    pub fn set_elapsed(&mut self, d: Duration) {
        self.seconds = d.as_secs_f64();
    }

    pub fn articles_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.files as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// One line for a progress bar.
    pub fn short(&self) -> String {
        format!(
            "stored {} · dup {} · near {} · updated {} · rejected {}",
            self.stored, self.duplicates, self.near_duplicates, self.updated, self.rejected
        )
    }

    /// The human end-of-run report.
    pub fn report(&self) -> String {
        format!(
            "files        {}\n  stored     {}\n  duplicates {}\n  near dups  {}\n  updated    {}\n  rejected   {}\nunchanged    {} (already in the database)\n{}seconds      {:.2}\nfiles/s      {:.1}\n",
            self.files,
            self.stored,
            self.duplicates,
            self.near_duplicates,
            self.updated,
            self.rejected,
            self.unchanged,
            if self.unlisted > 0 {
                format!("NOT LISTED   {} (unreadable directories or over-long paths; see the warnings)\n", self.unlisted)
            } else {
                String::new()
            },
            self.seconds,
            self.articles_per_second()
        )
    }
}
