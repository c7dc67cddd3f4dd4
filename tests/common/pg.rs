//! A PostgreSQL server for the tests, and a fresh database on it per test.
//!
//! The server is `NEWS_INGEST_TEST_PG` (an admin URL, e.g. the one `.ci/pg-cluster.sh
//! start DIR` prints; `.ci/run` sets it), or else a throwaway cluster this test
//! binary starts itself with `.ci/pg-cluster.sh` (and stops when it exits). With
//! neither, the PostgreSQL tests skip with a message, except where
//! `NEWS_INGEST_REQUIRE_PG=1` (CI): there they fail.
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The admin URL of the test server, or `None` (with the reason printed).
pub fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if let Some(url) = std::env::var("NEWS_INGEST_TEST_PG").ok().filter(|u| !u.is_empty()) {
                return Some(url);
            }
            match start_cluster() {
                Ok(url) => Some(url),
                Err(why) => {
                    if std::env::var("NEWS_INGEST_REQUIRE_PG").is_ok_and(|v| v == "1") {
                        panic!("NEWS_INGEST_REQUIRE_PG=1 but no PostgreSQL could be started: {why}");
                    }
                    eprintln!("SKIPPING the PostgreSQL tests: no PostgreSQL server could be started ({why}); set NEWS_INGEST_TEST_PG or install postgresql");
                    None
                }
            }
        })
        .as_deref()
}

fn start_cluster() -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg-cluster.sh");
    let dir = std::env::temp_dir().join(format!("news-ingest-test-pg-{}", std::process::id()));
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("start")
        .arg(&dir)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    CLUSTER_DIR.set(dir.display().to_string()).ok();
    // Stop the server when this test binary exits.
    extern "C" fn stop() {
        if let Some(dir) = CLUSTER_DIR.get() {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg-cluster.sh");
            let _ = std::process::Command::new("bash").arg(script).arg("stop").arg(dir).output();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    unsafe {
        libc::atexit(stop);
    }
    Ok(url)
}

static CLUSTER_DIR: OnceLock<String> = OnceLock::new();

/// A new, empty database on the test server (dropped when the guard drops), as a
/// URL for `--db`.
pub struct Database {
    pub url: String,
    name: String,
    admin: String,
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

pub fn database() -> Option<Database> {
    static N: AtomicU64 = AtomicU64::new(0);
    let admin = server()?.to_string();
    let name = format!("ni_test_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the test server");
    c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("test server URL {admin} has no database name"),
    };
    Some(Database { url, name, admin })
}
