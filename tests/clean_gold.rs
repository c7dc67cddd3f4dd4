//! The seeds against their gold files (the specification of "clean"), plus properties
//! of the cleaner on arbitrary input. Uses only `tests/fixtures/`.

use std::path::{Path, PathBuf};

use news_ingest::clean::{clean_default, eval};
use news_ingest::Document;
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Gold {
    title: Option<String>,
    published: Option<String>,
    author: Option<String>,
    captions: Vec<String>,
    body: Vec<String>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn seeds_match_gold() {
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(fixtures().join("seeds"))
        .expect("tests/fixtures/seeds")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 5, "seed fixtures missing");
    for seed in seeds {
        let stem = seed.file_stem().and_then(|s| s.to_str()).expect("file stem").to_string();
        let gold: Gold = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join("gold").join(format!("{stem}.json")))
                .expect("gold file"),
        )
        .expect("gold json");
        let doc = clean_default(&std::fs::read_to_string(&seed).expect("seed file"));
        let (p, r, f) = eval::prf(&doc.body, &gold.body);
        assert!(f >= 0.99, "{stem}: body F1 {f:.4} (P {p:.4} R {r:.4})");
        assert_eq!(doc.title, gold.title, "{stem}: title");
        assert_eq!(doc.published, gold.published, "{stem}: published");
        assert_eq!(doc.author, gold.author, "{stem}: author");
        assert_eq!(doc.captions.len(), gold.captions.len(), "{stem}: captions {:?}", doc.captions);
    }
}

#[test]
fn ten_megabyte_single_line_is_bounded() {
    let unit = "Hội đàm diễn ra tại Hà Nội. Ảnh: TTXVN >> Tin khác TIN LIÊN QUAN Một hai ba Bốn năm sáu ";
    // 10 MB in optimised builds; a smaller file keeps debug test runs quick.
    let mb = if cfg!(debug_assertions) { 2 } else { 10 };
    let big = unit.repeat(mb * 1024 * 1024 / unit.len());
    let t = std::time::Instant::now();
    let doc = clean_default(&big);
    assert!(!doc.body.is_empty() || !doc.captions.is_empty());
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
}

fn body_tokens_in_input(input: &str, doc: &Document) -> bool {
    let mut pool = std::collections::HashMap::<String, i64>::new();
    use unicode_normalization::UnicodeNormalization;
    let norm: String = input.nfc().collect();
    for t in eval::tokens(&norm) {
        *pool.entry(t).or_default() += 1;
    }
    eval::tokens(&doc.body.join("\n")).into_iter().all(|t| {
        let c = pool.entry(t).or_default();
        *c -= 1;
        *c >= 0
    })
}

/// Strings built from article-like pieces: words, boilerplate, punctuation, line breaks.
fn articleish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Hội đàm".to_string()),
        Just("tại Hà Nội".to_string()),
        Just("Bộ trưởng Lương Tam Quang".to_string()),
        Just(". ".to_string()),
        Just(".".to_string()),
        Just("...".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just(" Ảnh: TTXVN ".to_string()),
        Just("(Ảnh: Xuân Tú/TTXVN)".to_string()),
        Just("Tin liên quan".to_string()),
        Just("TIN LIÊN QUAN".to_string()),
        Just(">> ".to_string()),
        Just("» ".to_string()),
        Just("/.".to_string()),
        Just("Chia sẻ".to_string()),
        Just(" date 2024-08 ".to_string()),
        Just("18/04/2024".to_string()),
        Just("chiều 27/8, ".to_string()),
        Just("Xem thêm: ".to_string()),
        Just("(PLO)- ".to_string()),
        Just("MINH NGUYỆT (TTXVN/VIETNAM+)".to_string()),
        Just("\u{a0}".to_string()),
        Just("\r\n".to_string()),
        "[a-zA-ZàáạđĐêếệôốộưứựẠẾ0-9 ,.:;!?/()\"-]{0,12}",
        "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_panics_and_never_invents(s in "\\PC{0,300}") {
        let doc = clean_default(&s);
        prop_assert!(body_tokens_in_input(&s, &doc));
    }

    #[test]
    fn articleish_never_invents_and_is_idempotent(s in articleish()) {
        let doc = clean_default(&s);
        prop_assert!(body_tokens_in_input(&s, &doc));
        let again = clean_default(&doc.body.join("\n\n"));
        prop_assert_eq!(&again.body, &doc.body);
    }

    #[test]
    fn arbitrary_strings_are_idempotent(s in "\\PC{0,200}") {
        let doc = clean_default(&s);
        let again = clean_default(&doc.body.join("\n\n"));
        prop_assert_eq!(&again.body, &doc.body);
    }
}
