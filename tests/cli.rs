//! The command line around the pipeline (issue 15): colour, quiet, version,
//! completions, man page, `config`, `sources`, `forget`, `delete`, `run
//! --include/--exclude`, rejected files after the summary, `export --format csv`,
//! config-relative paths, `--db` on a directory. The real binary on real files.

mod common;

use std::path::Path;

use common::*;

fn out_of(cmd: &mut assert_cmd::Command) -> (bool, String, String) {
    let o = cmd.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Seeds plus a binary file (rejected) and a vn-mds style metadata file.
fn inbox(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("in");
    copy_seeds(&input);
    std::fs::write(input.join("broken.txt"), b"\x00\x01\x02 binary").unwrap();
    std::fs::write(input.join("12345.info.txt"), "LINK: http://example.com/a\nTITLE: Tin_tức về hội_đàm\n")
        .unwrap();
    input
}

#[test]
fn version_completions_and_man_page() {
    let (ok, out, _) = out_of(bin().arg("--version"));
    assert!(ok && out.starts_with("news-ingest ") && out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    for (shell, marker) in
        [("bash", "complete -F"), ("zsh", "#compdef news-ingest"), ("fish", "complete -c news-ingest")]
    {
        let (ok, out, err) = out_of(bin().args(["completions", shell]));
        assert!(ok, "{shell}: {err}");
        assert!(out.contains(marker) && out.contains("search"), "{shell}: {}", &out[..out.len().min(300)]);
    }
    let (ok, out, _) = out_of(bin().arg("man"));
    assert!(
        ok && out.contains(".TH news-ingest 1") && out.contains("search"),
        "{}",
        &out[..out.len().min(300)]
    );
}

#[test]
fn config_prints_the_effective_config_and_names_a_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let cfg = etc.join("news.toml");
    std::fs::write(&cfg, "[pipeline]\nbatch_size = 7\n[database]\npath = \"data/news.db\"\n[clean]\nrules = \"/abs/rules.toml\"\n").unwrap();
    let (ok, out, err) = out_of(bin().current_dir(dir.path()).arg("--config").arg(&cfg).arg("config"));
    assert!(ok, "{err}");
    let parsed: toml::Table = toml::from_str(&out).unwrap();
    assert_eq!(parsed["pipeline"]["batch_size"].as_integer(), Some(7));
    // Defaults are merged in.
    assert!(parsed["search"]["rank_window"].as_integer().unwrap() > 0);
    // Relative paths of a config file resolve from its folder; absolute ones stay.
    assert_eq!(parsed["database"]["path"].as_str(), Some(etc.join("data/news.db").to_str().unwrap()));
    assert_eq!(parsed["clean"]["rules"].as_str(), Some("/abs/rules.toml"));
    // Keys the file does not set keep the defaults (the working directory's).
    assert_eq!(parsed["input"]["paths"][0].as_str(), Some("seeds"));
    // The printed config is itself a valid config file.
    let again = dir.path().join("again.toml");
    std::fs::write(&again, &out).unwrap();
    let (ok, _, err) = out_of(bin().arg("--config").arg(&again).arg("config"));
    assert!(ok, "{err}");

    std::fs::write(&cfg, "[pipeline]\nbatch_sise = 3\n").unwrap();
    let o = bin().arg("--config").arg(&cfg).arg("config").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pipeline.batch_sise") && err.contains("news.toml"), "{err}");
    std::fs::write(&cfg, "[dedup]\njaccard = 7.0\n").unwrap();
    let o = bin().arg("--config").arg(&cfg).arg("config").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("dedup.jaccard"));
    std::fs::write(&cfg, "[watch]\nmetrics_addr = \"localhost-ish\"\n").unwrap();
    let o = bin().arg("--config").arg(&cfg).arg("config").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("watch.metrics_addr"));
}

#[test]
fn a_run_from_elsewhere_writes_where_the_config_says() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(etc.join("data")).unwrap();
    std::fs::write(etc.join("news.toml"), "[database]\npath = \"data/news.db\"\n").unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let (ok, _, err) = out_of(
        bin().current_dir(&elsewhere).arg("--config").arg(etc.join("news.toml")).arg("run").arg(seeds()),
    );
    assert!(ok, "{err}");
    assert_eq!(count(&etc.join("data/news.db"), "SELECT COUNT(*) FROM articles"), 5);
    assert!(!elsewhere.join("data").exists());
}

#[test]
fn run_lists_rejected_files_and_filters_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = inbox(dir.path());
    let db = dir.path().join("t.db");
    // --exclude on the command line keeps the metadata file out.
    let (ok, out, err) =
        out_of(bin().arg("--db").arg(&db).args(["run", "--exclude", "*.info.txt"]).arg(&input));
    assert!(ok, "{err}");
    assert!(out.contains("rejected files:") && out.contains("broken.txt: binary file"), "{out}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources WHERE path LIKE '%info.txt'"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources"), 6);
    // --include replaces input.include: only the metadata file now.
    let (ok, out, err) =
        out_of(bin().arg("--db").arg(&db).args(["run", "--json", "--include", "*.info.txt"]).arg(&input));
    assert!(ok, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["files"], 1, "{s}");
    // A bad glob is named.
    let (ok, _, err) = out_of(bin().arg("--db").arg(&db).args(["run", "--include", "a[b"]).arg(&input));
    assert!(!ok && err.contains("a[b"), "{err}");
}

#[test]
fn quiet_and_colour() {
    let dir = tempfile::tempdir().unwrap();
    let input = inbox(dir.path());
    let db = dir.path().join("t.db");
    // Logs to a file or pipe carry no ANSI escapes by default...
    let (ok, _, err) = out_of(bin().arg("--db").arg(&db).arg("run").arg(&input).env_remove("NO_COLOR"));
    assert!(ok && !err.is_empty(), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
    // ... unless asked for; NO_COLOR and --color never win over a terminal.
    let db2 = dir.path().join("t2.db");
    let (_, _, err) = out_of(bin().arg("--db").arg(&db2).args(["--color", "always", "run"]).arg(&input));
    assert!(err.contains('\x1b'), "{err:?}");
    let (_, out, _) = out_of(bin().arg("--db").arg(&db2).args(["--color", "always", "search", "hoi dam"]));
    assert!(out.contains("\x1b[1m"), "bold matches: {out:?}");
    let (_, out, _) = out_of(bin().arg("--db").arg(&db2).args(["--color", "never", "search", "hoi dam"]));
    assert!(!out.contains('\x1b') && out.contains('['), "{out:?}");
    // -q: nothing on stdout or stderr for a clean run; --json still prints.
    let db3 = dir.path().join("t3.db");
    let (ok, out, err) = out_of(bin().arg("--db").arg(&db3).args(["-q", "run"]).arg(seeds()));
    assert!(ok && out.is_empty() && err.is_empty(), "{out:?} {err:?}");
    let (_, out, _) = out_of(bin().arg("--db").arg(&db3).args(["--quiet", "run", "--json"]).arg(seeds()));
    assert!(out.starts_with('{'), "{out:?}");
}

#[test]
fn sources_forget_and_delete_correct_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let input = inbox(dir.path());
    std::fs::copy(input.join("000_634d2d9314a48930.txt"), input.join("zz copy.txt")).unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!((s["rejected"].as_i64(), s["duplicates"].as_i64()), (Some(1), Some(1)), "{s}");

    let (ok, out, _) = out_of(bin().arg("--db").arg(&db).args(["sources", "--status", "rejected", "--json"]));
    assert!(ok);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["path"].as_str().unwrap().ends_with("broken.txt"));
    assert!(lines[0]["error"].as_str().unwrap().contains("binary"));
    let (_, out, _) = out_of(bin().arg("--db").arg(&db).arg("sources"));
    assert_eq!(out.lines().count(), 8, "{out}");
    assert!(out.lines().any(|l| l.starts_with("duplicate") && l.contains("zz copy.txt")), "{out}");

    // A rejected file stays "unchanged" until forgotten; then it is read again.
    std::fs::write(
        input.join("broken.txt"),
        "Tiêu đề sửa lại\n\nBài viết đã được sửa, giờ là một văn bản bình thường về kinh tế.\n",
    )
    .unwrap();
    let rejected_path = lines[0]["path"].as_str().unwrap().to_string();
    let (ok, out, err) = out_of(bin().arg("--db").arg(&db).args(["forget", "--status", "rejected"]));
    assert!(ok && out.contains("forgot 1"), "{out} {err}");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 1, "{s}");
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM sources WHERE path = '{rejected_path}'")), 1);
    // forget PATH keeps stored rows (the article's own record) and says so.
    let (ok, out, _) =
        out_of(bin().arg("--db").arg(&db).arg("forget").arg(input.join("zz copy.txt")).arg(&rejected_path));
    assert!(ok && out.contains("forgot 1") && out.contains("kept 1"), "{out}");

    // delete ID: the article and everything tied to it; stats still add up.
    let id = count(&db, "SELECT article_id FROM sources WHERE path LIKE '%000_634d2d9314a48930.txt'");
    let (ok, out, err) = out_of(bin().arg("--db").arg(&db).args(["delete", &id.to_string()]));
    assert!(ok, "{err}");
    assert!(out.contains(&format!("deleted article {id}")), "{out}");
    for sql in [
        format!("SELECT COUNT(*) FROM articles WHERE id = {id}"),
        format!("SELECT COUNT(*) FROM sources WHERE article_id = {id}"),
        format!("SELECT COUNT(*) FROM fingerprints WHERE article_id = {id}"),
        format!("SELECT COUNT(*) FROM signatures WHERE article_id = {id}"),
        format!("SELECT COUNT(*) FROM articles_fts_docsize WHERE id = {id}"),
        format!("SELECT COUNT(*) FROM articles_acc_fts_docsize WHERE id = {id}"),
    ] {
        assert_eq!(count(&db, &sql), 0, "{sql}");
    }
    assert_stats_add_up(&stats(&db));
    let (ok, _, err) = out_of(bin().arg("--db").arg(&db).args(["delete", "999999"]));
    assert!(!ok && err.contains("no article 999999"), "{err}");
    // The files are read again: the first copy becomes the article.
    let s = run_json(&db, &[&input]);
    assert_eq!((s["stored"].as_i64(), s["duplicates"].as_i64()), (Some(1), Some(1)), "{s}");
    assert_stats_add_up(&stats(&db));
}

#[test]
fn export_csv_and_db_directory_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &[&seeds()]);
    let (ok, out, err) = out_of(bin().arg("--db").arg(&db).args(["export", "--format", "csv"]));
    assert!(ok, "{err}");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header = r.headers().unwrap().clone();
    assert_eq!(header.get(0), Some("id"));
    let body_col = header.iter().position(|h| h == "body").unwrap();
    let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(records.len(), 5);
    let stored: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT body FROM articles WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(&records[0][body_col], stored, "bodies with newlines and quotes survive CSV");

    let (ok, _, err) = out_of(bin().arg("--db").arg(dir.path()).arg("stats"));
    assert!(!ok && err.contains("is a directory"), "{err}");
}

#[test]
fn clean_reads_stdin_and_many_files() {
    let seed = seeds().join("001_8f2e266a74151002.txt");
    let single: serde_json::Value =
        serde_json::from_slice(&bin().args(["clean", "--json"]).arg(&seed).output().unwrap().stdout).unwrap();
    // `-` is standard input: the same result.
    let o = bin().args(["clean", "--json", "-"]).write_stdin(std::fs::read(&seed).unwrap()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let from_stdin: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(from_stdin["body"], single["body"]);
    assert_eq!(from_stdin["path"], "-");
    // Many files: one JSON line each, with its path, in order; a bad one is named on
    // stderr, the others still come, and the exit status says something failed.
    let files: Vec<_> = std::fs::read_dir(seeds()).unwrap().map(|e| e.unwrap().path()).collect();
    let o = bin().args(["clean", "--json"]).args(&files).arg("/no/such/file.txt").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/no/such/file.txt"));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), files.len());
    for (line, file) in lines.iter().zip(&files) {
        assert_eq!(line["path"], file.display().to_string());
        assert!(!line["body"].as_array().unwrap().is_empty());
    }
}

/// `clean.fold_quotes`: off by default, the page's own quotes are kept (the gold
/// results have them); on, every text field holds ASCII quotes, for text dumps and
/// HTML pages alike.
#[test]
fn typographic_quotes_are_kept_unless_folding_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let seed = seeds().join("004_3ba78a584712174e.txt");
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        "<html><head><title>“Quoted” title</title></head><body><article><h1>“Quoted” title</h1>\
         <p>The minister said the plan ‘would work’ and that “nothing” was left to chance in the region.</p>\
         <p>Another paragraph of the story follows here, long enough to be the article’s text block.</p>\
         </article></body></html>",
    )
    .unwrap();
    let curly = |v: &serde_json::Value| v.to_string().contains(['“', '”', '‘', '’']);
    let json = |cmd: &mut assert_cmd::Command| -> Vec<serde_json::Value> {
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let kept = json(bin().args(["clean", "--json"]).arg(&seed).arg(&page));
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|d| curly(&d["body"])), "{kept:?}");
    assert!(curly(&kept[1]["title"]), "{:?}", kept[1]["title"]);

    let cfg = dir.path().join("fold.toml");
    std::fs::write(&cfg, "[clean]\nfold_quotes = true\n").unwrap();
    let folded = json(bin().arg("--config").arg(&cfg).args(["clean", "--json"]).arg(&seed).arg(&page));
    assert_eq!(folded.len(), 2);
    for (f, k) in folded.iter().zip(&kept) {
        for field in ["title", "body", "captions", "author"] {
            assert!(!curly(&f[field]), "{field}: {:?}", f[field]);
        }
        // Nothing else changes: the same paragraphs, quotes aside.
        let fold = |s: String| s.replace(['“', '”'], "\\\"").replace(['‘', '’'], "'");
        assert_eq!(f["body"].to_string(), fold(k["body"].to_string()));
    }
    assert!(folded[1]["body"].to_string().contains("'would work'"), "{:?}", folded[1]["body"]);
}
