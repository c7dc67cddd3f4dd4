//! Hostile and broken input: the real binary on real files. Every file is accounted
//! for with a clear reason, the run exits 0, and other files are unaffected.

mod common;
#[path = "common/encodings.rs"]
mod encodings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use rusqlite::Connection;
use unicode_normalization::UnicodeNormalization;

fn seed(name: &str) -> String {
    std::fs::read_to_string(seeds().join(name)).unwrap()
}

const SEED: &str = "003_e07045f816cb7c97.txt";

/// `status` and `error` of every source row, by file name.
fn fates(db: &Path) -> BTreeMap<String, (String, Option<String>)> {
    let c = Connection::open(db).unwrap();
    let mut stmt = c.prepare("SELECT path, status, error FROM sources").unwrap();
    let rows = stmt
        .query_map([], |r| {
            let path: String = r.get(0)?;
            let name = Path::new(&path).file_name().unwrap().to_string_lossy().into_owned();
            Ok((name, (r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn assert_rejected(f: &BTreeMap<String, (String, Option<String>)>, name: &str, reason_prefix: &str) {
    let (status, error) = f.get(name).unwrap_or_else(|| panic!("{name} not recorded: {f:?}"));
    assert_eq!(status, "rejected", "{name}: {f:?}");
    let error = error.as_deref().unwrap_or("");
    assert!(error.starts_with(reason_prefix), "{name}: reason {error:?} should start with {reason_prefix:?}");
}

fn dir_with_seeds(root: &Path) -> PathBuf {
    let input = root.join("in");
    copy_seeds(&input);
    input
}

#[test]
fn bad_files_are_rejected_with_a_reason_and_do_not_disturb_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir_with_seeds(dir.path());
    let text = seed(SEED);
    let w = |name: &str, bytes: &[u8]| std::fs::write(input.join(name), bytes).unwrap();

    w("empty.txt", b"");
    w("blank.txt", b"  \n\n\t \r\n   \n");
    w("bom-only.txt", b"\xEF\xBB\xBF\n");
    w("png.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10");
    w("zip.txt", b"PK\x03\x04\x14\0\0\0\x08\0article.txt");
    w("pdf.txt", b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    w("gzip.txt", b"\x1F\x8B\x08\0\0\0\0\0\0\x03\xcb\x48\xcd\xc9\xc9\x07\0");
    w("random.txt", &encodings::random_bytes(4096, 7));
    let no_nul: Vec<u8> = encodings::random_bytes(4096, 11).into_iter().filter(|&b| b != 0).collect();
    w("random-no-nul.txt", &no_nul);
    let mut with_nul = text.clone().into_bytes();
    with_nul.splice(100..100, [0u8, 0, 0]);
    w("nul-inside.txt", &with_nul);
    w(
        "page.txt",
        format!("<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>{text}</p></body></html>")
            .as_bytes(),
    );
    w(
        "fragment.txt",
        format!("<div class=\"content\">\n<p>{}</p>\n</div>\n", text.chars().take(200).collect::<String>())
            .as_bytes(),
    );
    w("vni.txt", &encodings::vni(&text));
    w("tcvn3.txt", &encodings::tcvn3(&text));
    // VNI bytes read as Windows-1252 and saved as UTF-8: "Vieät Nam" in valid UTF-8.
    let vni_bytes = encodings::vni(&text);
    let vni_mojibake = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&vni_bytes).0;
    w("vni-as-utf8.txt", vni_mojibake.as_bytes());
    // Mostly UTF-8, but every 40th byte destroyed: beyond the 1 % repair policy.
    let mut damaged = text.clone().into_bytes();
    for i in (0..damaged.len()).step_by(40) {
        damaged[i] = 0xFF;
    }
    w("damaged.txt", &damaged);

    let out =
        bin().arg("--db").arg(dir.path().join("t.db")).arg("run").arg("--json").arg(&input).output().unwrap();
    assert!(out.status.success(), "run must exit 0: {}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let db = dir.path().join("t.db");
    let f = fates(&db);

    assert_rejected(&f, "empty.txt", "empty file");
    assert_rejected(&f, "blank.txt", "empty file (only whitespace)");
    assert_rejected(&f, "bom-only.txt", "empty file (only whitespace)");
    assert_rejected(&f, "png.txt", "binary file (PNG image)");
    assert_rejected(&f, "zip.txt", "binary file (ZIP archive)");
    assert_rejected(&f, "pdf.txt", "binary file (PDF document)");
    assert_rejected(&f, "gzip.txt", "binary file (gzip archive)");
    assert_rejected(&f, "random.txt", "binary file (");
    assert_rejected(&f, "random-no-nul.txt", "binary file (");
    assert_rejected(&f, "nul-inside.txt", "binary file (NUL byte at offset 100)");
    // HTML saved as .txt is read as HTML (content decides, not the name): the page
    // holds the seed's text, so it is an exact copy of the seed's article; the
    // fragment (the seed's first 200 characters) is an article of its own.
    assert_eq!(f["page.txt"].0, "duplicate", "{:?}", f["page.txt"]);
    assert_eq!(f["fragment.txt"].0, "stored", "{:?}", f["fragment.txt"]);
    assert_rejected(&f, "vni.txt", "legacy Vietnamese encoding VNI (not supported");
    assert_rejected(&f, "tcvn3.txt", "legacy Vietnamese encoding TCVN3");
    assert_rejected(&f, "vni-as-utf8.txt", "legacy Vietnamese encoding VNI saved as UTF-8");
    assert_rejected(&f, "damaged.txt", "damaged UTF-8");

    // The good files are untouched by the bad ones.
    assert_eq!(summary["stored"], 6, "{summary}");
    assert_eq!(summary["rejected"], 14, "{summary}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles"), 6);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles WHERE body LIKE '%<%>%'"), 0, "markup in a body");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources WHERE status = 'rejected' AND error IS NULL"), 0);
    let s = stats(&db);
    assert_eq!(s["files"], 21);
    assert_stats_add_up(&s);

    // A re-run adds nothing.
    let again = run_json(&db, &[&input]);
    assert_eq!(again["files"], 0, "{again}");
}

/// `clean --json`'s body for a file.
fn body_of(path: &Path) -> serde_json::Value {
    let out = bin().args(["clean", "--json"]).arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "clean {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["body"].clone()
}

#[test]
fn decodable_twins_give_the_same_article_and_are_exact_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let text = seed(SEED);
    assert!(text.is_ascii() || text.nfc().eq(text.chars()), "seed is NFC");
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("00-original.txt", text.clone().into_bytes()),
        ("01-utf8-bom.txt", [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat()),
        ("02-utf16le-bom.txt", encodings::utf16(&text, false, true)),
        ("03-utf16be-bom.txt", encodings::utf16(&text, true, true)),
        ("04-utf16le-no-bom.txt", encodings::utf16(&text, false, false)),
        ("05-utf16be-no-bom.txt", encodings::utf16(&text, true, false)),
        ("06-windows-1258.txt", encodings::windows_1258(&text)),
        ("07-nfd.txt", text.nfd().collect::<String>().into_bytes()),
        ("08-crlf.txt", text.replace('\n', "\r\n").into_bytes()),
        ("09-cr.txt", text.replace('\n', "\r").into_bytes()),
        ("10-crlf-bom-utf16le.txt", encodings::utf16(&text.replace('\n', "\r\n"), false, true)),
        // UTF-8 read as Windows-1252 and saved as UTF-8 again ("Viá»‡t"): repaired.
        (
            "11-utf8-twice.txt",
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(text.as_bytes())
                .0
                .into_owned()
                .into_bytes(),
        ),
    ];
    for (name, bytes) in &variants {
        std::fs::write(input.join(name), bytes).unwrap();
    }
    // Each twin cleans to exactly the original's body (not merely the same hash).
    let original = body_of(&input.join("00-original.txt"));
    assert!(original.as_array().is_some_and(|a| !a.is_empty()));
    for (name, _) in &variants[1..] {
        assert_eq!(body_of(&input.join(name)), original, "{name} does not give the original's body");
    }

    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 1, "{s}");
    assert_eq!(s["duplicates"], variants.len() - 1, "{s}");
    assert_eq!(s["rejected"], 0, "{s}");
    let f = fates(&db);
    for (name, _) in &variants[1..] {
        assert_eq!(f[*name].0, "duplicate", "{name}: {f:?}");
    }
}

#[test]
fn a_few_invalid_utf8_bytes_are_replaced_not_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let mut bytes = seed(SEED).into_bytes();
    // A stray Latin-1 byte in the middle and a character cut off at the end.
    let mid = bytes.iter().position(|&b| b == b' ').unwrap() + 200;
    bytes.insert(mid, 0xE9);
    bytes.extend_from_slice(&"ệ".as_bytes()[..2]);
    std::fs::write(input.join("few-bad.txt"), &bytes).unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 1, "{s}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM articles WHERE instr(body, char(65533)) > 0"), 1);
}

#[test]
fn windows_1252_text_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let text = "Le café de la gare a fermé ses portes. Les habitués regrettent déjà l’ambiance « unique ».\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!bad);
    std::fs::write(input.join("latin.txt"), &bytes).unwrap();
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 1, "{s}");
    let c = Connection::open(&db).unwrap();
    let body: String = c.query_row("SELECT body FROM articles", [], |r| r.get(0)).unwrap();
    assert!(body.contains("café") && body.contains("l’ambiance"), "{body}");
}

#[test]
fn oversized_files_are_rejected_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir_with_seeds(dir.path());
    // 17 GiB sparse: reading it would take minutes and all memory.
    let big = std::fs::File::create(input.join("huge.txt")).unwrap();
    big.set_len(17 << 30).unwrap();
    drop(big);
    let db = dir.path().join("t.db");
    let started = std::time::Instant::now();
    let s = run_json(&db, &[&input]);
    assert!(started.elapsed().as_secs() < 30);
    assert_eq!(s["stored"], 5, "{s}");
    assert_eq!(s["rejected"], 1, "{s}");
    assert_rejected(&fates(&db), "huge.txt", "file too large: 18253611008 bytes, limit 16777216");

    // A small limit from --config applies to ordinary files too.
    let cfg = dir.path().join("small.toml");
    std::fs::write(&cfg, "[input]\nmax_file_size = 1000\n").unwrap();
    let db2 = dir.path().join("t2.db");
    let out = bin().arg("--config").arg(&cfg).arg("--db").arg(&db2).arg("run").arg(&input).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let f = fates(&db2);
    assert_eq!(f.len(), 6);
    for name in f.keys() {
        assert_rejected(&f, name, "file too large");
    }
    assert_stats_add_up(&stats(&db2));
}

#[test]
fn a_ten_megabyte_line_and_a_million_lines_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let words = ["Việt", "Nam", "hội", "đàm", "kinh", "tế", "xã", "hội", "phát", "triển"];
    let mut line = String::with_capacity(10 << 20);
    let mut i = 0usize;
    while line.len() < 10 << 20 {
        line.push_str(words[i % words.len()]);
        line.push(if i % 13 == 12 { '.' } else { ' ' });
        i += 1;
    }
    std::fs::write(input.join("one-line.txt"), &line).unwrap();
    std::fs::write(input.join("million-lines.txt"), "Việt Nam.\n".repeat(1_000_000)).unwrap();
    let db = dir.path().join("t.db");
    let started = std::time::Instant::now();
    let s = run_json(&db, &[&input]);
    eprintln!("10 MB line + 1M lines: {:.1} s (debug build)", started.elapsed().as_secs_f64());
    assert_eq!(s["files"], 2, "{s}");
    assert_stats_add_up(&stats(&db));
}

#[test]
fn only_boilerplate_is_no_article_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("punct.txt"), "...\n\n— / . ! ?\n\n***\n").unwrap();
    let db = dir.path().join("t.db");
    let out = bin().arg("--db").arg(&db).arg("run").arg(&input).output().unwrap();
    assert!(out.status.success());
    assert_rejected(&fates(&db), "punct.txt", "no article text");
}

#[test]
fn only_furniture_lines_is_no_article_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("furniture.txt"),
        "Tag\nIn\nChia sẻ\n\nAa\n\nViết bình luận\n\nĐánh giá bài viết\n",
    )
    .unwrap();
    let db = dir.path().join("t.db");
    let out = bin().arg("--db").arg(&db).arg("run").arg(&input).output().unwrap();
    assert!(out.status.success());
    assert_rejected(&fates(&db), "furniture.txt", "no article text");
}

#[test]
fn odd_paths_are_recorded_and_never_stop_the_run() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let seeds_sorted: Vec<_> = {
        let mut v: Vec<_> = std::fs::read_dir(seeds()).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let copy = |i: usize, to: &Path| std::fs::copy(&seeds_sorted[i], to).unwrap();
    copy(0, &input.join("name with spaces.txt"));
    copy(1, &input.join("tin tức Việt Nam.txt"));
    let raw = std::ffi::OsStr::from_bytes(b"latin1-\xE9t\xE9.txt");
    copy(2, &input.join(raw));
    // A directory named like an input file: entered, not read as a file.
    std::fs::create_dir_all(input.join("x.txt")).unwrap();
    copy(3, &input.join("x.txt").join("inner.txt"));
    // Symlinks: a loop of directories, a loop of files, one to a file outside the
    // root, a dangling one, one to a file inside the root (taken).
    std::os::unix::fs::symlink(&input, input.join("loop")).unwrap();
    std::os::unix::fs::symlink(input.join("b.txt"), input.join("a.txt")).unwrap();
    std::os::unix::fs::symlink(input.join("a.txt"), input.join("b.txt")).unwrap();
    let outside = dir.path().join("outside.txt");
    copy(4, &outside);
    std::os::unix::fs::symlink(&outside, input.join("escape.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("missing.txt"), input.join("dangling.txt")).unwrap();
    std::os::unix::fs::symlink(input.join("name with spaces.txt"), input.join("inside-link.txt")).unwrap();
    // A named pipe would block a reader forever.
    let fifo = std::ffi::CString::new(input.join("pipe.txt").as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);

    let db = dir.path().join("t.db");
    let started = std::time::Instant::now();
    let s = run_json(&db, &[&input]);
    assert!(started.elapsed().as_secs() < 60, "run hung");
    assert_eq!(s["stored"], 4, "{s}");
    assert_eq!(s["duplicates"], 1, "inside-link.txt is a duplicate: {s}");
    assert_eq!(s["files"], 5, "links out of the root, loops, the pipe are skipped: {s}");
    let c = Connection::open(&db).unwrap();
    let (path, bytes): (String, Vec<u8>) = c
        .query_row("SELECT path, path_bytes FROM sources WHERE path LIKE '%latin1-%'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(path.ends_with("latin1-\u{FFFD}t\u{FFFD}.txt"), "{path}");
    assert!(bytes.ends_with(b"latin1-\xE9t\xE9.txt"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources WHERE path LIKE '%tin tức Việt Nam.txt'"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources WHERE path LIKE '%x.txt/inner.txt'"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sources WHERE path LIKE '%escape.txt'"), 0);
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn unreadable_file_is_rejected_with_the_os_reason() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir_with_seeds(dir.path());
    let locked = input.join("locked.txt");
    std::fs::write(&locked, "Bài viết không đọc được.\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if running_as_root() || std::fs::File::open(&locked).is_ok() {
        eprintln!("SKIPPED unreadable_file_is_rejected_with_the_os_reason: running as root, permissions are not enforced");
        return;
    }
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    assert_eq!(s["stored"], 5, "{s}");
    assert_rejected(&fates(&db), "locked.txt", "cannot open file: Permission denied");
}

#[test]
fn file_deleted_or_changed_between_discovery_and_read() {
    use news_ingest::source::read::{read, ReadResult};
    use news_ingest::source::Candidate;
    let dir = tempfile::tempdir().unwrap();
    let root: std::sync::Arc<Path> = std::sync::Arc::from(dir.path().canonicalize().unwrap().as_path());
    let p = root.join("gone.txt");
    std::fs::write(&p, "Tin mới.\n").unwrap();
    let mut c = Candidate::new(p.clone(), &std::fs::metadata(&p).unwrap(), root.clone());
    std::fs::remove_file(&p).unwrap();
    assert!(matches!(read(&mut c, 1 << 20), ReadResult::Vanished));

    // Grown past the limit after discovery: refused, not read whole.
    std::fs::write(&p, "x").unwrap();
    let mut c = Candidate::new(p.clone(), &std::fs::metadata(&p).unwrap(), root.clone());
    std::fs::write(&p, vec![b'x'; 4096]).unwrap();
    match read(&mut c, 1000) {
        ReadResult::Unusable { reason, .. } => assert!(reason.starts_with("file too large"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // Replaced by a directory, a FIFO or a symlink: no longer an input file (the
    // next scan applies the discovery rules to what is there now); never read, and
    // a FIFO never blocks the open.
    std::fs::remove_file(&p).unwrap();
    std::fs::create_dir(&p).unwrap();
    assert!(matches!(read(&mut c, 1000), ReadResult::Vanished));
    std::fs::remove_dir(&p).unwrap();
    let cp = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo on a path we own.
    assert_eq!(unsafe { libc::mkfifo(cp.as_ptr(), 0o644) }, 0);
    assert!(matches!(read(&mut c, 1000), ReadResult::Vanished));
    std::fs::remove_file(&p).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", &p).unwrap();
    assert!(matches!(read(&mut c, 1000), ReadResult::Vanished));
}

#[test]
fn clean_command_reports_bad_input_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("img.txt");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let out = bin().arg("clean").arg(&png).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("img.txt") && err.contains("binary file (PNG image)"), "{err}");

    // A decodable legacy file cleans like its UTF-8 twin.
    let w = dir.path().join("w.txt");
    std::fs::write(&w, encodings::windows_1258(&seed(SEED))).unwrap();
    assert_eq!(body_of(&w), body_of(&seeds().join(SEED)));
}

#[test]
fn every_seed_in_legacy_encodings_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir_with_seeds(dir.path());
    let mut names: Vec<String> = std::fs::read_dir(seeds())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let text = seed(name);
        std::fs::write(input.join(format!("{name}.1258.txt")), encodings::windows_1258(&text)).unwrap();
        std::fs::write(input.join(format!("{name}.vni.txt")), encodings::vni(&text)).unwrap();
        std::fs::write(input.join(format!("{name}.tcvn3.txt")), encodings::tcvn3(&text)).unwrap();
    }
    let db = dir.path().join("t.db");
    let s = run_json(&db, &[&input]);
    let f = fates(&db);
    for name in &names {
        assert_eq!(f[&format!("{name}.1258.txt")].0, "duplicate", "{name}: {f:?}");
        assert_rejected(&f, &format!("{name}.vni.txt"), "legacy Vietnamese encoding VNI");
        assert_rejected(&f, &format!("{name}.tcvn3.txt"), "legacy Vietnamese encoding TCVN3");
    }
    assert_eq!(s["stored"], 5, "{s}");
}
