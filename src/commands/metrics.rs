//! The daemon's metrics endpoint (`watch --metrics-addr`): Prometheus text at
//! `/metrics` and a health check at `/health`, served by `tiny_http` on a thread of
//! its own; the values are `prometheus-client` metrics the daemon updates.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context as _, Result};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::store::Status;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

/// What the daemon reports.
pub struct Metrics {
    registry: Registry,
    pub files: Family<StatusLabel, Counter>,
    pub bytes_read: Counter,
    pub articles_stored: Counter,
    pub queue_depth: Gauge,
    pub commit_seconds: Histogram,
    pub last_commit: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub restarts: Counter,
    /// Duration of the last full scan of the watched directory, and the scans so far.
    pub rescan_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub rescans: Gauge,
    /// True while the pipeline runs and the database takes commits.
    pub healthy: AtomicBool,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("news_ingest");
        let files = Family::<StatusLabel, Counter>::default();
        registry.register("files", "Input files whose fate was committed, by status", files.clone());
        let bytes_read = Counter::default();
        registry.register("bytes_read", "Bytes of the input files committed", bytes_read.clone());
        let articles_stored = Counter::default();
        registry.register("articles_stored", "New articles stored", articles_stored.clone());
        let queue_depth = Gauge::default();
        registry.register("queue_depth", "Files read or queued and not yet committed", queue_depth.clone());
        let commit_seconds = Histogram::new([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]);
        registry.register("commit_seconds", "Duration of the writer's batch commits", commit_seconds.clone());
        let last_commit = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "last_commit_timestamp_seconds",
            "Unix time of the last commit",
            last_commit.clone(),
        );
        let restarts = Counter::default();
        registry.register("pipeline_restarts", "Pipeline restarts after a failure", restarts.clone());
        let rescan_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "rescan_seconds",
            "Duration of the last full scan of the watched directory",
            rescan_seconds.clone(),
        );
        let rescans = Gauge::default();
        registry.register("rescans", "Full scans of the watched directory so far", rescans.clone());
        Metrics {
            registry,
            files,
            bytes_read,
            articles_stored,
            queue_depth,
            commit_seconds,
            last_commit,
            restarts,
            rescan_seconds,
            rescans,
            healthy: AtomicBool::new(false),
        }
    }

    /// Counts one committed file.
    pub fn committed(&self, status: Status, bytes: Option<u64>, commit_seconds: Option<f64>) {
        self.files.get_or_create(&StatusLabel { status: status.as_str().to_string() }).inc();
        if status == Status::Stored {
            self.articles_stored.inc();
        }
        if let Some(b) = bytes {
            self.bytes_read.inc_by(b);
        }
        if let Some(s) = commit_seconds {
            self.commit_seconds.observe(s);
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        self.last_commit.set(now.as_secs_f64());
    }

    fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// The HTTP server; stops (and its thread is joined) when dropped.
pub struct Server {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(addr: &str, metrics: Arc<Metrics>) -> Result<Server> {
        let server = tiny_http::Server::http(addr)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("cannot listen on watch.metrics_addr {addr}"))?;
        let local = server.server_addr().to_ip().context("the metrics listener has no IP address")?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop_in = Arc::clone(&stop);
        let thread = std::thread::Builder::new().name("metrics".into()).spawn(move || {
            while !stop_in.load(Ordering::Relaxed) {
                let Ok(Some(req)) = server.recv_timeout(Duration::from_millis(100)) else { continue };
                let (code, body, kind) = match req.url() {
                    "/metrics" => (200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8"),
                    "/health" if metrics.healthy.load(Ordering::Relaxed) => {
                        (200, "ok\n".into(), "text/plain")
                    }
                    "/health" => {
                        (503, "pipeline not running or database not writable\n".into(), "text/plain")
                    }
                    _ => (404, "not found: try /metrics or /health\n".into(), "text/plain"),
                };
                let header = tiny_http::Header::from_bytes("Content-Type", kind).ok();
                let mut resp = tiny_http::Response::from_string(body).with_status_code(code);
                if let Some(h) = header {
                    resp = resp.with_header(h);
                }
                let _ = req.respond(resp);
            }
        })?;
        Ok(Server { stop, thread: Some(thread), addr: local })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
