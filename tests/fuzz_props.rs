//! Property tests (the CI-runnable stand-in for cargo-fuzz; see fuzz/README.md) of
//! decoding, cleaning and fingerprinting: no panic on any input, the body's words
//! all come from the input, cleaning is idempotent on its own output, and encodings
//! of the same text give the same article.
//!
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz_props` searches harder.

#[path = "common/encodings.rs"]
mod encodings;

use news_ingest::clean::Cleaner;
use news_ingest::config::Config;
use news_ingest::decode::decode;
use news_ingest::dedup::{content_sha256, normalize::fingerprint_text};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

fn cleaner() -> Cleaner {
    Cleaner::from_config(&Config::embedded().clean).expect("embedded rules load")
}

/// Pieces of Vietnamese news text: words with every tone and vowel form, the
/// furniture and credits the cleaner looks for, punctuation, line breaks.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "Việt", "Nam", "hội", "đàm", "Người", "dân", "thủy", "thuỷ", "hòa", "hoà", "khuya", "nghiêng",
            "Đà", "Nẵng", "Ðà", "ưu", "tiên", "ở", "ạ", "Ỷ", "giữa", "quốc", "TTXVN", "Vietnam+", "2024",
            "25/7", "Hà", "Nội", "Ảnh:", "(Ảnh:", "Nguồn:", "/.", "./.", "Tin", "liên", "quan", "Chia", "sẻ",
            "Tag", "In", "Aa", "Thích", "6", "Xem", "tiếp", "Tiêu", "điểm", "(PLO)-", "VTV.vn", "-", "–",
        ])
        .prop_map(str::to_string),
        3 => Just(" ".to_string()),
        2 => prop::sample::select(vec!["\n", "\n\n", "\r\n", "\r", "\t", "  ", "\u{a0}", ".", ",", ":", "\""])
            .prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn article_text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..300).prop_map(|v| v.concat())
}

/// Raw bytes: arbitrary, or text with damage, BOMs and NULs spliced in.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        (article_text(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8)).prop_map(
            |(t, edits)| {
                let mut b = t.into_bytes();
                for (i, byte) in edits {
                    if !b.is_empty() {
                        let at = i.index(b.len());
                        b[at] = byte;
                    }
                }
                b
            }
        ),
        (
            prop::sample::select(vec![
                &b""[..],
                b"\xEF\xBB\xBF",
                b"\xFF\xFE",
                b"\xFE\xFF",
                b"\xFF\xFE\0\0",
                b"\0\0\xFE\xFF",
                b"<html>",
                b"\x89PNG",
            ]),
            prop::collection::vec(any::<u8>(), 0..512)
        )
            .prop_map(|(p, rest)| [p, &rest].concat()),
    ]
}

fn strip_invisible(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any bytes: decode, clean and fingerprint without panicking; whatever is
    /// accepted has no NUL or stray control characters left.
    #[test]
    fn no_panic_on_any_bytes(bytes in hostile_bytes()) {
        if let Ok(text) = decode(&bytes) {
            prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{text:?}");
            let doc = cleaner().clean(&text);
            let _ = content_sha256(&doc.body);
            for p in &doc.body {
                let _ = fingerprint_text(p);
            }
        }
    }

    /// Every word of the body occurs in the (normalised) input: nothing invented.
    /// Invisible format characters (zero-width spaces and joiners, BOM, soft hyphen)
    /// are dropped by cleaning, so the input is compared without them.
    #[test]
    fn body_words_come_from_the_input(text in article_text()) {
        let input: String = strip_invisible(&text).nfc().collect();
        let doc = cleaner().clean(&text);
        for p in &doc.body {
            for w in p.split_whitespace() {
                prop_assert!(input.contains(w), "body word {w:?} is not in the input {input:?}");
            }
        }
        if let Ok(decoded) = decode(text.as_bytes()) {
            let decoded_nfc: String = strip_invisible(&decoded).nfc().collect();
            for p in cleaner().clean(&decoded).body {
                for w in p.split_whitespace() {
                    prop_assert!(decoded_nfc.contains(w), "body word {w:?} is not in {decoded_nfc:?}");
                }
            }
        }
    }

    /// Cleaning its own output changes nothing.
    #[test]
    fn cleaning_is_idempotent(text in article_text()) {
        let c = cleaner();
        let body = c.clean(&text).body;
        let again = c.clean(&body.join("\n\n")).body;
        prop_assert_eq!(again, body);
    }

    /// The same text in another encoding, normal form or line ending is the same
    /// article (the pipeline then records it as an exact duplicate).
    #[test]
    fn encodings_of_one_text_are_one_article(words in prop::collection::vec(piece(), 1..200)) {
        let text: String = words.concat().chars().filter(|c| !c.is_control() || c.is_whitespace()).collect();
        let Ok(plain) = decode(text.as_bytes()) else { return Ok(()) };
        let c = cleaner();
        let reference = c.clean(&plain).body;
        let variants = [
            [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            encodings::utf16(&text, false, true),
            encodings::utf16(&text, true, true),
            text.nfd().collect::<String>().into_bytes(),
            text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n").into_bytes(),
        ];
        for (i, v) in variants.iter().enumerate() {
            let decoded = decode(v);
            prop_assert!(decoded.is_ok(), "variant {i} rejected: {decoded:?}");
            let body = c.clean(&decoded.unwrap_or_default()).body;
            prop_assert_eq!(content_sha256(&body), content_sha256(&reference), "variant {}", i);
        }
    }

    /// Fingerprinting is total and stable under normal form.
    #[test]
    fn fingerprint_ignores_normal_form(text in article_text()) {
        let nfd: String = text.nfd().collect();
        prop_assert_eq!(fingerprint_text(&text), fingerprint_text(&nfd));
    }
}
