//! TLS to PostgreSQL with libpq's `sslmode` meanings, against a real server that
//! refuses plain TCP (a throwaway cluster started with `.ci/pg-cluster.sh start DIR
//! --tls-only`: a certificate for 127.0.0.1 signed by a throwaway CA, `DIR/ca.crt`).

mod common;

use std::path::Path;
use std::process::Command;

fn run(url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_news-ingest"))
        .env_remove("NEWS_INGEST_DB")
        .args(["-q", "--db", url, "run", "--json"])
        .arg(common::seeds())
        .output()
        .unwrap()
}

#[test]
fn sslmodes_as_libpq_against_a_tls_only_server() {
    // The same rule as the other PostgreSQL tests: skip only when no server can be
    // started at all, and never under NEWS_INGEST_REQUIRE_PG=1.
    if common::pg::server().is_none() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg-cluster.sh");
    let dir = std::env::temp_dir().join(format!("news-ingest-test-tls-{}", std::process::id()));
    let out = Command::new("bash").arg(&script).arg("start").arg(&dir).arg("--tls-only").output().unwrap();
    assert!(out.status.success(), "cannot start a TLS cluster: {}", String::from_utf8_lossy(&out.stderr));
    struct Stop<'a>(&'a Path, &'a Path);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            let _ = Command::new("bash").arg(self.0).arg("stop").arg(self.1).output();
            let _ = std::fs::remove_dir_all(self.1);
        }
    }
    let _stop = Stop(&script, &dir);
    let port = std::fs::read_to_string(dir.join("port")).unwrap().trim().to_string();
    let base = format!("postgresql://postgres@127.0.0.1:{port}/postgres");
    let ca = dir.join("ca.crt").display().to_string();

    // Plain TCP is refused by the server, and the error says why.
    let o = run(&format!("{base}?sslmode=disable"));
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no encryption"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // prefer (the default) and require encrypt without checking the certificate.
    let o = run(&base);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["stored"], 5);
    let o = run(&format!("{base}?sslmode=require"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // verify-full checks the certificate: unknown issuer without the CA, fine with it.
    let o = run(&format!("{base}?sslmode=verify-full"));
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("certificate"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for mode in ["verify-full", "verify-ca"] {
        let o = run(&format!("{base}?sslmode={mode}&sslrootcert={ca}"));
        assert!(o.status.success(), "{mode}: {}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["unchanged"], 5, "{v}");
    }
    // A missing root certificate file is a clear error naming it.
    let o = run(&format!("{base}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/ca.pem"));
}
