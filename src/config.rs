//! Configuration: `config/default.toml` compiled in, a user file merged on top.
//!
//! Every section rejects unknown keys, so a typo in a user's file is an error that
//! names the key and the file instead of a setting that silently does nothing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The default configuration, as shipped in `config/default.toml`.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// The largest `input.max_file_size` accepted (1 GiB): cleaning holds a few times a
/// file's size, so anything larger is not an article a news pipeline should load.
pub const MAX_FILE_SIZE_LIMIT: u64 = 1 << 30;

/// Environment variable that overrides `database.path`.
pub const DB_ENV: &str = "NEWS_INGEST_DB";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub input: InputConfig,
    pub database: DatabaseConfig,
    pub pipeline: PipelineConfig,
    pub log: LogConfig,
    pub clean: CleanConfig,
    pub html: HtmlConfig,
    pub dedup: DedupConfig,
    pub watch: WatchConfig,
    pub search: SearchConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    pub paths: Vec<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub path: PathBuf,
    pub busy_timeout_ms: u64,
    /// Page cache of the writing connection (MiB).
    pub writer_cache_mib: u64,
    /// WAL size (pages) at which a checkpoint runs.
    pub checkpoint_pages: u32,
    /// Checkpoint on a background thread rather than in the writer's commit.
    pub background_checkpoint: bool,
    /// FTS5 `automerge`: segments of one size before they are merged (2-16).
    pub fts_automerge: u32,
    /// A PostgreSQL URL to use instead of the SQLite `path` (empty: none).
    pub url: String,
    /// PostgreSQL: most LSH band keys one batch may hold locked before it commits.
    pub pg_max_batch_locks: usize,
    /// PostgreSQL: how long a worker's claim on a file lasts before another worker
    /// may take the file over (ms).
    pub claim_lease_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    pub channel_capacity: usize,
    pub workers: usize,
    pub batch_size: usize,
    pub batch_interval_ms: u64,
    /// Input bytes the transform stage may hold at once.
    pub max_bytes_in_flight: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlConfig {
    /// User HTML rules file extending config/html.toml (empty: none).
    pub rules: PathBuf,
    /// Largest inflated size of a gzipped page (bytes).
    pub max_decompressed_size: u64,
    /// Deepest element nesting a page may ask for.
    pub max_depth: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanConfig {
    /// A user rules file that extends the compiled-in rules; empty for none.
    pub rules: PathBuf,
    /// Typographic quotes (‘ ’ ‚ ‛ “ ” „ ‟) as ASCII `'` and `"` in every text field,
    /// as ftfy's `uncurl_quotes` does. Off by default: the stored text keeps the page's
    /// characters (the gold results do); on for datasets that want one quote style.
    #[serde(default)]
    pub fold_quotes: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    pub shingle_size: usize,
    pub num_perm: usize,
    pub bands: usize,
    pub rows: usize,
    pub seed: u64,
    /// The lead of a text (its first `lead_shingles` shingles, in text order) is
    /// banded too, in `lead_bands` bands of `lead_rows` values of its own MinHash
    /// signature: copies of one story share their beginning whatever was cut or
    /// added at the end, so a short copy and a long one become candidates although
    /// their whole-text Jaccard is low (issue 16). `lead_bands = 0`: none.
    pub lead_shingles: usize,
    pub lead_bands: usize,
    pub lead_rows: usize,
    pub min_shingles: usize,
    pub jaccard: f64,
    pub containment: f64,
    /// Minimum share of the numeric shingles (with a digit) of the text with fewer
    /// of them found in the other, checked when both have `min_numeric_shingles`.
    pub numeric_containment: f64,
    pub min_numeric_shingles: usize,
    /// ...or at least this share of the distinct numeric words of the text with fewer.
    pub number_containment: f64,
    /// Texts in which at least this many numbers were replaced by other numbers in
    /// the same wording are template stories and stay apart (issue 16)...
    pub number_substitutions: usize,
    /// ...when they differ in at most this many other places.
    pub template_other_gaps: usize,
    /// At most this many LSH candidates (those sharing the most bands) are verified
    /// per article.
    pub max_candidates: usize,
    /// A candidate whose MinHash estimates of Jaccard and containment both fall this
    /// far below the thresholds is not verified exactly.
    pub prefilter_margin: f64,
    /// Unshared gaps of at most this many shingles count as edits (see `gap_filled`).
    pub edit_gap: usize,
    /// The edited-copy rule: share of the shorter text shared or within edit gaps...
    pub gap_filled: f64,
    /// ...at least this containment...
    pub gap_min_containment: f64,
    /// ...and one shared run of at least this many shingles...
    pub min_run: usize,
    /// ...or one of at least this many, with `long_run_containment` of the shorter
    /// text in shared runs of at least `long_run` shingles (copies of copies).
    pub short_min_run: usize,
    pub long_run: usize,
    pub long_run_containment: f64,
    /// Which text a cluster's article keeps: the fullest copy seen, or the first.
    pub canonical: Canonical,
    /// A fuller copy must have at least this share more shingles to replace the text.
    pub fullest_min_gain: f64,
    /// A text matched through a member of an article must share at least this share
    /// of the shorter text with the article's own text.
    pub member_confirm: f64,
    /// At most this many members of a candidate article are verified (newest first).
    pub max_members: usize,
    /// A text inside an article's text is not a copy of it when a member of the
    /// article shares less than `glued_max_overlap` of the shorter text with it and
    /// both hold at least `glued_min_share` of the article's text (two stories glued
    /// into one page). `glued_min_share = 0` turns the check off.
    pub glued_min_share: f64,
    pub glued_max_overlap: f64,
    /// A glued page that came first takes its member that holds its own story as its
    /// text: the member must hold `glued_lead_share` of the text's first
    /// `glued_lead_shingles` shingles (the page's own story is the one at its top).
    pub glued_lead_share: f64,
    pub glued_lead_shingles: usize,
    /// A text that is a near copy of two articles whose texts share `member_confirm`
    /// makes them one (one story that arrived as two, e.g. two copies edited apart
    /// before the text that contains both).
    pub merge_articles: bool,
}

/// `dedup.canonical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canonical {
    /// A near copy that contains the stored text and is longer replaces it.
    Fullest,
    /// The first copy seen stays.
    First,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    pub rescan_interval_ms: u64,
    pub settle_ms: u64,
    /// File-name patterns the daemon never reads (added to `input.exclude`).
    pub ignore: Vec<String>,
    pub done_dir: PathBuf,
    pub delete_processed: bool,
    pub error_dir: PathBuf,
    pub shutdown_timeout_ms: u64,
    /// How often the daemon logs a summary line at info level (ms; 0 = never).
    pub summary_interval_ms: u64,
    /// Longest wait between retries when the directory or the database fails (ms).
    pub max_backoff_ms: u64,
    /// `host:port` of the metrics endpoint; empty for none.
    pub metrics_addr: String,
}

/// Bounds on the work of one `search` (see `store/query.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// When more articles than this match, only the newest this many are ranked.
    pub rank_window: usize,
    /// Document frequencies (for bm25's IDF) are counted over the newest this many
    /// articles; exact when the database is no larger.
    pub idf_sample: usize,
    /// The best title matches (by the title index) also ranked, however old.
    pub title_pool: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Config::embedded().search
    }
}

impl Config {
    /// The compiled-in defaults.
    pub fn embedded() -> Config {
        // The embedded file is checked by a unit test, so this cannot fail in a
        // released binary; fall back loudly rather than panic if it ever did.
        Self::from_layers(None).expect("config/default.toml is valid (checked by tests)")
    }

    /// Loads the defaults, then `file` on top of them when given.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        match file {
            None => Self::from_layers(None),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}: check the path", path.display()))?;
                Self::from_layers(Some((path, &text)))
            }
        }
    }

    /// Parses a user config given as text (used by `load` and by tests).
    pub fn from_layers(user: Option<(&Path, &str)>) -> Result<Config> {
        let mut merged: toml::Table =
            toml::from_str(DEFAULT_TOML).context("built-in config/default.toml is not valid TOML")?;
        let origin = match user {
            None => "built-in config/default.toml".to_string(),
            Some((path, text)) => {
                let mut layer: toml::Table = toml::from_str(text)
                    .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
                resolve_relative_paths(&mut layer, path);
                merge(&mut merged, layer, "", path)?;
                format!("config file {}", path.display())
            }
        };
        let config: Config =
            toml::Value::Table(merged).try_into().with_context(|| format!("bad value in {origin}"))?;
        config.validate().with_context(|| format!("bad value in {origin}"))?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        for (key, value, (lo, hi)) in self.numeric_values() {
            if !(lo..=hi).contains(&value) {
                bail!("{key} must be between {lo} and {hi} (see the Limits table in README.md), got {value}");
            }
        }
        if self.input.include.is_empty() {
            bail!("input.include must list at least one pattern (e.g. \"*.txt\")");
        }
        let w = &self.watch;
        if w.delete_processed && !w.done_dir.as_os_str().is_empty() {
            bail!("watch.delete_processed and watch.done_dir exclude each other: set one of them");
        }
        if !w.metrics_addr.is_empty() && w.metrics_addr.parse::<std::net::SocketAddr>().is_err() {
            bail!(
                "watch.metrics_addr must be host:port with an IP address (e.g. \"127.0.0.1:9464\"), got {:?}",
                w.metrics_addr
            );
        }
        let d = &self.dedup;
        if d.shingle_size == 0 {
            bail!("dedup.shingle_size must be greater than 0");
        }
        if d.bands == 0 || d.rows == 0 || d.bands * d.rows > d.num_perm {
            bail!(
                "dedup.bands ({}) * dedup.rows ({}) must not exceed dedup.num_perm ({})",
                d.bands,
                d.rows,
                d.num_perm
            );
        }
        if d.lead_bands > 0
            && (d.lead_rows == 0 || d.lead_shingles == 0 || d.lead_bands * d.lead_rows > d.num_perm)
        {
            bail!(
                "dedup.lead_bands ({}) * dedup.lead_rows ({}) must not exceed dedup.num_perm ({}), and dedup.lead_rows and dedup.lead_shingles must be greater than 0 (or dedup.lead_bands = 0 for no lead bands)",
                d.lead_bands,
                d.lead_rows,
                d.num_perm
            );
        }
        for (key, v) in [
            ("dedup.jaccard", d.jaccard),
            ("dedup.containment", d.containment),
            ("dedup.numeric_containment", d.numeric_containment),
            ("dedup.gap_filled", d.gap_filled),
            ("dedup.gap_min_containment", d.gap_min_containment),
            ("dedup.long_run_containment", d.long_run_containment),
            ("dedup.member_confirm", d.member_confirm),
            ("dedup.glued_max_overlap", d.glued_max_overlap),
            ("dedup.glued_lead_share", d.glued_lead_share),
            ("dedup.number_containment", d.number_containment),
        ] {
            if !(0.0..=1.0).contains(&v) || v == 0.0 {
                bail!("{key} must be in (0, 1], got {v}");
            }
        }
        if !(-1.0..=1.0).contains(&d.prefilter_margin) {
            bail!(
                "dedup.prefilter_margin must be between -1 and 1 (negative: off), got {}",
                d.prefilter_margin
            );
        }
        if !(0.0..0.5).contains(&d.glued_min_share) {
            bail!("dedup.glued_min_share must be in [0, 0.5) (0: off), got {}", d.glued_min_share);
        }
        if !(0.0..=10.0).contains(&d.fullest_min_gain) {
            bail!("dedup.fullest_min_gain must be between 0 and 10, got {}", d.fullest_min_gain);
        }
        if d.min_run == 0 || d.short_min_run == 0 || d.long_run == 0 {
            bail!("dedup.min_run, dedup.short_min_run and dedup.long_run must be greater than 0 (shingles)");
        }
        Ok(())
    }

    /// Every integer setting with its allowed range, inclusive. The ranges are the
    /// README's "Limits" table: wide enough for any real use, narrow enough that no
    /// value can overflow a conversion (SQLite's busy timeout is a C `int` of
    /// milliseconds, tokio's channels cap their capacity, `Instant + Duration` panics
    /// on overflow) or make a stage allocate without bound.
    pub fn numeric_values(&self) -> Vec<(&'static str, u64, (u64, u64))> {
        const HOUR_MS: u64 = 3_600_000;
        const DAY_MS: u64 = 24 * HOUR_MS;
        let (i, db, p, d, w, s, h) =
            (&self.input, &self.database, &self.pipeline, &self.dedup, &self.watch, &self.search, &self.html);
        let n = |v: usize| v as u64;
        vec![
            ("input.max_file_size", i.max_file_size, (1, MAX_FILE_SIZE_LIMIT)),
            ("database.busy_timeout_ms", db.busy_timeout_ms, (0, HOUR_MS)),
            ("database.writer_cache_mib", db.writer_cache_mib, (1, 65_536)),
            ("database.checkpoint_pages", u64::from(db.checkpoint_pages), (1, 10_000_000)),
            ("database.fts_automerge", u64::from(db.fts_automerge), (2, 16)),
            ("database.pg_max_batch_locks", n(db.pg_max_batch_locks), (32, 1_000_000)),
            ("database.claim_lease_ms", db.claim_lease_ms, (1000, DAY_MS)),
            ("pipeline.channel_capacity", n(p.channel_capacity), (1, 65_536)),
            ("pipeline.workers", n(p.workers), (0, 256)),
            ("pipeline.batch_size", n(p.batch_size), (1, 1_000_000)),
            ("pipeline.batch_interval_ms", p.batch_interval_ms, (0, HOUR_MS)),
            ("pipeline.max_bytes_in_flight", p.max_bytes_in_flight, (1, 1 << 40)),
            ("dedup.shingle_size", n(d.shingle_size), (1, 64)),
            ("dedup.num_perm", n(d.num_perm), (1, 4096)),
            ("dedup.bands", n(d.bands), (1, 4096)),
            ("dedup.rows", n(d.rows), (1, 4096)),
            ("dedup.min_shingles", n(d.min_shingles), (0, 1_000_000)),
            ("dedup.lead_shingles", n(d.lead_shingles), (0, 1_000_000)),
            ("dedup.lead_bands", n(d.lead_bands), (0, 4096)),
            ("dedup.lead_rows", n(d.lead_rows), (0, 4096)),
            ("dedup.min_numeric_shingles", n(d.min_numeric_shingles), (0, 1_000_000)),
            ("dedup.max_candidates", n(d.max_candidates), (1, 100_000)),
            ("dedup.number_substitutions", n(d.number_substitutions), (1, 1_000_000)),
            ("dedup.template_other_gaps", n(d.template_other_gaps), (0, 1_000_000)),
            ("watch.rescan_interval_ms", w.rescan_interval_ms, (1, DAY_MS)),
            ("watch.settle_ms", w.settle_ms, (0, DAY_MS)),
            ("watch.shutdown_timeout_ms", w.shutdown_timeout_ms, (0, HOUR_MS)),
            ("watch.summary_interval_ms", w.summary_interval_ms, (0, DAY_MS)),
            ("watch.max_backoff_ms", w.max_backoff_ms, (0, DAY_MS)),
            ("search.rank_window", n(s.rank_window), (1, 100_000_000)),
            ("search.idf_sample", n(s.idf_sample), (1, 1_000_000_000)),
            ("search.title_pool", n(s.title_pool), (0, 1_000_000)),
            ("html.max_decompressed_size", h.max_decompressed_size, (1, MAX_FILE_SIZE_LIMIT)),
            ("html.max_depth", n(h.max_depth), (16, 100_000)),
        ]
    }

    /// The number of CPU workers to use for cleaning and fingerprinting.
    pub fn workers(&self) -> usize {
        if self.pipeline.workers > 0 {
            self.pipeline.workers
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }
}

/// Keys holding a path (or a list of paths) that a config file may give relative to
/// itself.
const PATH_KEYS: [(&str, &str); 5] = [
    ("input", "paths"),
    ("database", "path"),
    ("clean", "rules"),
    ("watch", "done_dir"),
    ("watch", "error_dir"),
];

/// Makes the relative paths a config file sets relative to the file's folder, not to
/// the working directory (a systemd unit runs elsewhere). Empty strings mean "none"
/// and stay empty; PostgreSQL URLs are no paths. Keys the file does not set keep
/// their defaults (`news.db`, `seeds` in the working directory).
fn resolve_relative_paths(layer: &mut toml::Table, file: &Path) {
    let base = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let fix = |v: &mut toml::Value| {
        if let toml::Value::String(s) = v {
            let is_url = s.starts_with("postgres://") || s.starts_with("postgresql://");
            if !s.is_empty() && !is_url && Path::new(s.as_str()).is_relative() {
                *s = base.join(s.as_str()).to_string_lossy().into_owned();
            }
        }
    };
    for (table, key) in PATH_KEYS {
        let Some(toml::Value::Table(t)) = layer.get_mut(table) else { continue };
        match t.get_mut(key) {
            Some(toml::Value::Array(items)) => items.iter_mut().for_each(fix),
            Some(v) => fix(v),
            None => {}
        }
    }
}

/// Deep-merges `layer` into `base`, refusing keys the defaults do not know so the
/// error can name the key and the file.
fn merge(base: &mut toml::Table, layer: toml::Table, prefix: &str, file: &Path) -> Result<()> {
    for (key, value) in layer {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match (base.get_mut(&key), value) {
            (None, _) => bail!(
                "unknown key `{full}` in config file {} (see config/default.toml for the keys)",
                file.display()
            ),
            (Some(toml::Value::Table(b)), toml::Value::Table(l)) => merge(b, l, &full, file)?,
            (Some(toml::Value::Table(_)), _) => {
                bail!("`{full}` in config file {} must be a table", file.display())
            }
            (Some(slot), v) => *slot = v,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_valid() {
        let c = Config::from_layers(None).unwrap();
        assert_eq!(c.database.path, PathBuf::from("news.db"));
        assert_eq!(c.input.max_file_size, 16 * 1024 * 1024);
    }

    #[test]
    fn user_layer_overrides_one_key() {
        let c = Config::from_layers(Some((Path::new("u.toml"), "[pipeline]\nbatch_size = 7\n"))).unwrap();
        assert_eq!(c.pipeline.batch_size, 7);
        assert_eq!(c.pipeline.channel_capacity, Config::embedded().pipeline.channel_capacity);
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let e = Config::from_layers(Some((Path::new("u.toml"), "[pipeline]\nbatchsize = 7\n"))).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("pipeline.batchsize") && msg.contains("u.toml"), "{msg}");
    }

    #[test]
    fn bad_value_names_key_and_file() {
        let e =
            Config::from_layers(Some((Path::new("u.toml"), "[pipeline]\nbatch_size = \"x\"\n"))).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("batch_size") && msg.contains("u.toml"), "{msg}");
        let e = Config::from_layers(Some((Path::new("u.toml"), "[dedup]\nbands = 50\n"))).unwrap_err();
        assert!(format!("{e:#}").contains("dedup.bands"));
        let e = Config::from_layers(Some((Path::new("u.toml"), "[dedup]\ncanonical = \"longest\"\n")))
            .unwrap_err();
        assert!(format!("{e:#}").contains("u.toml"), "{e:#}");
        let e =
            Config::from_layers(Some((Path::new("u.toml"), "[dedup]\nmember_confirm = 1.5\n"))).unwrap_err();
        assert!(format!("{e:#}").contains("dedup.member_confirm"), "{e:#}");
        for bad in [0, 1, 17] {
            let layer = format!("[database]\nfts_automerge = {bad}\n");
            let e = Config::from_layers(Some((Path::new("u.toml"), layer.as_str()))).unwrap_err();
            assert!(format!("{e:#}").contains("database.fts_automerge"), "{bad}");
        }
    }
}
