//! Hand-labelled vn-mds bodies (`tests/fixtures/vnmds/<docid>.txt` and
//! `<docid>.expected.json`): the expected body is a human judgement of the article
//! text, written by reading the input, not the cleaner's output.

use std::path::{Path, PathBuf};

use news_ingest::clean::{clean_default, eval};
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    body: Vec<String>,
}

// Issue 16 target on these bodies: mean precision >= 0.995 with recall >= 0.995 (not
// met yet). Measured on 61 bodies at the start of round 3: P 0.97998, R 0.99839; after
// it: P 0.98870, R 0.99873. 14 more (labelled before the cleaner ran on them, scored
// as a hold-out first: P 0.9852, R 0.9993) make 75: P 0.98804, R 0.99883, F1 0.99302
// (`cargo run --example clean_eval`). Round s22: 15 more labelled blind (hold-out
// before any fix: P 0.9285, R 0.9943, F1 0.9562) make 90: P 0.98741 at the start,
// P 0.98770 R 0.99903 F1 0.99294 after the round's rules; 8 more labelled blind after
// those rules (their hold-out: P 0.9822, R 0.9947, F1 0.9884) make 98: P 0.98706,
// R 0.99911, F1 0.99261 (quoted runs kept out of the caption rule). Round s23: 14 more
// labelled blind (random.Random(23), LABELS.py; hold-out before any fix: P 0.9676,
// R 0.9981, F1 0.9819; after the round's rules P 0.9712 R 1.0000 F1 0.9848) make 112:
// P 0.9846 R 0.9990 F1 0.9913 at the start, P 0.9867 R 0.9994 F1 0.9926 after
// (continuing words, credit name stops, dotless and glued initials, "Nguồn: domain").
// This test guards what is
// reached: a regression below it fails; recall must stay >= 0.995 (never drop real
// content).
#[test]
fn labelled_vnmds_bodies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vnmds");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/vnmds")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 112, "need at least 112 labelled bodies, have {}", inputs.len());
    let (mut sp, mut sr, mut sf) = (0.0, 0.0, 0.0);
    let mut report = String::new();
    for input in &inputs {
        let stem = input.file_stem().and_then(|s| s.to_str()).expect("stem").to_string();
        let exp: Expected = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{stem}.expected.json"))).expect("expected file"),
        )
        .expect("expected json");
        let doc = clean_default(&std::fs::read_to_string(input).expect("input"));
        let (p, r, f) = eval::prf(&doc.body, &exp.body);
        report.push_str(&format!("{stem}: P {p:.3} R {r:.3} F1 {f:.3}\n"));
        sp += p;
        sr += r;
        sf += f;
    }
    let n = inputs.len() as f64;
    let (p, r, f) = (sp / n, sr / n, sf / n);
    // `cargo test --test clean_vnmds -- --nocapture` prints the figures.
    eprintln!("{} bodies: mean P {p:.5} R {r:.5} F1 {f:.5}\n{report}", inputs.len());
    assert!(f >= 0.9924 && p >= 0.9865 && r >= 0.9990, "mean P {p:.4} R {r:.4} F1 {f:.4}\n{report}");
}

/// cluster_59/12242028 prints the whole article twice after its byline: its captions
/// are listed once (they were listed twice).
#[test]
fn an_article_printed_twice_lists_its_captions_once() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vnmds/12242028.txt");
    let text = std::fs::read_to_string(&input).expect("fixture");
    let doc = clean_default(&text);
    let mut unique = doc.captions.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), doc.captions.len(), "{:?}", doc.captions);
    assert!(doc.captions.len() >= 3, "{:?}", doc.captions);
}

/// The credit-less caption rule takes article text only when it reads as a caption:
/// an intertitle of 10+ words ("Robert Lewandowski là cầu thủ xuất sắc hơn Olivier
/// Giroud", "ĐBQH Đỗ Văn Đương: Phải báo cáo về án treo") and sentences cut at a name
/// ("... Phan Văn | Sáng", "... VKSND | Tối cao") stay in the body. Real vn-mds bodies
/// (tests/fixtures/captions/, cluster_61, 21, 104; 12241664 is a labelled one).
#[test]
fn long_intertitles_and_sentences_are_not_uncredited_captions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (file, kept) in [
        ("vnmds/12241664.txt", "Robert Lewandowski là cầu thủ xuất sắc hơn Olivier Giroud"),
        ("captions/12237297.txt", "ĐBQH Đỗ Văn Đương: Phải báo cáo về án treo"),
        ("captions/12234792.txt", "Cùng ngày, Tân Hoa Xã dẫn báo cáo của VKSND Tối cao"),
        ("captions/12306762.txt", "Phan Văn Sáng"),
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect("fixture");
        let doc = clean_default(&text);
        let body = doc.body.join(" ");
        assert!(body.contains(kept), "{file}: {kept:?} left the body; captions {:?}", doc.captions);
        let start: String = kept.split(' ').take(4).collect::<Vec<_>>().join(" ");
        assert!(!doc.captions.iter().any(|c| c.contains(&start)), "{file}: {:?}", doc.captions);
    }
}

/// The bounds of the credit-less caption rule are rules, not constants: a rules file
/// can change them, and a bad pair is an error naming the key and the file.
#[test]
fn uncredited_caption_bounds_come_from_the_rules_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "[captions]\nuncredited_min_words = 30\nuncredited_max_words = 20\n")
        .expect("write");
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, format!("[clean]\nrules = {:?}\n", rules.display().to_string())).expect("write");
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vnmds/12313522.txt");
    let out = assert_cmd::Command::cargo_bin("news-ingest")
        .expect("binary")
        .arg("--config")
        .arg(&cfg)
        .arg("clean")
        .arg(&input)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("captions.uncredited_min_words") && err.contains("rules.toml"), "{err}");
}

/// Trí Thức Trẻ pages printed on one line end "... last sentence. Byline Theo SOURCE
/// headline headline ... Xem tiếp": everything after the last full stop is the list
/// (three labelled vn-mds bodies; their headlines end in "?" too). Each body is the
/// labelled one exactly.
#[test]
fn a_list_closed_by_a_link_leaves_one_line_pages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vnmds");
    for id in ["12232747", "12234978", "12232753"] {
        let doc = clean_default(&std::fs::read_to_string(dir.join(format!("{id}.txt"))).expect("fixture"));
        let exp: Expected = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{id}.expected.json"))).expect("expected"),
        )
        .expect("json");
        let (p, r, _) = eval::prf(&doc.body, &exp.body);
        assert!(p == 1.0 && r == 1.0, "{id}: P {p} R {r} {:?}", doc.body);
    }
}
