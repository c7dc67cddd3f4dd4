//! The pipeline: source → read → transform (decode, clean, fingerprint) → writer.
//!
//! Every stage is a task and every connection a bounded channel, so a fast source
//! waits for a slow writer instead of filling memory. Reading is async; cleaning and
//! fingerprinting run on the blocking pool (`workers` files at once, results kept in
//! input order so the first copy of a story is the canonical one); one writer thread
//! owns the database.
//!
//! A source feeds [`Pipeline::input`] and drops it when done; the pipeline then
//! drains and [`Pipeline::finish`] returns the summary. That is the whole shutdown
//! protocol: the batch job drops the sender after discovery, the daemon on a signal.

pub mod process;
pub mod summary;
pub mod writer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use futures::StreamExt;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::dedup::NearDupIndex;
use crate::source::read::{read, ReadResult};
use crate::source::Candidate;
use crate::store::WriteStore;
pub use process::Reader;
pub use summary::Summary;
pub use writer::Committed;
use writer::{Prepared, Writer, WriterMsg};

/// The async runtime the pipeline runs on.
///
/// The blocking pool is capped: the transform stage never has more than `workers * 2`
/// files in flight, and the writer and the sources hold one long-lived blocking thread
/// each. Without the cap tokio keeps a thread per recently used slot, and on a small
/// machine their wake-ups cost more than the cleaning itself.
pub fn runtime(config: &Config) -> Result<tokio::runtime::Runtime> {
    let workers = config.workers();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.clamp(1, 4))
        .max_blocking_threads(workers * 2 + 4)
        .thread_name("news-ingest")
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))
}

/// A running pipeline.
pub struct Pipeline {
    /// Send discovered files here; drop it to let the pipeline drain and finish.
    pub input: mpsc::Sender<Candidate>,
    transform: JoinHandle<()>,
    writer: JoinHandle<Result<Summary>>,
    started: Instant,
}

/// Optional wiring of a pipeline.
#[derive(Default)]
pub struct Options {
    /// Receives every file whose fate was committed, after the commit.
    pub on_commit: Option<mpsc::Sender<Committed>>,
    /// Progress display (hidden when not a terminal).
    pub progress: Option<indicatif::ProgressBar>,
}

impl Pipeline {
    /// Starts the stages. Must be called inside a tokio runtime.
    pub fn start(config: &Config, store: Box<dyn WriteStore>, reader: Reader, options: Options) -> Pipeline {
        let cap = config.pipeline.channel_capacity;
        let workers = config.workers();
        let max_size = config.input.max_file_size;
        let (input, input_rx) = mpsc::channel::<Candidate>(cap);
        let (to_writer, writer_rx) = mpsc::channel::<WriterMsg>(cap);

        let progress = options.progress.unwrap_or_else(indicatif::ProgressBar::hidden);
        let near = NearDupIndex::new(&config.dedup);
        let writer = Writer::new(store, near, config.pipeline.batch_size, options.on_commit, progress);
        let writer = tokio::task::spawn_blocking(move || writer.run(writer_rx));

        // Commit by time as well as by count: a tick per interval while files flow.
        let ticker = to_writer.downgrade();
        let interval = Duration::from_millis(config.pipeline.batch_interval_ms.max(10));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(tx) = ticker.upgrade() else { break };
                if tx.send(WriterMsg::Tick).await.is_err() {
                    break;
                }
            }
        });

        let work = Arc::new(Work {
            reader,
            hasher: NearDupIndex::new(&config.dedup),
            max_size,
            budget: Semaphore::new(config.pipeline.max_bytes_in_flight.div_ceil(1024).max(1) as usize),
            budget_kib: config.pipeline.max_bytes_in_flight.div_ceil(1024).max(1),
        });
        let transform = tokio::spawn(async move {
            let files =
                futures::stream::unfold(input_rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
            let prepared = files
                .map(|candidate| {
                    let work = Arc::clone(&work);
                    async move { prepare(candidate, work).await }
                })
                .buffered(workers * 2);
            let mut prepared = std::pin::pin!(prepared);
            while let Some(p) = prepared.next().await {
                if to_writer.send(WriterMsg::File(Box::new(p))).await.is_err() {
                    break; // the writer stopped on an error; it reports it
                }
            }
        });

        Pipeline { input, transform, writer, started: Instant::now() }
    }

    /// True once the writer has stopped: after `finish`, or on its own after a
    /// database error (a long-running source polls this to restart the pipeline).
    pub fn is_finished(&self) -> bool {
        self.writer.is_finished()
    }

    /// Waits for the pipeline to drain (drop `input` first, or this waits forever).
    pub async fn finish(self) -> Result<Summary> {
        let Pipeline { input, transform, writer, started } = self;
        drop(input);
        transform.await.map_err(|e| anyhow!("transform stage failed: {e}"))?;
        let mut summary = writer.await.map_err(|e| anyhow!("writer stage failed: {e}"))??;
        summary.set_elapsed(started.elapsed());
        Ok(summary)
    }
}

/// What the transform stage shares between its workers.
struct Work {
    reader: Reader,
    /// Only its parameters are used (see [`process::process`]).
    hasher: NearDupIndex,
    max_size: u64,
    /// Bytes of input held in memory by the transform stage, in KiB permits: the
    /// worker count bounds files in flight, this bounds their size (a run of 16 MiB
    /// files must not hold gigabytes at once).
    budget: Semaphore,
    budget_kib: u64,
}

/// Read, decode, clean and fingerprint one file in one task on the blocking pool.
async fn prepare(candidate: Candidate, work: Arc<Work>) -> Prepared {
    // A file larger than the whole budget takes all of it and runs alone.
    let kib = candidate.key.size.div_ceil(1024).clamp(1, work.budget_kib) as u32;
    let fallback = candidate.clone();
    let Ok(_permit) = work.budget.acquire_many(kib).await else {
        return Prepared::Rejected {
            candidate,
            file_sha256: None,
            reason: "internal error: input budget closed".to_string(),
        };
    };
    let w = Arc::clone(&work);
    let result = tokio::task::spawn_blocking(move || {
        let mut candidate = candidate;
        let outcome = match read(&mut candidate, w.max_size) {
            ReadResult::Vanished => return Prepared::Vanished { candidate },
            ReadResult::Unusable { sha256, reason } => {
                return Prepared::Rejected { candidate, file_sha256: sha256, reason }
            }
            ReadResult::Bytes { bytes, sha256 } => (process::process(&bytes, &w.reader, &w.hasher), sha256),
        };
        match outcome {
            (Ok(cleaned), file_sha256) => {
                Prepared::Article { candidate, file_sha256, cleaned: Box::new(cleaned) }
            }
            (Err(reason), file_sha256) => {
                Prepared::Rejected { candidate, file_sha256: Some(file_sha256), reason }
            }
        }
    })
    .await;
    // A panic in cleaning is a bug, but it must not take the run down with it: the
    // file is recorded as rejected (its candidate is rebuilt from the copy kept here).
    result.unwrap_or_else(|e| Prepared::Rejected {
        candidate: fallback,
        file_sha256: None,
        reason: format!("internal error while reading or cleaning: {e}"),
    })
}
