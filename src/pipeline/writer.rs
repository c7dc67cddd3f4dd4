//! The sink stage: the single writer that owns the database connection.
//!
//! It makes the dedup decision for each file (the decision needs what was written
//! before it, including this batch's uncommitted rows), writes the article and the
//! file's ledger row in the same transaction, and commits in batches by count (here)
//! and by time (a `Tick` message from the pipeline).

use std::path::PathBuf;

use anyhow::{Context, Result};
use tokio::sync::mpsc;
use tracing::{debug, info};

use super::process::Cleaned;
use super::summary::Summary;
use crate::dedup::decide::{decide, DecideStats, Decision};
use crate::dedup::{NearDupIndex, Similarity};
use crate::source::Candidate;
use crate::store::{Fate, IndexForm, KeyLocks, NearEvidence, NewText, Status, WriteStore};

/// What the transform stage hands the writer for one file.
#[derive(Debug)]
pub enum Prepared {
    /// Read and cleaned: an article to deduplicate and store.
    Article { candidate: Candidate, file_sha256: String, cleaned: Box<Cleaned> },
    /// Not usable: record it as rejected with the reason.
    Rejected { candidate: Candidate, file_sha256: Option<String>, reason: String },
    /// Gone before it could be read: nothing to record.
    Vanished { candidate: Candidate },
}

/// A message to the writer.
#[derive(Debug)]
pub enum WriterMsg {
    File(Box<Prepared>),
    /// Commit what is pending (sent every `batch_interval_ms`).
    Tick,
}

/// A file whose fate is committed, for sources that act after the commit (the
/// daemon's move-to-done).
#[derive(Debug, Clone)]
pub struct Committed {
    pub path: PathBuf,
    pub status: Status,
    /// Size and mtime of the file as read, and its device and inode (`None` when it
    /// was not opened): a post-commit action touches only this same file.
    pub size: u64,
    pub mtime_ns: i64,
    pub file_id: Option<(u64, u64)>,
    /// How long the batch's commit took, on the first file of each batch only (for
    /// the daemon's commit latency histogram).
    pub commit_seconds: Option<f64>,
}

/// A progress log line every this many files.
const PROGRESS_EVERY: u64 = 10_000;

pub struct Writer {
    started: std::time::Instant,
    store: Box<dyn WriteStore>,
    /// The near-duplicate index of canonical articles, loaded from the store at start.
    near: NearDupIndex,
    batch_size: usize,
    pending: Vec<Committed>,
    on_commit: Option<mpsc::Sender<Committed>>,
    summary: Summary,
    progress: indicatif::ProgressBar,
    /// Near-duplicate candidates verified so far (read + re-shingled) and dropped by
    /// their stored signature: logged with the progress lines, as they drive the
    /// per-article cost on a large store.
    stats: DecideStats,
    /// Time spent finding and checking near-duplicate candidates, and committing:
    /// logged with the progress lines, so a slow-down on a large store can be
    /// attributed (benches/scale.sh prints them per 10 k files).
    near_time: std::time::Duration,
    commit_time: std::time::Duration,
    /// Time spent waiting for the workers: near zero when the writer is the
    /// bottleneck.
    idle_time: std::time::Duration,
}

impl Writer {
    pub fn new(
        store: Box<dyn WriteStore>,
        near: NearDupIndex,
        batch_size: usize,
        on_commit: Option<mpsc::Sender<Committed>>,
        progress: indicatif::ProgressBar,
    ) -> Writer {
        Writer {
            started: std::time::Instant::now(),
            store,
            near,
            batch_size,
            pending: Vec::new(),
            stats: DecideStats::default(),
            near_time: std::time::Duration::ZERO,
            commit_time: std::time::Duration::ZERO,
            idle_time: std::time::Duration::ZERO,
            on_commit,
            summary: Summary::default(),
            progress,
        }
    }

    /// Consumes messages until every sender is gone, then commits and reports.
    /// A database error rolls the open batch back and ends the run with the error:
    /// none of that batch is recorded, so those files are read again next time.
    pub fn run(mut self, mut rx: mpsc::Receiver<WriterMsg>) -> Result<Summary> {
        load_index(self.store.as_mut(), &mut self.near)?;
        loop {
            let waited = std::time::Instant::now();
            let Some(msg) = rx.blocking_recv() else { break };
            self.idle_time += waited.elapsed();
            let result = match msg {
                WriterMsg::File(p) => self.handle(*p),
                WriterMsg::Tick => self.commit(),
            };
            if let Err(e) = result {
                self.store.rollback();
                let db = self.store.location();
                if format!("{e:#}").contains(&db) {
                    return Err(e);
                }
                return Err(
                    e.context(format!("writing to database {db} failed; the open batch was rolled back"))
                );
            }
        }
        self.commit()?;
        self.progress.finish_and_clear();
        Ok(self.summary)
    }

    fn handle(&mut self, p: Prepared) -> Result<()> {
        let (candidate, status) = match p {
            Prepared::Vanished { candidate } => {
                info!(path = %candidate.path.display(), "file disappeared before it was read; skipped");
                self.summary.vanished += 1;
                return Ok(());
            }
            Prepared::Rejected { candidate, file_sha256, reason } => {
                self.store.begin()?;
                if let Some(sha) = &file_sha256 {
                    if self.store.seen_same_bytes(&candidate.key, sha)? {
                        self.summary.unchanged += 1;
                        return Ok(());
                    }
                }
                if !self.reject(&candidate, file_sha256.as_deref(), &reason)? {
                    // Another writer of a shared store recorded this file first.
                    self.summary.unchanged += 1;
                    return Ok(());
                }
                (candidate, Status::Rejected)
            }
            Prepared::Article { candidate, file_sha256, cleaned } => {
                self.store.begin()?;
                if self.store.seen_same_bytes(&candidate.key, &file_sha256)? {
                    debug!(path = %candidate.path.display(), "same bytes already recorded; unchanged");
                    self.summary.unchanged += 1;
                    return Ok(());
                }
                let Some(status) = self.decide(&candidate, &file_sha256, &cleaned)? else {
                    debug!(path = %candidate.path.display(), "recorded by another writer first; unchanged");
                    self.summary.unchanged += 1;
                    return Ok(());
                };
                (candidate, status)
            }
        };
        self.summary.count(status);
        if self.summary.files % PROGRESS_EVERY == 0 {
            // The per-article cost over a long run (benches/scale.sh reads these).
            info!(
                files = self.summary.files,
                stored = self.summary.stored,
                index_articles = self.near.len(),
                index_bytes = self.near.heap_bytes(),
                candidates_verified = self.stats.verified,
                candidates_prefiltered = self.stats.prefiltered,
                near_seconds = self.near_time.as_secs_f64(),
                commit_seconds = self.commit_time.as_secs_f64(),
                idle_seconds = self.idle_time.as_secs_f64(),
                background_checkpoints = self.store.background_checkpoints().unwrap_or(0),
                seconds = self.started.elapsed().as_secs_f64(),
                "progress"
            );
        }
        self.progress.inc(1);
        self.progress.set_message(self.summary.short());
        self.pending.push(Committed {
            size: candidate.key.size,
            mtime_ns: candidate.key.mtime_ns,
            file_id: candidate.file_id,
            path: candidate.path,
            status,
            commit_seconds: None,
        });
        if self.pending.len() >= self.batch_size || self.store.batch_full() {
            self.commit()?;
        }
        Ok(())
    }

    /// Records a rejection; `false` when another writer recorded the file first
    /// (nothing was recorded here), as for [`Self::decide`].
    fn reject(&mut self, c: &Candidate, file_sha256: Option<&str>, reason: &str) -> Result<bool> {
        let recorded = self.store.record(&c.key, file_sha256, Fate::Rejected { reason })?;
        if !recorded.recorded_elsewhere {
            info!(path = %c.path.display(), reason, "rejected");
        }
        Ok(!recorded.recorded_elsewhere)
    }

    /// The dedup decision ([`decide`]), then the file's fate recorded with its rows
    /// and the in-memory index kept in step.
    /// `None`: another writer recorded this file first (nothing was recorded here).
    fn decide(&mut self, c: &Candidate, file_sha256: &str, cleaned: &Cleaned) -> Result<Option<Status>> {
        let fp = &cleaned.fingerprint;
        let near_started = std::time::Instant::now();
        let keys = self.near.band_keys(fp);
        let entries = match self.store.lock_keys(&keys)? {
            KeyLocks::Held(entries) => entries,
            KeyLocks::CommitFirst => {
                // Nothing of this file is written yet: commit the batch, so its locks
                // go, and take this text's keys in order.
                debug!(path = %c.path.display(), "committing early: another writer holds keys below this batch's");
                self.commit()?;
                self.store.begin()?;
                match self.store.lock_keys(&keys)? {
                    KeyLocks::Held(entries) => entries,
                    KeyLocks::CommitFirst => anyhow::bail!("store asked to commit first with no keys held"),
                }
            }
        };
        for (id, entry) in entries {
            self.near
                .insert_persisted(id, &entry)
                .map_err(|e| anyhow::anyhow!("near-duplicate index: {e}"))?;
        }
        let decision =
            decide(self.store.as_catalog(), &self.near, &c.key.path_bytes, file_sha256, fp, &mut self.stats)?;
        self.near_time += near_started.elapsed();
        // The keys were computed above: not hashed again for the stored form.
        let persisted = self.near.persisted_from_keys(&keys);
        let signature = self.near.signature_bytes(fp);
        let text = NewText {
            keys: &keys,
            doc: &cleaned.doc,
            content_sha256: &fp.content_sha256,
            fingerprint: &persisted,
            shingles: fp.shingles.len(),
            signature: &signature,
        };
        let sha = Some(file_sha256);
        let recorded = match decision {
            Decision::RejectedBefore { reason } => {
                info!(path = %c.path.display(), reason, "rejected");
                self.store.record(&c.key, sha, Fate::Rejected { reason: &reason })?
            }
            Decision::Duplicate { article_id } => {
                debug!(path = %c.path.display(), article = ?article_id, "exact duplicate");
                self.store.record(&c.key, sha, Fate::Duplicate { article_id })?
            }
            Decision::Updated { article_id, evidence } => {
                let fate = Fate::Replaced {
                    article_id,
                    status: Status::Updated,
                    evidence: near_evidence(&evidence),
                    text,
                    reason: "updated",
                };
                let r = self.store.record(&c.key, sha, fate)?;
                if !r.recorded_elsewhere {
                    self.took_text_of(article_id, r.article_id, fp)?;
                }
                debug!(path = %c.path.display(), article = article_id, "updated");
                r
            }
            Decision::Near { article_id, evidence, fuller, via_member, merges, two_stories } => {
                // The fullest text wins (dedup.canonical): later copies are compared
                // with it, so the outcome does not hang on which copy came first.
                // Otherwise the copy becomes a member, so copies of it find the
                // article too.
                let r = if fuller {
                    let fate = Fate::Replaced {
                        article_id,
                        status: Status::NearDuplicate,
                        evidence: near_evidence(&evidence),
                        text,
                        reason: "fullest",
                    };
                    let r = self.store.record(&c.key, sha, fate)?;
                    if !r.recorded_elsewhere {
                        self.took_text_of(article_id, r.article_id, fp)?;
                    }
                    r
                } else {
                    let fate = Fate::Member {
                        article_id,
                        evidence: near_evidence(&evidence),
                        body: &cleaned.doc.body,
                        fingerprint: &persisted,
                        keys: &keys,
                    };
                    let r = self.store.record(&c.key, sha, fate)?;
                    if !r.recorded_elsewhere {
                        let into = self.follow_merge(article_id, r.article_id);
                        self.index(into, fp)?;
                    }
                    r
                };
                // The article the file went to: another writer may have merged the
                // decided one away meanwhile (the store followed the merge).
                let article_id = r.article_id.unwrap_or(article_id);
                debug!(path = %c.path.display(), article = article_id, jaccard = evidence.jaccard, containment = evidence.containment, via_member, "near duplicate");
                if !r.recorded_elsewhere {
                    self.restore_texts(c, &two_stories, fp)?;
                    for (from, s) in merges {
                        if self.store.merge_articles(article_id, from, near_evidence(&s))? {
                            info!(path = %c.path.display(), into = article_id, from, jaccard = s.jaccard, containment = s.containment, "one story in two articles: merged");
                            self.near.merged_into(from, article_id);
                            self.summary.merged += 1;
                        }
                    }
                }
                r
            }
            Decision::New { two_stories } => {
                let r = self.store.record(&c.key, sha, Fate::Stored { text })?;
                if let (Status::Stored, Some(id), false) = (r.status, r.article_id, r.recorded_elsewhere) {
                    self.index(id, fp)?;
                }
                if !r.recorded_elsewhere {
                    self.restore_texts(c, &two_stories, fp)?;
                }
                debug!(path = %c.path.display(), article = ?r.article_id, "stored");
                r
            }
        };
        Ok((!recorded.recorded_elsewhere).then_some(recorded.status))
    }

    /// Gives each article whose text was found to hold this file's story beside its
    /// own (a page with two stories glued together) the text it had before.
    fn restore_texts(&mut self, c: &Candidate, ids: &[i64], fp: &crate::dedup::Fingerprint) -> Result<()> {
        for &id in ids {
            if !self.restore_text(c, id)? {
                self.take_first_story(c, id, fp)?;
            }
        }
        Ok(())
    }

    /// The glued text came first, so it has no earlier text to give back: the
    /// article's member that holds its own story (the first story's copy, which
    /// joined it) becomes its text (`NearDupIndex::first_story`). None such: the text
    /// stays (the second story is its own article anyway).
    fn take_first_story(&mut self, c: &Candidate, id: i64, fp: &crate::dedup::Fingerprint) -> Result<()> {
        let catalog = self.store.as_catalog();
        let Some(text) = catalog.article_paragraphs(id)? else { return Ok(()) };
        let bodies = catalog.member_paragraphs(id, self.near.config().max_members)?;
        let shingled: Vec<_> = bodies.iter().map(|b| self.near.shingled(b)).collect();
        let Some(i) = self.near.first_story(fp, &self.near.shingled(&text), &shingled) else { return Ok(()) };
        let body = &bodies[i];
        let mfp = self.near.fingerprint(body);
        let form = index_form(&self.near, &mfp);
        if self.store.take_member_text(id, body, &mfp.content_sha256, &form)? {
            info!(path = %c.path.display(), article = id, "the article's text held this story beside its own (two stories glued together, the glued page first): the copy of its own story is its text now");
        }
        Ok(())
    }

    /// [`WriteStore::restore_previous_text`] for article `id`; whether it was done.
    fn restore_text(&mut self, c: &Candidate, id: i64) -> Result<bool> {
        let near = &self.near;
        let mut restored = None;
        let done = self.store.restore_previous_text(id, &mut |body| {
            let fp = near.fingerprint(body);
            let form = index_form(near, &fp);
            restored = Some(fp);
            form
        })?;
        if let (true, Some(fp)) = (done, restored) {
            self.index(id, &fp)?;
            info!(path = %c.path.display(), article = id, "the article's text held this story beside its own (two stories glued together): its earlier text is back");
        }
        Ok(done)
    }

    /// Adds a text of article `id` to the in-memory index.
    fn index(&mut self, id: i64, fp: &crate::dedup::Fingerprint) -> Result<()> {
        self.near.insert(id, fp).map_err(|e| anyhow::anyhow!("near-duplicate index: {e}"))
    }

    /// Article `id` took the text of `fp` (its old text stays indexed as a member),
    /// unless the store recorded the file on `recorded` instead, the article `id` was
    /// merged into by another writer meanwhile: then `fp` is a member of that one.
    fn took_text_of(&mut self, id: i64, recorded: Option<i64>, fp: &crate::dedup::Fingerprint) -> Result<()> {
        let into = self.follow_merge(id, recorded);
        self.index(into, fp)?;
        if into == id {
            self.summary.replaced += 1;
        }
        Ok(())
    }

    /// The article a file decided onto `id` was recorded on (`recorded`): `id`, or
    /// the article another writer merged `id` into, which the in-memory index then
    /// learns too.
    fn follow_merge(&mut self, id: i64, recorded: Option<i64>) -> i64 {
        match recorded {
            Some(into) if into != id => {
                info!(from = id, into, "the article was merged into another by another writer meanwhile; the file went to that one");
                self.near.merged_into(id, into);
                into
            }
            _ => id,
        }
    }

    fn commit(&mut self) -> Result<()> {
        let started = std::time::Instant::now();
        self.store.commit().context("commit failed; the batch was rolled back")?;
        let took = started.elapsed();
        self.commit_time += took;
        if let Some(first) = self.pending.first_mut() {
            first.commit_seconds = Some(took.as_secs_f64());
        }
        if let Some(tx) = &self.on_commit {
            for c in self.pending.drain(..) {
                // The receiver may be gone during shutdown; the commit stands anyway.
                let _ = tx.blocking_send(c);
            }
        }
        self.pending.clear();
        Ok(())
    }
}

/// A stored text's index entry and signature.
fn index_form(near: &NearDupIndex, fp: &crate::dedup::Fingerprint) -> IndexForm {
    let keys = near.band_keys(fp);
    IndexForm {
        fingerprint: near.persisted_from_keys(&keys),
        keys,
        shingles: fp.shingles.len(),
        signature: near.signature_bytes(fp),
    }
}

/// The ledger's evidence of a near copy.
fn near_evidence(s: &Similarity) -> NearEvidence {
    NearEvidence { jaccard: s.jaccard, containment: s.containment, shared_shingles: s.shared as u64 }
}

/// Key under which the store remembers the near-duplicate parameters it was built with.
pub const DEDUP_PARAMS_KEY: &str = "dedup_params";

/// Refuses a database whose stored fingerprints were made with other near-duplicate
/// parameters (they would silently never match), and records the parameters of a
/// new one. A database that differs in the banding only (`bands`, `rows`: e.g. one
/// built with 32 × 4 before the default became 42 × 3) is re-banded instead, in one
/// transaction (see [`reband`]). Call it right after opening the writer, before any work.
pub fn check_dedup_params(store: &mut dyn WriteStore, near: &NearDupIndex) -> Result<()> {
    let params = near.params_fingerprint();
    match store.meta_get(DEDUP_PARAMS_KEY)? {
        Some(stored) if stored == params => Ok(()),
        Some(stored) if near.rebandable_from(&stored) => reband(store, near, &stored),
        Some(stored) => anyhow::bail!(
            "database {} was built with other near-duplicate parameters:\n  database: {stored}\n  config:   {params}\nuse the [dedup] settings it was built with (shingle_size, num_perm, seed), or a new database (only bands and rows can change: the database is then re-banded)",
            store.location()
        ),
        None => store
            .meta_set(DEDUP_PARAMS_KEY, &params)
            .with_context(|| format!("cannot write to database {}", store.location())),
    }
}

/// Texts read per query while re-banding (bounded memory on large databases).
const REBAND_CHUNK: usize = 1000;

/// Recomputes every stored band key under the current banding, in one transaction
/// (all or nothing: a crash leaves the old banding and its parameters in place):
/// - an article with a stored MinHash signature gets new keys from it (no body read);
/// - an article stored before the `signatures` table (none) is re-fingerprinted from
///   its stored body, and its signature is stored too;
/// - members (`article_members`) store no signature: each is re-fingerprinted from
///   its stored body.
///
/// Then the new parameters are recorded.
fn reband(store: &mut dyn WriteStore, near: &NearDupIndex, stored: &str) -> Result<()> {
    let started = std::time::Instant::now();
    let params = near.params_fingerprint();
    info!(database = %store.location(), from = stored, to = %params, "re-banding the near-duplicate index");
    store.begin()?;
    let result = (|| -> Result<(usize, usize, usize)> {
        let (mut from_signature, mut from_body, mut members) = (0, 0, 0);
        let mut after = 0;
        loop {
            let chunk = store.fingerprinted_after(after, REBAND_CHUNK)?;
            let Some(&(last, _)) = chunk.last() else { break };
            after = last;
            for (id, signature) in chunk {
                if let Some(keys) = signature.as_deref().and_then(|s| near.keys_from_signature(s)) {
                    store.set_fingerprint(id, &near.persisted_from_keys(&keys), &keys)?;
                    from_signature += 1;
                    continue;
                }
                let Some(body) = store.as_catalog().article_paragraphs(id)? else { continue };
                let fp = near.fingerprint(&body);
                let form = near.persisted_form(&fp);
                store.update_fingerprint(id, &form, fp.shingles.len(), &near.signature_bytes(&fp))?;
                store.set_fingerprint(id, &form, &near.band_keys(&fp))?;
                from_body += 1;
            }
        }
        let mut after = 0;
        loop {
            let chunk = store.members_after(after, REBAND_CHUNK)?;
            let Some(&(last, _)) = chunk.last() else { break };
            after = last;
            for (id, body) in chunk {
                let fp = near.fingerprint(&body);
                store.set_member_fingerprint(id, &near.persisted_form(&fp), &near.band_keys(&fp))?;
                members += 1;
            }
        }
        store.meta_set(DEDUP_PARAMS_KEY, &params)?;
        Ok((from_signature, from_body, members))
    })();
    match result {
        Ok((from_signature, from_body, members)) => {
            store.commit()?;
            info!(
                from_signature,
                from_body,
                members,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "near-duplicate index re-banded"
            );
            Ok(())
        }
        Err(e) => {
            store.rollback();
            Err(e.context(format!("cannot re-band the near-duplicate index of {}", store.location())))
        }
    }
}

/// Loads the persisted near-duplicate index (after checking its parameters).
fn load_index(store: &mut dyn WriteStore, near: &mut NearDupIndex) -> Result<()> {
    check_dedup_params(store, near)?;
    // Articles, then members (copies merged into an article, its earlier texts),
    // each under the article's id.
    let mut rows: Vec<(i64, Vec<u8>)> = Vec::new();
    store.for_each_index_entry(&mut |id, data| rows.push((id, data.to_vec())))?;
    near.load_persisted(rows.iter().map(|(id, d)| (*id, d.as_slice()))).map_err(|e| {
        anyhow::anyhow!("cannot load the near-duplicate index from {}: {e}", store.location())
    })?;
    info!(articles = near.len(), bytes = near.heap_bytes(), "near-duplicate index loaded");
    Ok(())
}
