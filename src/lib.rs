//! news-ingest: scraped news-article files in, a clean, deduplicated SQLite database out.
//!
//! The pipeline is `source` → `decode` → `clean` → `dedup` → `store`; `pipeline` wires
//! the stages together with bounded channels and `cli` is the command-line front end.
//! See ARCHITECTURE.md for the map.

pub mod clean;
pub mod cli;
pub mod commands;
pub mod config;
pub mod decode;
pub mod dedup;
pub mod document;
pub mod html;
pub mod nfc;
pub mod pipeline;
pub mod source;
pub mod store;

pub use document::Document;
